import {
  createApprovalDecider,
  ANONYMOUS_EXECUTABLE_REASON,
  APPROVAL_FAILED_REASON,
  NO_APPROVER_REASON,
  USER_CANCELLED_REASON,
  USER_DENIED_REASON,
  type ApprovalAnswer,
  type ApprovalPolicy,
  type ApprovalRequest,
  type ExecToDecide,
} from "../../src/approval/index.js";
import { parseRules } from "../../src/rules/index.js";
import { deniedBy as denied, ruleAt } from "../bridge/support.js";


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Parsed in each test, so every test that uses the rules also runs the parser (what mutation testing measures). */
const policy = () => parseRules(
  [
    'prefix_rule(pattern = ["git", "push"], decision = "prompt", justification = "talks to remotes")',
    'prefix_rule(pattern = ["mkfs"], decision = "forbidden")',
    'prefix_rule(pattern = ["make"])',
  ].join("\n"),
  "decider.rules",
);

function exec(file: string, argv: string[], extra: Partial<ExecToDecide> = {}): ExecToDecide {
  return { requestId: `req-${argv.join("-")}`, file, argv, cwd: "/repo", ...extra };
}

/** A host that answers from a script and records what it was asked. */
function scriptedHost(...answers: (ApprovalAnswer | Error | string)[]) {
  const requests: ApprovalRequest[] = [];
  const requestApproval = async (request: ApprovalRequest): Promise<ApprovalAnswer> => {
    requests.push(request);
    const answer = answers.shift();
    if (answer === undefined) throw new Error("asked more often than expected");
    if (answer instanceof Error) throw answer;
    return answer as ApprovalAnswer;
  };
  return { requests, requestApproval };
}

function decider(approvalPolicy: ApprovalPolicy, host?: ReturnType<typeof scriptedHost>) {
  return createApprovalDecider({ policy: policy(), approvalPolicy, ...(host ? { requestApproval: host.requestApproval } : {}) });
}

