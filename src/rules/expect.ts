/**
 * Assertions on a policy for hosts' own unit tests (jest or any runner that
 * reports thrown errors):
 *
 *     expectPolicy(policy).toDecide(["git", "push"], "prompt");
 *     expectPolicy(policy).toDecide(["ls"], "none");   // no rule matches
 */
import type { Decision } from "./decision.js";
import { evaluateCommand, type CommandEvaluateOptions } from "./canonical.js";
import type { ExecPolicy } from "./policy.js";

export interface PolicyExpectation {
  /** Throws a readable Error unless the policy decides `decision` for `command` ("none": no rule matches). */
  toDecide(command: string[], decision: Decision | "none"): void;
}

/**
 * Assertions on `policy`. Commands are evaluated as the approval decider
 * evaluates them: as written and in their canonical forms, with the basename
 * fallback on unless `options` say otherwise.
 */
export function expectPolicy(policy: ExecPolicy, options: CommandEvaluateOptions = { resolveHostExecutables: true }): PolicyExpectation {
  return {
    toDecide(command, decision) {
      const evaluation = evaluateCommand(policy, command, options);
      const actual = evaluation.decision ?? "none";
      if (actual === decision) return;
      const matched =
        evaluation.matchedRules.length === 0
          ? "no rule matched"
          : `matched: ${evaluation.matchedRules
              .map(({ prefixRuleMatch: m }) => `${JSON.stringify(m.matchedPrefix)} -> ${m.decision}`)
              .join(", ")}`;
      throw new Error(
        `expected the policy to decide ${JSON.stringify(decision)} for ${JSON.stringify(command)}, ` +
          `but it decided ${JSON.stringify(actual)} (${matched})`,
      );
    },
  };
}
