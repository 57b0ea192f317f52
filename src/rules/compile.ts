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

/** Every example of `rule` that fails (checked with canonical forms too), as one message each. */
function failingExamples(
  rule: CheckedPrefixRule,
  hostExecutables: ReadonlyMap<string, readonly string[]>,
  grammars: ReadonlyMap<string, CommandGrammar>,
): string[] {
  const policy = createPolicy(rule.rules, hostExecutables, { ruleCount: 1, exampleCount: 0 }, [], grammars);
  const matches = (tokens: string[]): boolean => matchCanonical(policy, tokens, { resolveHostExecutables: true }).length > 0;
  const failures: string[] = [];
  for (const example of rule.notMatch) {
    if (matches(example.tokens)) {
      failures.push(`${rule.locate("notMatch")}: not_match example ${formatValue(example.written)} matches ${describeRule(rule)}`);
    }
  }
  for (const example of rule.match) {
    if (!matches(example.tokens)) {
      failures.push(`${rule.locate("match")}: match example ${formatValue(example.written)} does not match ${describeRule(rule)}`);
    }
  }
  return failures;
}

/** Checked definitions of one rules file, in the order they were written. */
export interface CheckedDefinitions {
  rules: CheckedPrefixRule[];
  hosts: CheckedHostExecutable[];
  networkRules: CheckedNetworkRule[];
  grammars: CommandGrammar[];
}

/** The base policy with the definitions added after it; throws naming every failing example of every rule. */
export function compileDefinitions({ rules, hosts, networkRules, grammars }: CheckedDefinitions, base: ExecPolicy): ExecPolicy {
  const ownHosts = new Map(hosts.map((host) => [host.name, host.paths] as const));
  const visibleHosts = new Map([...base.hostExecutables, ...ownHosts]);
  const ownGrammars = new Map(grammars.map((grammar) => [grammar.program, grammar] as const));
  const visibleGrammars = new Map([...base.grammars, ...ownGrammars]);
  const failures = rules.flatMap((rule) => failingExamples(rule, visibleHosts, visibleGrammars));
  if (failures.length > 0) throw new RulesError(failures.join("\n"), { problems: failures });
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
