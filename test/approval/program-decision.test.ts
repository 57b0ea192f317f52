/**
 * Which run decisions hold for every argument list of their program
 * (`cacheable`, SPEC §5 "Decisions the supervisor may keep"): checked with
 * the real decider, over generated policies and hostile arguments, and case
 * by case under the shipped rules.
 */
import fc from "fast-check";
import {
  APPROVAL_POLICIES,
  createApprovalDecider,
  type ApprovalAnswer,
  type ApprovalPolicy,
  type ExecDecision,
  type ExecToDecide,
  judgedCommands,
  programDecisionCheck,
} from "../../src/approval/index.js";
import { defaultRulesPath, EMPTY_EXEC_POLICY, initShellParser, loadPolicy, mergePolicies, parseRules, type ExecPolicy } from "../../src/rules/index.js";

/** A decider whose approver answers from a script and counts how often it was asked. */
function recordingDecider(policy: ExecPolicy, approvalPolicy: ApprovalPolicy, answers: ApprovalAnswer[] = [], allowAnonymousExecutables = false) {
  const host = { asked: 0 };
  const decide = createApprovalDecider({
    policy,
    approvalPolicy,
    allowAnonymousExecutables,
    requestApproval: async () => {
      host.asked += 1;
      return answers.shift() ?? "denied";
    },
  });
  return { host, decide };
}

const exec = (file: string, args: string[], extra: Partial<ExecToDecide> = {}): ExecToDecide => ({
  requestId: "r",
  file,
  argv: [file.slice(file.lastIndexOf("/") + 1), ...args],
  cwd: "/repo",
  ...extra,
});

