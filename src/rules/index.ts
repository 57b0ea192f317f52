/**
 * Exec-policy rules (SPEC §6): the Codex execpolicy language, its JSON form,
 * evaluation, the examples that test the rules, and the heuristics for
 * commands no rule names.
 */
export { type Decision, isDecision, stricterDecision } from "./decision.js";
export {
  type ExecPolicy,
  type PrefixRule,
  type PatternToken,
  type RuleMatch,
  type Evaluation,
  type EvaluateOptions,
  type NetworkRule,
  type NetworkProtocol,
  EMPTY_EXEC_POLICY,
  compiledNetworkDomains,
  evaluate,
  mergePolicies,
  policyRules,
} from "./policy.js";
export { parseRules } from "./text-form.js";
export { type CommandGrammar, type CanonicalReading, canonicalReadings, dashedReading, grammarName } from "./grammar.js";
export {
  type CommandEvaluation,
  type CommandEvaluateOptions,
  evaluateCommand,
  canonicalForms,
  grammarFor,
  GIT_ALIAS_JUSTIFICATION,
  CARGO_ALIAS_JUSTIFICATION,
  RULES_ENVIRONMENT,
} from "./canonical.js";
export { GIT_CONFIG_ENVIRONMENT, definesGitAlias } from "./git-aliases.js";
export { CARGO_ALIAS_ENVIRONMENT, definesCargoAlias } from "./cargo-aliases.js";
export { shippedGrammars } from "./shipped-grammars.js";
export { policyFromJson } from "./json-form.js";
export { loadPolicy } from "./load.js";
export {
  rulesJsonSchema,
  rulesDocumentSchema,
  type RulesDocument,
  type PrefixRuleDefinition,
  type HostExecutableDefinition,
  type NetworkRuleDefinition,
  type CommandGrammarDefinition,
  type RuleExample,
} from "./document.js";
export { printRules, formatPrefixRule, formatHostExecutable, formatNetworkRule, formatCommandGrammar } from "./print.js";
export { expectPolicy, type PolicyExpectation } from "./expect.js";
export { testRulesFiles, formatRulesTestReport, type RulesFileReport } from "./policy-test.js";
export { appendAllowPrefixRule, type AppendRuleOptions } from "./amend.js";
export { appendNetworkRule, NetworkRuleAmendError, type NetworkRuleAmendment, type NetworkRuleAmendFailure } from "./amend-network.js";
export { compileNetworkDomains, type NetworkDomains } from "./network-domains.js";
export { splitShellWords } from "./shell-words.js";
export { initShellParser, splitShellScript, splitShellCommand, splitPlainShellCommand, heredocCommandPrefix } from "./shell-split.js";
export { isKnownSafeCommand } from "./safe-commands.js";
export { isDangerousCommand } from "./dangerous-commands.js";
export { type ProgramHeuristics, programHeuristics } from "./heuristic-programs.js";
export { defaultRulesPath, commandGrammarsPath } from "./shipped-rules.js";
