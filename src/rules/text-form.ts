/** Rules text to policy: syntax, then the shared checks, then the examples. */
import { RulesError } from "../errors.js";
import { checkHostExecutable, checkNetworkRule, checkPrefixRule, type Locate } from "./check.js";
import { compileDefinitions, type CheckedDefinitions } from "./compile.js";
import { EMPTY_EXEC_POLICY, type ExecPolicy } from "./policy.js";
import { formatPosition, parseSyntax, type SyntaxCall } from "./syntax.js";

/** Argument names of each function, and the field each one fills. */
const FUNCTIONS: Record<string, Record<string, string>> = {
  prefix_rule: { pattern: "pattern", decision: "decision", justification: "justification", match: "match", not_match: "notMatch" },
  host_executable: { name: "name", paths: "paths" },
  network_rule: { host: "host", protocol: "protocol", decision: "decision", justification: "justification" },
};

function fieldsOf(call: SyntaxCall, file: string): { fields: Record<string, unknown>; locate: Locate } {
  const argumentNames = Object.hasOwn(FUNCTIONS, call.name) ? FUNCTIONS[call.name] : undefined;
  if (argumentNames === undefined) {
    throw new RulesError(
      `${formatPosition(file, call.at)}: unknown function ${call.name} (rules files call prefix_rule, host_executable and network_rule)`,
    );
  }
  const fields: Record<string, unknown> = {};
  const positions = new Map<string, string>();
  for (const arg of call.args) {
    const field = Object.hasOwn(argumentNames, arg.name) ? argumentNames[arg.name] : undefined;
    if (field === undefined) {
      throw new RulesError(
        `${formatPosition(file, arg.nameAt)}: ${call.name}() got an unexpected argument ${arg.name} ` +
          `(expected ${Object.keys(argumentNames).join(", ")})`,
      );
    }
    fields[field] = arg.value;
    positions.set(field, formatPosition(file, arg.at));
  }
  const callPosition = formatPosition(file, call.at);
  return { fields, locate: (field) => (field === undefined ? callPosition : (positions.get(field) ?? callPosition)) };
}

/**
 * Parses and checks rules text, adding its rules after `base`'s. Errors are
 * RulesErrors that start with `file:line:col`.
 */
export function compileRulesText(text: string, file: string, base: ExecPolicy): ExecPolicy {
  const definitions: CheckedDefinitions = { rules: [], hosts: [], networkRules: [] };
  for (const call of parseSyntax(text, file)) {
    const { fields, locate } = fieldsOf(call, file);
    if (call.name === "prefix_rule") definitions.rules.push(checkPrefixRule(fields, locate, `${file}:${call.at.line}`));
    else if (call.name === "network_rule") definitions.networkRules.push(checkNetworkRule(fields, locate));
    else definitions.hosts.push(checkHostExecutable(fields, locate));
  }
  return compileDefinitions(definitions, base);
}

/** Parses one rules file's text into a policy; `filename` names it in errors (`file:line:col: ...`). */
export function parseRules(text: string, filename: string): ExecPolicy {
  return compileRulesText(text, filename, EMPTY_EXEC_POLICY);
}
