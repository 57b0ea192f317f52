/**
 * Turns checked definitions into a policy layered on a base policy, after
 * running every rule's examples: a `match` example must match the rule, as
 * written or in a canonical form (`git -C . push` matches `git push`), a
 * `not_match` example must match it in neither. Examples see the host
 * executables and command grammars of the base and of the new definitions,
 * and may use the basename fallback.
 */
import { RulesError } from "../errors.js";
import { matchCanonical } from "./canonical.js";
import type { CheckedHostExecutable, CheckedNetworkRule, CheckedPrefixRule } from "./check.js";
import type { CommandGrammar } from "./grammar.js";
import { createPolicy, mergePolicies, type ExecPolicy } from "./policy.js";
import { formatPrefixRule, formatValue } from "./print.js";

/** A rule as it reads in messages: its pattern and decision. */
function describeRule(rule: CheckedPrefixRule): string {
  const pattern = rule.pattern.map((token) => (token.length === 1 ? token[0]! : [...token]));
  return formatPrefixRule({ pattern, decision: rule.decision });
}

function checkRuleExamples(
  rule: CheckedPrefixRule,
  hostExecutables: ReadonlyMap<string, readonly string[]>,
  grammars: ReadonlyMap<string, CommandGrammar>,
): void {
  const policy = createPolicy(rule.rules, hostExecutables, { ruleCount: 1, exampleCount: 0 }, [], grammars);
  const matches = (tokens: string[]): boolean => matchCanonical(policy, tokens, { resolveHostExecutables: true }).length > 0;
  for (const example of rule.notMatch) {
    if (matches(example.tokens)) {
      throw new RulesError(
        `${rule.locate("notMatch")}: not_match example ${formatValue(example.written)} matches ${describeRule(rule)}`,
      );
    }
  }
  for (const example of rule.match) {
    if (!matches(example.tokens)) {
      throw new RulesError(
        `${rule.locate("match")}: match example ${formatValue(example.written)} does not match ${describeRule(rule)}`,
      );
    }
  }
}

/** Checked definitions of one rules file, in the order they were written. */
export interface CheckedDefinitions {
  rules: CheckedPrefixRule[];
  hosts: CheckedHostExecutable[];
  networkRules: CheckedNetworkRule[];
  grammars: CommandGrammar[];
}

/** The base policy with the definitions added after it; throws the first failing example. */
export function compileDefinitions({ rules, hosts, networkRules, grammars }: CheckedDefinitions, base: ExecPolicy): ExecPolicy {
  const ownHosts = new Map(hosts.map((host) => [host.name, host.paths] as const));
  const visibleHosts = new Map([...base.hostExecutables, ...ownHosts]);
  const ownGrammars = new Map(grammars.map((grammar) => [grammar.program, grammar] as const));
  const visibleGrammars = new Map([...base.grammars, ...ownGrammars]);
  for (const rule of rules) checkRuleExamples(rule, visibleHosts, visibleGrammars);
  const overlay = createPolicy(
    rules.flatMap((rule) => rule.rules),
    ownHosts,
    {
      ruleCount: rules.length,
      exampleCount: rules.reduce((sum, rule) => sum + rule.match.length + rule.notMatch.length, 0),
    },
    networkRules,
    ownGrammars,
  );
  return mergePolicies(base, overlay);
}