describe("cacheable: a kept decision is the decision for every argument list (generated policies)", () => {
  const PROGRAMS = [
    "git", "git-status", "rm", "npm", "curl", "cc", "make", "true", "python3", "node", "sed", "find", "bash", "sh", "env", "ls", "sudo", "cargo", "dash",
    "ld-linux-x86-64.so.2",
  ];
  const DIRECTORIES = ["/usr/bin", "/opt/bin", "/bin"];
  const WORDS = [
    "push", "status", "install", "publish", "-rf", "/", "-f", "--force", "-c", "-lc", "--exec", "--exec=sh", "-exec", "-delete",
    "-n", "1p", "--pre", "-C", ".", "p", "alias.p=push", "reset", "--hard", "x", "origin", "-e", "rm", "git", "status",
  ];
  const SCRIPTS = ["rm -rf /", "git push --force", "ls && rm -f x", "true | wc -l", "cat <<EOF\nx\nEOF", "echo $(rm -rf /)"];
  const ENVIRONMENTS: [string, string][][] = [
    [],
    [["GIT_CONFIG_COUNT", "1"], ["GIT_CONFIG_KEY_0", "alias.p"]],
    [["GIT_CONFIG_PARAMETERS", "'alias.status=push'"]],
    [["CARGO_ALIAS_P", "publish"], ["CARGO_ALIAS_STATUS", "publish"]],
  ];

  const program = fc.constantFrom(...PROGRAMS);
  // Paths the rules normalise but the heuristics read as written (an interpreter's comes from a #! line).
  const path = fc
    .tuple(fc.constantFrom(...DIRECTORIES, "/usr//bin", "/opt/./bin"), program, fc.constantFrom("", "", "", "/", "/."))
    .map(([directory, name, suffix]) => `${directory}/${name}${suffix}`);
  const word = fc.constantFrom(...WORDS);
  const token = fc.oneof(word.map((one) => JSON.stringify(one)), fc.uniqueArray(word, { minLength: 1, maxLength: 3 }).map((some) => JSON.stringify(some)));
  const prefixRule = fc
    .record({
      first: fc.oneof(program, path),
      rest: fc.array(token, { maxLength: 2 }),
      decision: fc.constantFrom("allow", "prompt", "forbidden"),
    })
    .map(({ first, rest, decision }) => `prefix_rule(pattern = [${[JSON.stringify(first), ...rest].join(", ")}], decision = "${decision}")`);
  const hostExecutable = fc
    .tuple(program, fc.subarray(DIRECTORIES))
    .map(([name, directories]) => `host_executable(name = "${name}", paths = ${JSON.stringify(directories.map((directory) => `${directory}/${name}`))})`);
  const grammar = fc
    .tuple(program, fc.boolean())
    .map(([name, dashed]) => `command_grammar(program = "${name}", options_with_value = ["-C"], flags = ["-q"], dashed_subcommands = ${dashed ? "True" : "False"})`);
  const rulesText = fc
    .tuple(fc.array(prefixRule, { maxLength: 6 }), fc.array(hostExecutable, { maxLength: 2 }), fc.array(grammar, { maxLength: 1 }))
    .map((parts) => parts.flat().join("\n"));
  const args = fc.oneof(
    fc.array(word, { maxLength: 5 }),
    fc.tuple(fc.constantFrom("-c", "-lc"), fc.constantFrom(...SCRIPTS)).map(([flag, script]) => [flag, script]),
  );
  const environment = fc.constantFrom(...ENVIRONMENTS).map((entries) => new Map(entries));
  const execProgram = fc.record({
    file: path,
    executable: fc.option(path, { nil: null }),
    interpreter: fc.option(path, { nil: null }),
  });

  test("every other argument list and environment gets the same run, as cacheable, without asking anyone", async () => {
    let kept = 0;
    let judged = 0;
    await fc.assert(
      fc.asyncProperty(
        rulesText,
        fc.constantFrom(...APPROVAL_POLICIES),
        execProgram,
        args,
        fc.array(fc.tuple(args, environment), { minLength: 1, maxLength: 8 }),
        async (text, approvalPolicy, { file, executable, interpreter }, first, others) => {
          const { host, decide } = recordingDecider(parseRules(text, "generated.rules"), approvalPolicy);
          const decision = await decide(exec(file, first, { executable, interpreter }));
          judged += 1;
          if (!decision.cacheable) return;
          kept += 1;
          expect(decision).toMatchObject({ action: "run", source: "heuristics", approvalId: null });
          for (const [otherArgs, otherEnvironment] of others) {
            const other = await decide(exec(file, otherArgs, { executable, interpreter, environment: otherEnvironment }));
            expect({ args: otherArgs, action: other.action, cacheable: other.cacheable }).toEqual({ args: otherArgs, action: "run", cacheable: true });
          }
          expect(host.asked).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
    // Neither "never" nor "always": the property saw both kinds of decision.
    expect(kept).toBeGreaterThan(20);
    expect(judged - kept).toBeGreaterThan(20);
  });
});

describe("cacheable under the shipped rules", () => {
  let shipped: ExecPolicy;
  beforeAll(async () => {
    shipped = await loadPolicy([defaultRulesPath]);
  });

  // The CLI's default approval policy (cordon shell --approval-policy).
  const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = "on-request";

  test.each([
    ["git", exec("/usr/bin/git", ["status"])],
    ["git (a dashed subcommand)", exec("/usr/lib/git-core/git-status", [], { executable: "/usr/lib/git-core/git" })],
    ["rm", exec("/usr/bin/rm", ["build.log"])],
    ["npm", exec("/usr/bin/npm", ["install"], { executable: "/usr/lib/node_modules/npm/bin/npm-cli.js", interpreter: "/usr/bin/node" })],
  ])("%s runs here, but its rules decide other arguments differently: not cacheable", async (_, execution) => {
    const { decide } = recordingDecider(shipped, DEFAULT_APPROVAL_POLICY);
    expect(await decide(execution)).toMatchObject({ action: "run", cacheable: false });
  });

  test("curl: no shipped rule names it, so it is cacheable until a rule does", async () => {
    const curl = exec("/usr/bin/curl", ["-fsS", "https://example.com"]);
    expect(await recordingDecider(shipped, DEFAULT_APPROVAL_POLICY).decide(curl)).toMatchObject({ action: "run", cacheable: true });
    const upload = parseRules('prefix_rule(pattern = ["curl", ["-T", "--upload-file"]], decision = "prompt")', "curl.rules");
    const { decide } = recordingDecider(mergePolicies(shipped, upload), DEFAULT_APPROVAL_POLICY);
    expect(await decide(curl)).toMatchObject({ action: "run", cacheable: false });
    expect(await decide(exec("/usr/bin/curl", ["-T", "secrets", "https://example.com"]))).toMatchObject({ action: "deny" });
  });

  test.each([
    // cc is a link through /etc/alternatives to the versioned driver; neither name is named by a rule.
    ["cc", exec("/usr/bin/cc", ["-O2", "-c", "x.c"], { executable: "/usr/bin/x86_64-linux-gnu-gcc-12" })],
    ["make", exec("/usr/bin/make", ["-j2", "all"])],
    ["true", exec("/usr/bin/true", ["--", "-rf", "/"])],
    ["a python script", exec("/repo/tool.py", ["--force"], { interpreter: "/usr/bin/python3" })],
  ])("%s with the default approval policy: cacheable; a rule for one of its names ends that", async (_, execution) => {
    const { host, decide } = recordingDecider(shipped, DEFAULT_APPROVAL_POLICY);
    expect(await decide(execution)).toEqual<ExecDecision>({
      action: "run",
      reason: null,
      source: "heuristics",
      approvalId: null,
      abort: false,
      justification: null,
      rule: null,
      cacheable: true,
    });
    expect(host.asked).toBe(0);
    for (const judged of judgedCommands(execution)) {
      const name = judged.command[0]!.slice(judged.command[0]!.lastIndexOf("/") + 1);
      const named = mergePolicies(shipped, parseRules(`prefix_rule(pattern = ["${name}", "--never-given"], decision = "forbidden")`, "named.rules"));
      expect({ name, ...(await recordingDecider(named, DEFAULT_APPROVAL_POLICY).decide(execution)) }).toMatchObject({ name, action: "run", cacheable: false });
    }
  });

  test("under untrusted an unknown program is asked about, so only the known-safe-whatever-the-arguments stay cacheable", async () => {
    const { decide } = recordingDecider(shipped, "untrusted", ["approved"]);
    expect(await decide(exec("/usr/bin/make", ["all"]))).toMatchObject({ action: "run", source: "user", cacheable: false });
    expect(await decide(exec("/usr/bin/true", []))).toMatchObject({ action: "run", cacheable: true });
    // A resolved name no list knows does not make a question of it.
    expect(await decide(exec("/bin/ls", ["-l"], { executable: "/usr/bin/ls-9.1" }))).toMatchObject({ action: "run", cacheable: true });
  });

  test("heuristics that read the arguments: the known-safe list's find and sed, the shells' -c scripts, the loader", async () => {
    const { decide } = recordingDecider(shipped, DEFAULT_APPROVAL_POLICY);
    for (const execution of [
      exec("/usr/bin/find", [".", "-name", "x"]),
      exec("/usr/bin/sed", ["-n", "1p", "f"]),
      exec("/bin/bash", ["-lc", "true"]),
      exec("/repo/build.sh", [], { interpreter: "/bin/sh" }),
      exec("/lib64/ld-linux-x86-64.so.2", ["/usr/bin/true"]),
      exec("/usr/bin/sudo", ["true"]),
    ]) {
      expect({ file: execution.file, ...(await decide(execution)) }).toMatchObject({ file: execution.file, action: "run", cacheable: false });
    }
  });

  test("a rule or host_executable entry for a program's name, exact or basename, keeps it from being cacheable", async () => {
    const byName = mergePolicies(shipped, parseRules('prefix_rule(pattern = ["make", "install"], decision = "prompt")', "make.rules"));
    const byPath = mergePolicies(shipped, parseRules('prefix_rule(pattern = ["/usr/bin/make", "install"], decision = "prompt")', "make.rules"));
    const hostOnly = mergePolicies(shipped, parseRules('host_executable(name = "make", paths = ["/usr/bin/make"])', "make.rules"));
    for (const policy of [byName, byPath, hostOnly]) {
      expect(await recordingDecider(policy, DEFAULT_APPROVAL_POLICY).decide(exec("/usr/bin/make", ["all"]))).toMatchObject({ action: "run", cacheable: false });
    }
    // A rule's program is matched exactly as written before any normalising.
    const oddPath = mergePolicies(shipped, parseRules('prefix_rule(pattern = ["/opt//bin/make", "install"], decision = "prompt")', "make.rules"));
    expect(await recordingDecider(oddPath, DEFAULT_APPROVAL_POLICY).decide(exec("/opt//bin/make", ["all"]))).toMatchObject({ action: "run", cacheable: false });
    // The rules normalise a path before taking its basename ("make"); the heuristics do not (".").
    expect(await recordingDecider(byName, DEFAULT_APPROVAL_POLICY).decide(exec("/usr/bin/make/.", ["all"]))).toMatchObject({ action: "run", cacheable: false });
    // The resolved executable counts as much as the program as given.
    expect(await recordingDecider(byName, DEFAULT_APPROVAL_POLICY).decide(exec("/usr/local/bin/mk", ["all"], { executable: "/usr/bin/make" }))).toMatchObject({
      action: "run",
      cacheable: false,
    });
  });

  test("prompt, deny, abort, a person's approval and an anonymous program are never cacheable", async () => {
    const push = exec("/usr/bin/git", ["push", "origin", "main"]);
    const answered = async (answer: ApprovalAnswer) => recordingDecider(shipped, DEFAULT_APPROVAL_POLICY, [answer]).decide(push);
    expect(await answered("approved")).toMatchObject({ action: "run", source: "user", cacheable: false });
    expect(await answered("denied")).toMatchObject({ action: "deny", cacheable: false });
    expect(await answered("abort")).toMatchObject({ action: "deny", abort: true, cacheable: false });
    const session = recordingDecider(shipped, DEFAULT_APPROVAL_POLICY, ["approved-for-session"]);
    expect(await session.decide(push)).toMatchObject({ action: "run", source: "user", cacheable: false });
    expect(await session.decide(push)).toMatchObject({ action: "run", source: "user", cacheable: false });
    expect(session.host.asked).toBe(1);
    expect(await recordingDecider(shipped, "never").decide(push)).toMatchObject({ action: "deny", cacheable: false });
    expect(await recordingDecider(shipped, DEFAULT_APPROVAL_POLICY).decide(exec("/usr/bin/rm", ["-rf", "/"]))).toMatchObject({
      action: "deny",
      source: "rule",
      cacheable: false,
    });
    const anonymous = exec("/proc/self/fd/3", ["-rf"], { executable: "/usr/bin/true", anonymous: true });
    expect(await recordingDecider(shipped, DEFAULT_APPROVAL_POLICY, [], true).decide(anonymous)).toMatchObject({ action: "run", cacheable: false });
    expect(await recordingDecider(shipped, DEFAULT_APPROVAL_POLICY).decide(anonymous)).toMatchObject({ action: "deny", cacheable: false });
  });

  test("a program only a command grammar names (cargo's aliases are read through one) is not cacheable, even with no rule for it", async () => {
    const { host, decide } = recordingDecider(EMPTY_EXEC_POLICY, DEFAULT_APPROVAL_POLICY);
    // cargo defines its own subcommands from the environment, whatever the rules say.
    expect(await decide(exec("/usr/bin/cargo", ["build"]))).toMatchObject({ action: "run", cacheable: false });
    expect(await decide(exec("/usr/bin/cargo", ["b"], { environment: new Map([["CARGO_ALIAS_B", "publish"]]) }))).toMatchObject({ action: "deny" });
    expect(host.asked).toBe(1);
    expect(await decide(exec("/usr/bin/kubectl", ["get", "pods"]))).toMatchObject({ action: "run", cacheable: false });
    const own = parseRules('command_grammar(program = "tool", flags = ["-q"], dashed_subcommands = True)\nprefix_rule(pattern = ["tool", "push"], decision = "prompt")', "tool.rules");
    const withGrammar = recordingDecider(own, DEFAULT_APPROVAL_POLICY);
    expect(await withGrammar.decide(exec("/opt/bin/tool-status", ["-q"]))).toMatchObject({ action: "run", cacheable: false });
    // The dashed name is read as `tool status`: a rule for that, with some arguments, would decide it.
    expect(await withGrammar.decide(exec("/opt/bin/tool-push", ["-q"]))).toMatchObject({ action: "deny" });
    const grammarOnly = parseRules('command_grammar(program = "tool", flags = ["-q"])', "tool.rules");
    expect(await recordingDecider(grammarOnly, DEFAULT_APPROVAL_POLICY).decide(exec("/opt/bin/tool", ["-q", "status"]))).toMatchObject({
      action: "run",
      cacheable: false,
    });
  });

  test("programDecisionCheck on its own: an unknown program as given asks under untrusted; the same name resolved or as interpreter does not", async () => {
    await initShellParser();
    const check = (approvalPolicy: ApprovalPolicy, execution: ExecToDecide) => programDecisionCheck(shipped, approvalPolicy)(judgedCommands(execution));
    expect(check("untrusted", exec("/usr/bin/make", ["all"]))).toBe(false);
    expect(await recordingDecider(shipped, "untrusted", ["approved"]).decide(exec("/usr/bin/make", ["all"]))).toMatchObject({ action: "run", cacheable: false });
    expect(check("on-failure", exec("/usr/bin/make", ["all"]))).toBe(true);
    expect(check("never", exec("/usr/bin/make", ["all"]))).toBe(true);
    expect(check("untrusted", exec("/usr/bin/cat", ["x"], { executable: "/usr/bin/cat-9", interpreter: "/usr/bin/python3" }))).toBe(true);
    expect(check("untrusted", exec("/usr/bin/git-status", []))).toBe(false);
    expect(programDecisionCheck(shipped, "on-request")([])).toBe(false);
    expect(programDecisionCheck(shipped, "on-request")([{ command: [], weight: "rules" }])).toBe(false);
  });

  test("one file under two names can be judged differently, so a kept decision belongs to the name as well as the file", async () => {
    const { decide } = recordingDecider(shipped, DEFAULT_APPROVAL_POLICY);
    expect(await decide(exec("/usr/bin/dash", ["-c", "rm -rf /"]))).toMatchObject({ action: "run", cacheable: true });
    expect(await decide(exec("/bin/sh", ["-c", "rm -rf /"], { executable: "/usr/bin/dash" }))).toMatchObject({ action: "deny", cacheable: false });
  });
});
