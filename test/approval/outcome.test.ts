import {
  APPROVAL_POLICIES,
  DANGEROUS_REASON,
  FORBIDDEN_REASON,
  NEEDS_APPROVAL_UNDER_NEVER_REASON,
  NOT_KNOWN_SAFE_REASON,
  outcomeOf,
  type ApprovalPolicy,
} from "../../src/approval/index.js";
import { evaluate, initShellParser, parseRules } from "../../src/rules/index.js";

beforeAll(() => initShellParser());

/** Parsed in each test, so every test that uses the rules also runs the parser (what mutation testing measures). */
const policy = () => parseRules(
  [
    'prefix_rule(pattern = ["git", "push"], decision = "prompt", justification = "talks to remotes")',
    'prefix_rule(pattern = ["npm", "publish"], decision = "prompt")',
    'prefix_rule(pattern = ["mkfs"], decision = "forbidden")',
    'prefix_rule(pattern = ["make"], decision = "allow")',
  ].join("\n"),
  "outcome.rules",
);

function outcome(command: string[], approvalPolicy: ApprovalPolicy) {
  return outcomeOf(evaluate(policy(), command, { resolveHostExecutables: true }), command, approvalPolicy);
}

describe("outcomeOf", () => {
  test.each(APPROVAL_POLICIES)("under %s a forbidding rule denies and an allowing rule runs", (approvalPolicy) => {
    expect(outcome(["/sbin/mkfs", "/dev/sda"], approvalPolicy)).toEqual({ action: "deny", source: "rule", reason: FORBIDDEN_REASON });
    expect(outcome(["/usr/bin/make", "install"], approvalPolicy)).toEqual({ action: "run", source: "rule" });
  });

  test("a prompting rule asks with its justification, except under never, which denies", () => {
    expect(outcome(["/usr/bin/git", "push"], "on-request")).toEqual({ action: "ask", source: "rule", reason: "talks to remotes" });
    expect(outcome(["/usr/bin/npm", "publish"], "untrusted")).toEqual({ action: "ask", source: "rule", reason: null });
    expect(outcome(["/usr/bin/git", "push"], "never")).toEqual({
      action: "deny",
      source: "rule",
      reason: NEEDS_APPROVAL_UNDER_NEVER_REASON,
    });
  });

  test("a rule beats the heuristics: an allowed rm -rf runs", () => {
    const lenient = parseRules('prefix_rule(pattern = ["rm"], decision = "allow")', "lenient.rules");
    const command = ["/bin/rm", "-rf", "build"];
    expect(outcomeOf(evaluate(lenient, command, { resolveHostExecutables: true }), command, "untrusted")).toEqual({
      action: "run",
      source: "rule",
    });
  });

  // Unmatched commands, by approval policy: [known-safe, dangerous, other].
  const unmatched: [ApprovalPolicy, string, string, string][] = [
    ["untrusted", "run", "ask", "ask"],
    ["on-request", "run", "ask", "run"],
    ["on-failure", "run", "ask", "run"],
    ["never", "run", "deny", "run"],
  ];

  test.each(unmatched)("under %s unmatched commands: safe %s, dangerous %s, others %s", (approvalPolicy, safe, dangerous, other) => {
    expect(outcome(["/bin/ls", "-la"], approvalPolicy)).toMatchObject({ action: safe, source: "heuristics" });
    expect(outcome(["/bin/bash", "-lc", "git status && pwd"], approvalPolicy)).toMatchObject({ action: safe, source: "heuristics" });
    const destructive = outcome(["/bin/rm", "-rf", "build"], approvalPolicy);
    expect(destructive).toMatchObject({ action: dangerous, source: "heuristics" });
    expect("reason" in destructive && destructive.reason).toBe(dangerous === "deny" ? NEEDS_APPROVAL_UNDER_NEVER_REASON : DANGEROUS_REASON);
    expect(outcome(["/usr/bin/sudo", "git", "reset", "--hard"], approvalPolicy)).toMatchObject({ action: dangerous });
    const plain = outcome(["/usr/bin/python3", "script.py"], approvalPolicy);
    expect(plain).toMatchObject({ action: other, source: "heuristics" });
    if (other === "ask") expect(plain).toMatchObject({ reason: NOT_KNOWN_SAFE_REASON });
  });
});
