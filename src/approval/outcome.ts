/**
 * The pure half of the approval flow (SPEC §7): from a command's rule
 * evaluation and the approval policy to run, deny, or ask a person.
 * Commands no rule names are judged by the heuristics.
 */
import {
  isDangerousCommand,
  isKnownSafeCommand,
  type Evaluation,
} from "../rules/index.js";

/** When to ask a person: `untrusted` asks for anything not known to be safe; `never` never asks (and denies what would need asking). */
export type ApprovalPolicy = "untrusted" | "on-failure" | "on-request" | "never";

export const APPROVAL_POLICIES: readonly ApprovalPolicy[] = ["untrusted", "on-failure", "on-request", "never"];

/** What decided: a matching rule, or the heuristics for unmatched commands. */
export type OutcomeSource = "rule" | "heuristics";

export type ExecOutcome =
  | { action: "run"; source: OutcomeSource }
  | { action: "deny"; source: OutcomeSource; reason: string }
  | { action: "ask"; source: OutcomeSource; reason: string | null };

export const FORBIDDEN_REASON = "Execution forbidden by policy";
export const NEEDS_APPROVAL_UNDER_NEVER_REASON = 'Execution needs approval, but the approval policy is "never"';
export const DANGEROUS_REASON = "Command looks destructive";
export const NOT_KNOWN_SAFE_REASON = "Command is not known to be safe";

/**
 * Decides what happens to `command` given its evaluation. A forbidding rule
 * denies; an allowing rule runs; a prompting rule asks (denies under
 * `never`). With no matching rule: known-safe commands run, destructive-
 * looking ones ask (deny under `never`), and the rest ask only under
 * `untrusted` (otherwise the sandbox confines them). The heuristics split
 * `bash -lc` scripts, so the bash parser must be loaded first (`loadPolicy`
 * and `initShellParser` load it; the approval decider does so itself).
 */
export function outcomeOf(evaluation: Evaluation, command: readonly string[], approvalPolicy: ApprovalPolicy): ExecOutcome {
  switch (evaluation.decision) {
    case "forbidden":
      return { action: "deny", source: "rule", reason: FORBIDDEN_REASON };
    case "allow":
      return { action: "run", source: "rule" };
    case "prompt": {
      if (approvalPolicy === "never") return { action: "deny", source: "rule", reason: NEEDS_APPROVAL_UNDER_NEVER_REASON };
      const prompting = evaluation.matchedRules.find((match) => match.prefixRuleMatch.decision === "prompt");
      return { action: "ask", source: "rule", reason: prompting?.prefixRuleMatch.justification ?? null };
    }
    case undefined:
      break;
  }
  if (isKnownSafeCommand(command)) return { action: "run", source: "heuristics" };
  if (isDangerousCommand(command)) {
    return approvalPolicy === "never"
      ? { action: "deny", source: "heuristics", reason: NEEDS_APPROVAL_UNDER_NEVER_REASON }
      : { action: "ask", source: "heuristics", reason: DANGEROUS_REASON };
  }
  return approvalPolicy === "untrusted"
    ? { action: "ask", source: "heuristics", reason: NOT_KNOWN_SAFE_REASON }
    : { action: "run", source: "heuristics" };
}
