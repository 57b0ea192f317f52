/**
 * The compiled exec policy and its evaluation. Rules are indexed by their
 * first token (the program), so evaluating a command looks only at the rules
 * for its program: a 1,000-rule policy costs about what a 10-rule one does.
 */
import { posix } from "node:path";
import { stricterDecision, type Decision } from "./decision.js";
import type { CommandGrammar } from "./grammar.js";

/** One pattern position: the tokens accepted there (one, or several alternatives). */
export type PatternToken = readonly string[];

/** A prefix rule with a single program; a pattern whose first token has alternatives becomes one rule per alternative. */
export interface PrefixRule {
  readonly program: string;
  readonly rest: readonly PatternToken[];
  readonly decision: Decision;
  readonly justification?: string;
  /**
   * Where the rule was written: `file:line` of its `prefix_rule(` call, or
   * `file: prefixRules[i]` in the JSON form. Not enumerable (see RuleMatch).
   */
  readonly source?: string;
}

/** The protocols a network rule names (Codex's spellings `https_connect` and `http-connect` mean `https`). */
export type NetworkProtocol = "http" | "https" | "socks5_tcp" | "socks5_udp";

/**
 * A network rule: what to do with connections to a host. cordon parses and
 * reports these as Codex does, but does not enforce them; enforcing needs a
 * network proxy in front of the sandbox.
 */
export interface NetworkRule {
  /** Lower-case host name or IP literal, without port, brackets or trailing dot. */
  readonly host: string;
  readonly protocol: NetworkProtocol;
  /** `deny` in a rules file reads as `forbidden`. */
  readonly decision: Decision;
  readonly justification?: string;
}

/** An immutable exec policy: rules by program, and the absolute paths allowed to use a bare program's rules. */
export interface ExecPolicy {
  readonly rulesByProgram: ReadonlyMap<string, readonly PrefixRule[]>;
  /** For a bare name, the only absolute paths that may fall back to its rules (empty: none may). */
  readonly hostExecutables: ReadonlyMap<string, readonly string[]>;
  /** The network rules, in the order they were defined (never consulted when evaluating a command). */
  readonly networkRules: readonly NetworkRule[];
  /** The command grammars the rules files declared, by program; they replace the shipped ones for that program. */
  readonly grammars: ReadonlyMap<string, CommandGrammar>;
  /** How many prefix_rule definitions went in (before splitting first-token alternatives). */
  readonly ruleCount: number;
  /** How many match / not_match examples were checked when the policy was built. */
  readonly exampleCount: number;
}

/**
 * One matching rule, in the JSON shape of Codex's `execpolicy check`.
 * `source` says where the rule was written (`file:line`); it is not
 * enumerable, so JSON (and the evaluation Codex's tools read) never shows it.
 */
export interface RuleMatch {
  prefixRuleMatch: {
    matchedPrefix: string[];
    decision: Decision;
    /** The absolute program, when the rule was written for its basename. */
    resolvedProgram?: string;
    justification?: string;
  };
  readonly source?: string;
}

/** All matching rules and, when there is one, the strictest decision among them. */
export interface Evaluation {
  matchedRules: RuleMatch[];
  decision?: Decision;
}

export interface EvaluateOptions {
  /**
   * Let an absolute program (`/usr/bin/git`) use the rules written for its
   * basename (`git`) when no rule names it exactly; `host_executable`
   * restricts which paths may. Default false, as in `cordon policy check`.
   */
  resolveHostExecutables?: boolean;
}

export const EMPTY_EXEC_POLICY: ExecPolicy = Object.freeze({
  rulesByProgram: new Map(),
  hostExecutables: new Map(),
  networkRules: Object.freeze([]),
  grammars: new Map(),
  ruleCount: 0,
  exampleCount: 0,
});

/**
 * `target` with `source` as a property that JSON, spreads and deep equality
 * leave out: where a rule was written says nothing about what it decides.
 */
function withSource<T extends object>(target: T, source: string | undefined): T {
  if (source === undefined) {
    delete (target as { source?: string }).source;
    return target;
  }
  return Object.defineProperty(target, "source", { value: source, enumerable: false, configurable: false });
}

/**
 * Builds a policy from rules (in order), host executables, network rules and
 * command grammars; the result shares nothing mutable with the input.
 */
export function createPolicy(
  rules: readonly PrefixRule[],
  hostExecutables: ReadonlyMap<string, readonly string[]>,
  counts: { ruleCount: number; exampleCount: number },
  networkRules: readonly NetworkRule[] = [],
  grammars: ReadonlyMap<string, CommandGrammar> = new Map(),
): ExecPolicy {
  const rulesByProgram = new Map<string, PrefixRule[]>();
  for (const rule of rules) {
    const copy = { ...rule, rest: Object.freeze(rule.rest.map((token) => Object.freeze([...token]))) };
    const frozen = Object.freeze(withSource(copy, rule.source));
    const list = rulesByProgram.get(rule.program);
    if (list) list.push(frozen);
    else rulesByProgram.set(rule.program, [frozen]);
  }
  for (const list of rulesByProgram.values()) Object.freeze(list);
  const hosts = new Map([...hostExecutables].map(([name, paths]) => [name, Object.freeze([...paths])] as const));
  const network = Object.freeze(networkRules.map((rule) => Object.freeze({ ...rule })));
  const ownGrammars = new Map([...grammars].map(([name, grammar]) => [name, freezeGrammar(grammar)] as const));
  return Object.freeze({ rulesByProgram, hostExecutables: hosts, networkRules: network, grammars: ownGrammars, ...counts });
}

