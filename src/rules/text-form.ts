/** Rules text to policy: syntax, then the shared checks, then the examples. */
import { fieldsOf } from "./call-fields.js";
import { checkCommandGrammar, checkHostExecutable, checkNetworkRule, checkPrefixRule } from "./check.js";
import { compileDefinitions, type CheckedDefinitions } from "./compile.js";
import { EMPTY_EXEC_POLICY, type ExecPolicy } from "./policy.js";
import { parseSyntax } from "./syntax.js";

/**
 * Parses and checks rules text, adding its rules after `base`'s. Errors are
 * RulesErrors that start with `file:line:col`.
 */
export function compileRulesText(text: string, file: string, base: ExecPolicy): ExecPolicy {
  const definitions: CheckedDefinitions = { rules: [], hosts: [], networkRules: [], grammars: [] };
  for (const call of parseSyntax(text, file)) {
    const { fields, locate } = fieldsOf(call, file);
    if (call.name === "prefix_rule") definitions.rules.push(checkPrefixRule(fields, locate, `${file}:${call.at.line}`));
    else if (call.name === "network_rule") definitions.networkRules.push(checkNetworkRule(fields, locate));
    else if (call.name === "command_grammar") definitions.grammars.push(checkCommandGrammar(fields, locate));
    else definitions.hosts.push(checkHostExecutable(fields, locate));
  }
  return compileDefinitions(definitions, base);
}

/** Parses one rules file's text into a policy; `filename` names it in errors (`file:line:col: ...`). */
export function parseRules(text: string, filename: string): ExecPolicy {
  return compileRulesText(text, filename, EMPTY_EXEC_POLICY);
}
