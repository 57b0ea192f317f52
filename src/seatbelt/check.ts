/**
 * A checker for generated sandbox-exec argument lists. It reads the profile
 * as S-expressions and reports, without running anything:
 *
 * - syntax: balanced parentheses, well-formed strings;
 * - words: only known operations, filters and constants (see vocabulary.ts),
 *   and `(version 1)` first;
 * - parameters: every `(param "X")` defined by exactly one `-DX=...`, and
 *   every `-D` used by the profile;
 * - no spliced paths: the only path-like strings in the profile are the
 *   fixed system paths of the shipped fragments, and the text the generator
 *   wrote around them (rules and comments alike) contains no `/` at all.
 */
import { seatbeltFragments } from "./fragments.js";
import { parseSExprs, SExprSyntaxError, type SExpr } from "./sexpr.js";
import { CONSTANTS, FILTERS, OPERATIONS } from "./vocabulary.js";

let fragmentStrings: ReadonlySet<string> | undefined;

/** Every string the shipped fragments contain: the only literals a profile may hold. */
function shippedStrings(): ReadonlySet<string> {
  if (fragmentStrings) return fragmentStrings;
  const strings = new Set<string>();
  const collect = (expr: SExpr): void => {
    if (expr.type === "string") strings.add(expr.value);
    else if (expr.type === "list") expr.items.forEach(collect);
  };
  for (const text of Object.values(seatbeltFragments())) parseSExprs(text).forEach(collect);
  fragmentStrings = strings;
  return strings;
}

/** The profile without the shipped fragments: what the generator wrote itself. */
function generatedText(profile: string): string {
  let text = profile;
  for (const fragment of Object.values(seatbeltFragments())) text = text.split(fragment).join("");
  return text;
}

function describe(expr: SExpr): string {
  switch (expr.type) {
    case "symbol":
      return expr.name;
    case "string":
      return `${expr.regex ? "#" : ""}${JSON.stringify(expr.value)}`;
    case "list":
      return `(${expr.items.length > 0 ? describe(expr.items[0]!) : ""} ...)`;
  }
}

interface Definitions {
  values: Map<string, string>;
  used: Set<string>;
}

function checkFilter(expr: SExpr, definitions: Definitions, problems: string[]): void {
  const at = `line ${expr.line}`;
  if (expr.type === "symbol") {
    if (!CONSTANTS.has(expr.name) && !/^[0-9]+$/.test(expr.name)) problems.push(`${at}: unknown constant ${expr.name}`);
    return;
  }
  if (expr.type === "string") {
    if (expr.value.includes("/") && !shippedStrings().has(expr.value)) {
      problems.push(`${at}: path-like string ${describe(expr)} is not one of the shipped fragments' fixed paths`);
    }
    return;
  }
  const [head, ...rest] = expr.items;
  if (head?.type !== "symbol" || !FILTERS.has(head.name)) {
    problems.push(`${at}: unknown filter ${head ? describe(head) : "()"}`);
    return;
  }
  if (head.name === "param") {
    const [name] = rest;
    if (rest.length !== 1 || name?.type !== "string" || name.regex) {
      problems.push(`${at}: (param ...) takes exactly one string`);
      return;
    }
    definitions.used.add(name.value);
    if (!definitions.values.has(name.value)) problems.push(`${at}: (param ${JSON.stringify(name.value)}) has no -D definition`);
    return;
  }
  for (const item of rest) checkFilter(item, definitions, problems);
}

function checkRule(expr: SExpr, definitions: Definitions, problems: string[]): void {
  const at = `line ${expr.line}`;
  if (expr.type !== "list") {
    problems.push(`${at}: ${describe(expr)} outside a rule`);
    return;
  }
  const [head, ...rest] = expr.items;
  if (head?.type !== "symbol" || (head.name !== "allow" && head.name !== "deny")) {
    problems.push(`${at}: unknown form ${head ? describe(head) : "()"}; expected (allow ...) or (deny ...)`);
    return;
  }
  const operations = rest.filter((item): item is Extract<SExpr, { type: "symbol" }> => item.type === "symbol");
  const firstFilter = rest.findIndex((item) => item.type !== "symbol");
  if (operations.length === 0) problems.push(`${at}: (${head.name}) names no operation`);
  if (firstFilter !== -1 && rest.slice(firstFilter).some((item) => item.type === "symbol")) {
    problems.push(`${at}: operations must come before the filters`);
  }
  for (const operation of operations) {
    if (!OPERATIONS.has(operation.name)) problems.push(`${at}: unknown operation ${describe(operation)}`);
  }
  for (const item of rest) if (item.type !== "symbol") checkFilter(item, definitions, problems);
}

function isVersionForm(expr: SExpr | undefined): boolean {
  return (
    expr?.type === "list" &&
    expr.items.length === 2 &&
    expr.items[0]!.type === "symbol" &&
    expr.items[0]!.name === "version" &&
    expr.items[1]!.type === "symbol" &&
    expr.items[1]!.name === "1"
  );
}

/** Splits `["-p", profile, "-DK=V"..., "--", ...command]`; reports what does not fit. */
function splitArgs(args: readonly string[], problems: string[]): { profile: string; definitions: Definitions } | null {
  if (args[0] !== "-p" || typeof args[1] !== "string") {
    problems.push('arguments must start with "-p" and the profile');
    return null;
  }
  const definitions: Definitions = { values: new Map(), used: new Set() };
  let i = 2;
  for (; i < args.length && args[i] !== "--"; i++) {
    const match = /^-D([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(args[i]!);
    if (!match) {
      problems.push(`argument ${JSON.stringify(args[i])} is not a -DKEY=VALUE definition`);
      continue;
    }
    const [, key, value] = match as unknown as [string, string, string];
    if (definitions.values.has(key)) problems.push(`-D${key} is defined more than once`);
    definitions.values.set(key, value);
  }
  if (i >= args.length) problems.push('no "--" before the command');
  else if (i === args.length - 1) problems.push('no command after "--"');
  return { profile: args[1], definitions };
}

/**
 * Checks the arguments of a sandbox-exec invocation (as returned by
 * `createSeatbeltCommandArgs`). Returns the problems found, one sentence each;
 * an empty list means the profile passed every check.
 */
export function checkSeatbeltProfile(args: readonly string[]): string[] {
  const problems: string[] = [];
  const split = splitArgs(args, problems);
  if (!split) return problems;
  let forms: SExpr[];
  try {
    forms = parseSExprs(split.profile);
  } catch (error) {
    if (!(error instanceof SExprSyntaxError)) throw error;
    problems.push(`profile syntax: ${error.message}`);
    return problems;
  }
  if (!isVersionForm(forms[0])) problems.push("the profile must start with (version 1)");
  for (const form of forms.slice(1)) checkRule(form, split.definitions, problems);

  for (const key of split.definitions.values.keys()) {
    if (!split.definitions.used.has(key)) problems.push(`-D${key} is defined but the profile never uses it`);
  }
  if (generatedText(split.profile).includes("/")) {
    problems.push("the profile has a path outside the shipped fragments (a '/' in generated text, comments included)");
  }
  return problems;
}