function freezeGrammar(grammar: CommandGrammar): CommandGrammar {
  return Object.freeze({
    ...grammar,
    optionsWithValue: Object.freeze([...grammar.optionsWithValue]),
    flags: Object.freeze([...grammar.flags]),
    flagPrefixes: Object.freeze([...grammar.flagPrefixes]),
  });
}

/** All rules of a policy, in the order they were defined. */
export function policyRules(policy: ExecPolicy): PrefixRule[] {
  return [...policy.rulesByProgram.values()].flat();
}

/**
 * `overlay` layered on `base`: its rules (prefix and network) come after the
 * base's, and its host_executable and command_grammar definitions replace
 * the base's for the same name.
 */
export function mergePolicies(base: ExecPolicy, overlay: ExecPolicy): ExecPolicy {
  return createPolicy(
    [...policyRules(base), ...policyRules(overlay)],
    new Map([...base.hostExecutables, ...overlay.hostExecutables]),
    { ruleCount: base.ruleCount + overlay.ruleCount, exampleCount: base.exampleCount + overlay.exampleCount },
    [...base.networkRules, ...overlay.networkRules],
    new Map([...base.grammars, ...overlay.grammars]),
  );
}

/**
 * The hosts the network rules allow and deny, as Codex compiles them for its
 * network proxy: rules apply in order, a later rule for a host moves it to
 * the end of its list and out of the other list, and prompt rules are left
 * out. cordon does not enforce these lists.
 */
export function compiledNetworkDomains(policy: ExecPolicy): { allowed: string[]; denied: string[] } {
  let allowed: string[] = [];
  let denied: string[] = [];
  for (const rule of policy.networkRules) {
    if (rule.decision === "allow") {
      denied = denied.filter((host) => host !== rule.host);
      allowed = [...allowed.filter((host) => host !== rule.host), rule.host];
    } else if (rule.decision === "forbidden") {
      allowed = allowed.filter((host) => host !== rule.host);
      denied = [...denied.filter((host) => host !== rule.host), rule.host];
    }
  }
  return { allowed, denied };
}

function tokenMatches(token: PatternToken, value: string): boolean {
  return token.length === 1 ? token[0] === value : token.includes(value);
}

function matchRules(
  rules: readonly PrefixRule[],
  command: readonly string[],
  program: string,
  resolvedProgram: string | undefined,
): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    const length = rule.rest.length + 1;
    if (command.length < length) continue;
    let matched = true;
    for (let i = 1; i < length; i++) {
      if (!tokenMatches(rule.rest[i - 1]!, command[i]!)) {
        matched = false;
        break;
      }
    }
    if (!matched) continue;
    const matchedPrefix = command.slice(0, length);
    matchedPrefix[0] = program;
    const match: RuleMatch["prefixRuleMatch"] = { matchedPrefix, decision: rule.decision };
    if (resolvedProgram !== undefined) match.resolvedProgram = resolvedProgram;
    if (rule.justification !== undefined) match.justification = rule.justification;
    matches.push(withSource({ prefixRuleMatch: match }, rule.source));
  }
  return matches;
}

/** The basename rules an absolute program may use, and its normalised path; null when it may not fall back. */
function basenameFallback(policy: ExecPolicy, program: string): { name: string; path: string } | null {
  if (!program.startsWith("/")) return null;
  const path = posix.normalize(program);
  const name = posix.basename(path);
  if (name === "" || !policy.rulesByProgram.has(name)) return null;
  const allowed = policy.hostExecutables.get(name);
  if (allowed !== undefined && !allowed.includes(path)) return null;
  return { name, path };
}

/** The rule matches of one command (exact program first, then the basename fallback). */
export function matchCommand(policy: ExecPolicy, command: readonly string[], options?: EvaluateOptions): RuleMatch[] {
  const program = command[0];
  if (program === undefined) return [];
  const exact = policy.rulesByProgram.get(program);
  if (exact !== undefined) {
    const matches = matchRules(exact, command, program, undefined);
    if (matches.length > 0) return matches;
  }
  if (!options?.resolveHostExecutables) return [];
  const fallback = basenameFallback(policy, program);
  if (fallback === null) return [];
  return matchRules(policy.rulesByProgram.get(fallback.name)!, command, fallback.name, fallback.path);
}

/** The evaluation of a list of matches: all of them, and the strictest decision when there are any. */
export function evaluationOf(matchedRules: RuleMatch[]): Evaluation {
  if (matchedRules.length === 0) return { matchedRules };
  let decision = matchedRules[0]!.prefixRuleMatch.decision;
  for (let i = 1; i < matchedRules.length; i++) decision = stricterDecision(decision, matchedRules[i]!.prefixRuleMatch.decision);
  return { matchedRules, decision };
}

/**
 * Evaluates a command (argv, program first) against the policy. Every
 * matching rule is reported; the strictest decision wins. No match gives
 * `{ matchedRules: [] }` and no decision: the caller's heuristics decide.
 */
export function evaluate(policy: ExecPolicy, command: readonly string[], options?: EvaluateOptions): Evaluation {
  return evaluationOf(matchCommand(policy, command, options));
}
