/**
 * Turns checked definitions into a policy layered on a base policy, after
 * running every rule's examples: a `match` example must match the rule, a
 * `not_match` example must not. Examples see the host executables of the
 * base and of the new definitions, and may use the basename fallback.
 */
import { RulesError } from "../errors.js";
import type { CheckedHostExecutable, CheckedNetworkRule, CheckedPrefixRule } from "./check.js";
import { createPolicy, matchCommand, mergePolicies, type ExecPolicy } from "./policy.js";
import { formatPrefixRule, formatValue } from "./print.js";

/** A rule as it reads in messages: its pattern and decision. */
function describeRule(rule: CheckedPrefixRule): string {
  const pattern = rule.pattern.map((token) => (token.length === 1 ? token[0]! : [...token]));
  return formatPrefixRule({ pattern, decision: rule.decision });
}

/** Every example of `rule` that fails, as one message each. */
function failingExamples(rule: CheckedPrefixRule, hostExecutables: ReadonlyMap<string, readonly string[]>): string[] {
  const policy = createPolicy(rule.rules, hostExecutables, { ruleCount: 1, exampleCount: 0 });
  const matches = (tokens: string[]): boolean => matchCommand(policy, tokens, { resolveHostExecutables: true }).length > 0;
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
}

/** The base policy with the definitions added after it; throws naming every failing example of every rule. */
export function compileDefinitions({ rules, hosts, networkRules }: CheckedDefinitions, base: ExecPolicy): ExecPolicy {
  const ownHosts = new Map(hosts.map((host) => [host.name, host.paths] as const));
  const visibleHosts = new Map([...base.hostExecutables, ...ownHosts]);
  const failures = rules.flatMap((rule) => failingExamples(rule, visibleHosts));
  if (failures.length > 0) throw new RulesError(failures.join("\n"), { problems: failures });
  const overlay = createPolicy(
    rules.flatMap((rule) => rule.rules),
    ownHosts,
    {
      ruleCount: rules.length,
      exampleCount: rules.reduce((sum, rule) => sum + rule.match.length + rule.notMatch.length, 0),
    },
    networkRules,
  );
  return mergePolicies(base, overlay);
}
