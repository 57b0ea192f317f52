/**
 * Evaluation of a command as written and in its canonical forms (see
 * grammar.ts): every rule that matches any of them counts, the strictest
 * decision wins, and a git or cargo subcommand the command defines as an
 * alias needs approval whatever the rules say.
 */
import { CARGO_ALIAS_ENVIRONMENT, definesCargoAlias } from "./cargo-aliases.js";
import { definesGitAlias, GIT_CONFIG_ENVIRONMENT } from "./git-aliases.js";
import { canonicalReadings, dashedReading, grammarName, type CanonicalReading, type CommandGrammar } from "./grammar.js";
import { evaluationOf, matchCommand, type EvaluateOptions, type Evaluation, type ExecPolicy, type RuleMatch } from "./policy.js";
import { shippedGrammars } from "./shipped-grammars.js";

export interface CommandEvaluateOptions extends EvaluateOptions {
  /**
   * The variables of the exec's environment that were read (RULES_ENVIRONMENT):
   * aliases defined there are asked about. Absent: none defined.
   */
  environment?: ReadonlyMap<string, string>;
}

/** The combined evaluation, and the canonical forms that were judged beside the argv as written. */
export interface CommandEvaluation extends Evaluation {
  /** Each form that differs from the argv as written (none when the program has no grammar or no global options). */
  canonicalForms: string[][];
}

/**
 * The variables of an exec's environment that the evaluation reads (`NAME*`
 * is a prefix): the exec supervisor and the wrapper send the host these of
 * each exec, and no others.
 */
export const RULES_ENVIRONMENT: readonly string[] = Object.freeze([...GIT_CONFIG_ENVIRONMENT, ...CARGO_ALIAS_ENVIRONMENT]);

export const GIT_ALIAS_JUSTIFICATION =
  "the command defines this git subcommand as an alias (with -c alias.* or GIT_CONFIG_* variables), so its name says nothing about what runs";

export const CARGO_ALIAS_JUSTIFICATION =
  "the command defines this cargo subcommand as an alias (with --config alias.* or CARGO_ALIAS_* variables), so its name says nothing about what runs";

/** The programs whose commands can define their own subcommands, how to tell, and why that needs approval. */
const ALIAS_ROUTES: ReadonlyMap<string, { defines: typeof definesGitAlias; justification: string }> = new Map([
  ["git", { defines: definesGitAlias, justification: GIT_ALIAS_JUSTIFICATION }],
  ["cargo", { defines: definesCargoAlias, justification: CARGO_ALIAS_JUSTIFICATION }],
]);

/** The grammar for a program: the policy's own for its basename, else the shipped one; undefined when there is none. */
export function grammarFor(policy: ExecPolicy, program: string): CommandGrammar | undefined {
  const name = grammarName(program);
  return policy.grammars.get(name) ?? shippedGrammars().get(name);
}

/** The readings of a command under its program's grammar, or as a dashed subcommand (none without either). */
export function commandReadings(policy: ExecPolicy, command: readonly string[]): CanonicalReading[] {
  const program = command[0];
  if (program === undefined) return [];
  const grammar = grammarFor(policy, program);
  if (grammar !== undefined) return canonicalReadings(grammar, command);
  const dashed = dashedReading(command, (name) => grammarFor(policy, name));
  return dashed === null ? [] : [dashed];
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}

/** The forms of `readings` that differ from the command, each once. */
function differingForms(readings: readonly CanonicalReading[], command: readonly string[]): string[][] {
  const forms: string[][] = [];
  for (const { form } of readings) {
    if (!sameWords(form, command) && !forms.some((known) => sameWords(known, form))) forms.push([...form]);
  }
  return forms;
}

/** The canonical forms of a command that differ from it, each once. */
export function canonicalForms(policy: ExecPolicy, command: readonly string[]): string[][] {
  return differingForms(commandReadings(policy, command), command);
}

/** Which rule a match is, and what it matched, as one string (tokens hold no NUL). */
function matchKey(match: RuleMatch): string {
  const { matchedPrefix, decision, justification, resolvedProgram } = match.prefixRuleMatch;
  return `${match.source}\0${decision}\0${justification}\0${resolvedProgram}\0${matchedPrefix.join("\0")}`;
}

/** The rules that match the command as written or in any of `forms`; a rule matched by several forms counts once. */
function matchForms(policy: ExecPolicy, command: readonly string[], forms: readonly string[][], options?: EvaluateOptions): RuleMatch[] {
  const matches = matchCommand(policy, command, options);
  if (forms.length === 0) return matches;
  const seen = new Set(matches.map(matchKey));
  for (const form of forms) {
    for (const match of matchCommand(policy, form, options)) {
      const key = matchKey(match);
      if (!seen.has(key)) {
        seen.add(key);
        matches.push(match);
      }
    }
  }
  return matches;
}

/** The rules that match `command` as written or in any canonical form; a rule matched by several forms counts once. */
export function matchCanonical(policy: ExecPolicy, command: readonly string[], options?: EvaluateOptions): RuleMatch[] {
  return matchForms(policy, command, canonicalForms(policy, command), options);
}

/** A prompt for each git or cargo subcommand the command defines as an alias itself. */
function aliasMatches(readings: readonly CanonicalReading[], command: readonly string[], environment?: ReadonlyMap<string, string>): RuleMatch[] {
  const route = command[0] === undefined ? undefined : ALIAS_ROUTES.get(grammarName(command[0]));
  if (route === undefined) return [];
  return readings
    .filter(({ subcommandIndex }) => subcommandIndex > 0 && route.defines(command, subcommandIndex, environment))
    .map(({ subcommandIndex }) => ({
      prefixRuleMatch: {
        matchedPrefix: [command[0]!, command[subcommandIndex]!],
        decision: "prompt" as const,
        justification: route.justification,
      },
    }));
}

/**
 * Evaluates a command as cordon decides it: the argv as written, its
 * canonical forms, and git aliases the command defines. `evaluate` is
 * Codex's evaluation of the argv as written alone.
 */
export function evaluateCommand(policy: ExecPolicy, command: readonly string[], options?: CommandEvaluateOptions): CommandEvaluation {
  const readings = commandReadings(policy, command);
  const forms = differingForms(readings, command);
  const matches = matchForms(policy, command, forms, options);
  matches.push(...aliasMatches(readings, command, options?.environment));
  const { decision } = evaluationOf(matches);
  return decision === undefined ? { matchedRules: matches, canonicalForms: forms } : { matchedRules: matches, decision, canonicalForms: forms };
}
