/**
 * Writes rules text: the inverse of the parser, so that parsing what was
 * printed gives the same policy. One call per line; strings are written
 * double-quoted with every character that could end or bend them escaped.
 */
import type {
  CommandGrammarDefinition,
  HostExecutableDefinition,
  NetworkRuleDefinition,
  PrefixRuleDefinition,
  RulesDocument,
} from "./document.js";
import type { SyntaxValue } from "./syntax.js";

/** A string as a double-quoted rules literal (ASCII escapes for control characters). */
export function formatString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === "\\") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/** A string, boolean or (nested) list as rules text: `["git", ["push", "fetch"]]`. */
export function formatValue(value: SyntaxValue): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  return typeof value === "string" ? formatString(value) : `[${value.map(formatValue).join(", ")}]`;
}

function formatCall(name: string, args: [string, SyntaxValue | undefined][]): string {
  const written = args.filter((arg): arg is [string, SyntaxValue] => arg[1] !== undefined);
  return `${name}(${written.map(([key, value]) => `${key} = ${formatValue(value)}`).join(", ")})`;
}

/** One prefix_rule call, on one line. */
export function formatPrefixRule(rule: PrefixRuleDefinition): string {
  return formatCall("prefix_rule", [
    ["pattern", rule.pattern],
    ["decision", rule.decision],
    ["justification", rule.justification],
    ["match", rule.match],
    ["not_match", rule.notMatch],
  ]);
}

/** One host_executable call, on one line. */
export function formatHostExecutable(host: HostExecutableDefinition): string {
  return formatCall("host_executable", [
    ["name", host.name],
    ["paths", host.paths],
  ]);
}

/** One network_rule call, on one line. */
export function formatNetworkRule(rule: NetworkRuleDefinition): string {
  return formatCall("network_rule", [
    ["host", rule.host],
    ["protocol", rule.protocol],
    ["decision", rule.decision],
    ["justification", rule.justification],
  ]);
}

/** One command_grammar call, on one line. */
export function formatCommandGrammar(grammar: CommandGrammarDefinition): string {
  return formatCall("command_grammar", [
    ["program", grammar.program],
    ["options_with_value", grammar.optionsWithValue],
    ["flags", grammar.flags],
    ["flag_prefixes", grammar.flagPrefixes],
    ["interspersed", grammar.interspersed],
    ["dashed_subcommands", grammar.dashedSubcommands],
  ]);
}

/** A whole rules document as rules text (prefix rules, host executables, network rules, then command grammars). */
export function printRules(document: RulesDocument): string {
  const lines = [
    ...(document.prefixRules ?? []).map(formatPrefixRule),
    ...(document.hostExecutables ?? []).map(formatHostExecutable),
    ...(document.networkRules ?? []).map(formatNetworkRule),
    ...(document.commandGrammars ?? []).map(formatCommandGrammar),
  ];
  return lines.map((line) => `${line}\n`).join("");
}