describe("createApprovalDecider", () => {
  test("a forbidden command is denied without asking", async () => {
    const host = scriptedHost();
    expect(await decider("untrusted", host)(exec("/sbin/mkfs", ["mkfs", "/dev/sda"]))).toEqual({
      action: "deny",
      reason: denied("Execution forbidden by policy", "decider.rules", 2),
      source: "rule",
      approvalId: null,
      abort: false,
      justification: null,
      rule: ruleAt("decider.rules", 2),
      cacheable: false,
    });
    expect(host.requests).toEqual([]);
  });

  test("an allowed command runs without asking", async () => {
    const host = scriptedHost();
    expect(await decider("untrusted", host)(exec("/usr/bin/make", ["make", "all"]))).toEqual({
      action: "run",
      reason: null,
      source: "rule",
      approvalId: null,
      abort: false,
      justification: null,
      rule: ruleAt("decider.rules", 3),
      cacheable: false,
    });
    expect(host.requests).toEqual([]);
  });

  test("approved: runs, and the request carried the command, the rule and a fresh UUID", async () => {
    const host = scriptedHost("approved", "approved");
    const decide = decider("on-request", host);
    const first = await decide(exec("/usr/bin/git", ["git", "push", "origin"], { callId: "call-1" }));
    expect(first).toEqual({
      action: "run",
      reason: null,
      source: "user",
      approvalId: host.requests[0]!.approvalId,
      abort: false,
      justification: "talks to remotes",
      rule: ruleAt("decider.rules", 1),
      cacheable: false,
    });
    expect(host.requests[0]).toEqual({
      approvalId: expect.stringMatching(UUID),
      callId: "call-1",
      command: ["/usr/bin/git", "push", "origin"],
      cwd: "/repo",
      reason: "talks to remotes",
      matchedRules: [
        {
          prefixRuleMatch: {
            matchedPrefix: ["git", "push"],
            decision: "prompt",
            resolvedProgram: "/usr/bin/git",
            justification: "talks to remotes",
          },
        },
      ],
    });
    // "approved" is for this exec only: the same command asks again, with a new id.
    await decide(exec("/usr/bin/git", ["git", "push", "origin"]));
    expect(host.requests).toHaveLength(2);
    expect(host.requests[1]!.approvalId).not.toBe(host.requests[0]!.approvalId);
    expect(host.requests[1]!.callId).toBe("req-git-push-origin");
  });

  test("approved-for-session: the same command runs again without asking, others still ask", async () => {
    const host = scriptedHost("approved-for-session", "denied");
    const decide = decider("untrusted", host);
    const first = await decide(exec("/usr/bin/git", ["git", "push"]));
    expect(first).toMatchObject({ action: "run", source: "user", approvalId: host.requests[0]!.approvalId });
    expect(await decide(exec("/usr/bin/git", ["git", "push"]))).toEqual({
      action: "run",
      reason: null,
      source: "user",
      approvalId: null,
      abort: false,
      justification: "talks to remotes",
      rule: ruleAt("decider.rules", 1),
      cacheable: false,
    });
    expect(host.requests).toHaveLength(1);
    expect(await decide(exec("/usr/bin/git", ["git", "push", "--tags"]))).toMatchObject({ action: "deny", reason: USER_DENIED_REASON });
    expect(await decider("untrusted", scriptedHost("denied"))(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({
      action: "deny",
    });
  });

  test("denied: denied with the user's reason", async () => {
    const host = scriptedHost("denied");
    expect(await decider("on-request", host)(exec("/usr/bin/git", ["git", "push"]))).toEqual({
      action: "deny",
      reason: USER_DENIED_REASON,
      source: "user",
      approvalId: host.requests[0]!.approvalId,
      abort: false,
      justification: "talks to remotes",
      rule: ruleAt("decider.rules", 1),
      cacheable: false,
    });
  });

  test("abort: denied, and the whole command is to stop", async () => {
    const host = scriptedHost("abort");
    expect(await decider("on-failure", host)(exec("/usr/bin/git", ["git", "push"]))).toEqual({
      action: "deny",
      reason: USER_CANCELLED_REASON,
      source: "user",
      approvalId: host.requests[0]!.approvalId,
      abort: true,
      justification: "talks to remotes",
      rule: ruleAt("decider.rules", 1),
      cacheable: false,
    });
  });

  test("without requestApproval, anything that needs asking is denied", async () => {
    const decide = decider("untrusted");
    expect(await decide(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({ action: "deny", reason: denied(NO_APPROVER_REASON, "decider.rules", 1), source: "rule" });
    expect(await decide(exec("/usr/bin/python3", ["python3"]))).toMatchObject({ action: "deny", reason: NO_APPROVER_REASON, source: "heuristics" });
    expect(await decide(exec("/bin/ls", ["ls"]))).toMatchObject({ action: "run", source: "heuristics" });
  });

  test("under never, a prompt is denied without asking", async () => {
    const host = scriptedHost();
    expect(await decider("never", host)(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({ action: "deny", source: "rule" });
    expect(await decider("never", host)(exec("/bin/rm", ["rm", "-rf", "x"]))).toMatchObject({ action: "deny", source: "heuristics" });
    expect(await decider("never", host)(exec("/usr/bin/python3", ["python3"]))).toMatchObject({ action: "run", source: "heuristics" });
    expect(host.requests).toEqual([]);
  });

  test("heuristics: dangerous commands ask even under on-request; a relative file is resolved against cwd", async () => {
    const host = scriptedHost("approved");
    expect(await decider("on-request", host)(exec("bin/rm", ["rm", "-f", "x"], { cwd: "/opt/tools" }))).toMatchObject({ action: "run", source: "user" });
    expect(host.requests[0]).toMatchObject({ command: ["/opt/tools/bin/rm", "-f", "x"], reason: "Command looks destructive", matchedRules: [] });
  });

  test("several approvals in one shell command each get their own id and answer", async () => {
    const host = scriptedHost("approved", "denied", "approved");
    const decide = decider("untrusted", host);
    const results = await Promise.all([
      decide(exec("/usr/bin/git", ["git", "push", "a"])),
      decide(exec("/usr/bin/git", ["git", "push", "b"])),
      decide(exec("/usr/bin/git", ["git", "push", "c"])),
    ]);
    expect(results.map((r) => r.action)).toEqual(["run", "deny", "run"]);
    expect(new Set(host.requests.map((r) => r.approvalId)).size).toBe(3);
    expect(results.map((r) => r.approvalId)).toEqual(host.requests.map((r) => r.approvalId));
  });

  test("a failing or nonsensical approver denies with a generic reason; only the host hears what went wrong", async () => {
    const failing = scriptedHost(new Error("terminal closed at /home/secret/path"));
    const heard: string[] = [];
    const decide = createApprovalDecider({ policy: policy(), approvalPolicy: "untrusted", requestApproval: failing.requestApproval });
    expect(await decide(exec("/usr/bin/git", ["git", "push"]), (message) => heard.push(message))).toMatchObject({
      action: "deny",
      reason: APPROVAL_FAILED_REASON,
      abort: false,
    });
    const confused = scriptedHost("yes please");
    const confusedDecide = createApprovalDecider({
      policy: policy(),
      approvalPolicy: "untrusted",
      requestApproval: confused.requestApproval,
      onApprovalError: (message) => heard.push(message),
    });
    expect(await confusedDecide(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({ action: "deny", reason: APPROVAL_FAILED_REASON });
    expect(heard).toEqual([
      "requestApproval threw: terminal closed at /home/secret/path",
      'requestApproval answered "yes please", not one of approved, approved-for-session, denied, abort',
    ]);
  });

  test("an approver that throws something unprintable, and an error handler that throws, still only deny", async () => {
    const decide = createApprovalDecider({
      policy: policy(),
      approvalPolicy: "untrusted",
      requestApproval: () => {
        throw Object.create(null);
      },
      onApprovalError: () => {
        throw new Error("handler broke too");
      },
    });
    expect(await decide(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({ action: "deny", reason: APPROVAL_FAILED_REASON });
  });

  test(
    "a deny names where its rule was written",
    async () => {
      const rules = parseRules('\n\nprefix_rule(pattern = ["git", "push"], decision = "forbidden", justification = "talks to remotes")\n', "rules/default.rules");
      const decide = createApprovalDecider({ policy: rules, approvalPolicy: "on-request" });
      expect(await decide(exec("/usr/bin/git", ["git", "push", "origin", "main"]))).toMatchObject({
        action: "deny",
        reason: "talks to remotes (rule rules/default.rules:3)",
        justification: "talks to remotes",
        rule: "rules/default.rules:3",
      });
    },
  );

  test("a forbidding rule's justification is the reason, and every decision carries the justification", async () => {
    const justified = parseRules('prefix_rule(pattern = ["git", "push"], decision = "forbidden", justification = "talks to remotes")\n', "j.rules");
    const decide = createApprovalDecider({ policy: justified, approvalPolicy: "on-request" });
    expect(await decide(exec("/usr/bin/git", ["git", "push", "origin", "main"]))).toEqual({
      action: "deny",
      reason: denied("talks to remotes", "j.rules", 1),
      source: "rule",
      approvalId: null,
      abort: false,
      justification: "talks to remotes",
      rule: ruleAt("j.rules", 1),
      cacheable: false,
    });
    expect(await decider("never")(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({
      reason: denied('Execution needs approval, but the approval policy is "never"', "decider.rules", 1),
      justification: "talks to remotes",
      rule: ruleAt("decider.rules", 1),
    });
  });
});

describe("createApprovalDecider: which rule decides", () => {
  test("the first rule with the strictest decision, not merely the first that matches", async () => {
    const rules = parseRules(
      'prefix_rule(pattern = ["git"], justification = "reads")\nprefix_rule(pattern = ["git", "push"], decision = "forbidden", justification = "talks to remotes")\n',
      "d.rules",
    );
    expect(await createApprovalDecider({ policy: rules, approvalPolicy: "on-request" })(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({
      action: "deny",
      justification: "talks to remotes",
      rule: ruleAt("d.rules", 2),
    });
  });

  test("on a tie the program as given decides, before the executable it resolves to", async () => {
    const rules = parseRules(
      'prefix_rule(pattern = ["mkfs"], decision = "forbidden", justification = "as given")\nprefix_rule(pattern = ["mkfs.ext4"], decision = "forbidden", justification = "resolved")\n',
      "t.rules",
    );
    const decide = createApprovalDecider({ policy: rules, approvalPolicy: "on-request" });
    expect(await decide(exec("/sbin/mkfs", ["mkfs", "/dev/x"], { executable: "/sbin/mkfs.ext4" }))).toMatchObject({
      action: "deny",
      justification: "as given",
      rule: ruleAt("t.rules", 1),
    });
  });

  test("an answer JSON cannot show is reported as unprintable, and denied", async () => {
    const heard: string[] = [];
    const decide = createApprovalDecider({
      policy: policy(),
      approvalPolicy: "untrusted",
      requestApproval: async () => 1n as never,
      onApprovalError: (message) => heard.push(message),
    });
    expect(await decide(exec("/usr/bin/git", ["git", "push"]))).toMatchObject({ action: "deny", reason: APPROVAL_FAILED_REASON });
    expect(heard).toEqual(["requestApproval answered an unprintable value, not one of approved, approved-for-session, denied, abort"]);
  });
});

describe("createApprovalDecider: rules see what really runs", () => {
  const rm = () => parseRules('prefix_rule(pattern = ["rm"], decision = "forbidden", justification = "removes files")\n', "rm.rules");
  const decide = (extra: Partial<ExecToDecide>, approvalPolicy: ApprovalPolicy = "on-request", allowAnonymousExecutables?: boolean) =>
    createApprovalDecider({ policy: rm(), approvalPolicy, allowAnonymousExecutables })({
      requestId: "r",
      file: "/repo/innocent",
      argv: ["innocent", "-rf", "/"],
      cwd: "/repo",
      ...extra,
    });

  test("a symlink named innocent is judged by the executable it resolves to", async () => {
    expect(await decide({})).toMatchObject({ action: "run" });
    expect(await decide({ executable: "/usr/bin/rm" })).toMatchObject({ action: "deny", reason: denied("removes files", "rm.rules", 1), source: "rule" });
  });

  test("a #! script or PT_INTERP naming a forbidden program is judged as [interpreter, file, ...args]", async () => {
    expect(await decide({ interpreter: "/usr/bin/rm" })).toMatchObject({ action: "deny", reason: denied("removes files", "rm.rules", 1) });
    expect(await decide({ interpreter: "/bin/sh" })).toMatchObject({ action: "run" });
  });

  test("the system loader run directly is judged as the program it loads, options skipped", async () => {
    for (const loader of ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1", "/lib/ld-linux-aarch64.so.1"]) {
      expect(await decide({ file: loader, argv: ["ld.so", "/usr/bin/rm", "-rf", "/"] })).toMatchObject({ action: "deny", reason: denied("removes files", "rm.rules", 1) });
      expect(await decide({ file: loader, argv: ["ld.so", "--library-path", "/x", "--inhibit-cache", "rm", "x"] })).toMatchObject({ action: "deny" });
      expect(await decide({ file: loader, argv: ["ld.so", "/bin/echo", "hi"] })).toMatchObject({ action: "run" });
    }
    expect(await decide({ file: "/usr/bin/loader", executable: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", argv: ["loader", "./rm"] })).toMatchObject({
      action: "deny",
    });
    // A name that only looks like a loader's is judged as itself.
    expect(await decide({ file: "/opt/ld-linuxish", argv: ["x", "/usr/bin/rm"] })).toMatchObject({ action: "run" });
  });

  test("an anonymous executable is denied unless the host allows it, and then judged like any other", async () => {
    expect(await decide({ file: "/proc/self/fd/3", argv: ["x"], anonymous: true })).toEqual({
      action: "deny",
      reason: ANONYMOUS_EXECUTABLE_REASON,
      source: "rule",
      approvalId: null,
      abort: false,
      justification: null,
      rule: null,
      cacheable: false,
    });
    expect(await decide({ file: "/proc/self/fd/3", argv: ["x"], anonymous: true }, "on-request", true)).toMatchObject({ action: "run" });
    expect(await decide({ file: "/proc/self/fd/3", argv: ["x"], executable: "/usr/bin/rm", anonymous: true }, "on-request", true)).toMatchObject({
      action: "deny",
    });
  });

  test("a resolved name no list knows does not turn a known-safe command into a question", async () => {
    const none = parseRules("", "none.rules");
    const untrusted = createApprovalDecider({ policy: none, approvalPolicy: "untrusted" });
    expect(await untrusted({ requestId: "r", file: "/bin/ls", argv: ["ls"], cwd: "/", executable: "/usr/bin/ls-9.1" })).toMatchObject({ action: "run" });
    // ...but a destructive one is still asked about (here: no one to ask, so denied).
    expect(await untrusted({ requestId: "r", file: "/bin/ls", argv: ["ls", "-rf", "x"], cwd: "/", executable: "/usr/bin/rm" })).toMatchObject({
      action: "deny",
      reason: NO_APPROVER_REASON,
    });
  });
});
