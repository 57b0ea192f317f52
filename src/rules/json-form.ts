/** The JSON form to policy: the zod schema for the shape, then the checks shared with the text form. */
import { RulesError } from "../errors.js";
import { checkCommandGrammar, checkHostExecutable, checkNetworkRule, checkPrefixRule } from "./check.js";
import { compileDefinitions } from "./compile.js";
import { rulesDocumentSchema } from "./document.js";
import { EMPTY_EXEC_POLICY, type ExecPolicy } from "./policy.js";

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`)).join("");
}

/** Checks a JSON-form document and adds its rules after `base`'s; errors name `source` and the field. */
export function compileRulesJson(input: unknown, source: string, base: ExecPolicy): ExecPolicy {
  const parsed = rulesDocumentSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${source}: ${issuePath(issue.path)}` : source;
    throw new RulesError(`${where}: ${issue.message}`, { cause: parsed.error });
  }
  const document = parsed.data;
  const locator = (list: string, index: number) => (field?: string) =>
    `${source}: ${list}[${index}]${field === undefined ? "" : `.${field}`}`;
  const rules = (document.prefixRules ?? []).map((rule, index) =>
    checkPrefixRule(rule, locator("prefixRules", index), locator("prefixRules", index)()),
  );
  const hosts = (document.hostExecutables ?? []).map((host, index) => checkHostExecutable(host, locator("hostExecutables", index)));
  const networkRules = (document.networkRules ?? []).map((rule, index) => checkNetworkRule(rule, locator("networkRules", index)));
  const grammars = (document.commandGrammars ?? []).map((grammar, index) => checkCommandGrammar(grammar, locator("commandGrammars", index)));
  return compileDefinitions({ rules, hosts, networkRules, grammars }, base);
}

/** Builds a policy from the JSON form (an object already parsed from JSON, or built in code). */
export function policyFromJson(input: unknown, source = "<rules json>"): ExecPolicy {
  return compileRulesJson(input, source, EMPTY_EXEC_POLICY);
}
