/**
 * The JSON form of a rules file, for hosts that build policies in code. It
 * says what the text form says, field for field (`not_match` is `notMatch`):
 *
 *     {"prefixRules": [{"pattern": ["git", ["push", "fetch"]], "decision": "prompt",
 *                       "match": ["git push origin"], "notMatch": [["git", "status"]]}],
 *      "hostExecutables": [{"name": "git", "paths": ["/usr/bin/git"]}],
 *      "networkRules": [{"host": "api.github.com", "protocol": "https", "decision": "allow"}],
 *      "commandGrammars": [{"program": "mytool", "optionsWithValue": ["-C"], "flags": ["-q"]}]}
 *
 * The zod schema checks the shape; the checks on meaning (empty patterns,
 * relative host paths, failing examples) are shared with the text form.
 */
import { z } from "zod";

const stringList = z.array(z.string({ error: "must be a string" }), { error: "must be a list of strings" });

/** One pattern token: an exact string, or a list of alternatives. */
const patternTokenSchema = z.union([z.string(), stringList], { error: "must be a string or a list of strings" });

/** An example command: a string (split like a shell would) or a list of tokens. */
const exampleSchema = z.union([z.string(), stringList], { error: "must be a string or a list of strings" });

const prefixRuleSchema = z
  .strictObject({
    pattern: z.array(patternTokenSchema, { error: "must be a list" }),
    decision: z.enum(["allow", "prompt", "forbidden"], { error: 'must be "allow", "prompt" or "forbidden"' }).optional(),
    justification: z.string({ error: "must be a string" }).optional(),
    match: z.array(exampleSchema, { error: "must be a list of examples" }).optional(),
    notMatch: z.array(exampleSchema, { error: "must be a list of examples" }).optional(),
  })
  .describe("prefix_rule: commands that start with `pattern` get `decision` (default allow).");

const hostExecutableSchema = z
  .strictObject({
    name: z.string({ error: "must be a string" }),
    paths: stringList,
  })
  .describe("host_executable: the absolute paths allowed to use the rules written for the bare `name`.");

const networkRuleSchema = z
  .strictObject({
    host: z.string({ error: "must be a string" }),
    protocol: z.string({ error: "must be a string" }),
    decision: z.string({ error: "must be a string" }),
    justification: z.string({ error: "must be a string" }).optional(),
  })
  .describe(
    "network_rule: connections to `host` over `protocol` (http, https, socks5_tcp, socks5_udp) get `decision` " +
      "(allow, prompt, forbidden or deny). Reported, not enforced.",
  );

const commandGrammarSchema = z
  .strictObject({
    program: z.string({ error: "must be a string" }),
    optionsWithValue: stringList.optional(),
    flags: stringList.optional(),
    flagPrefixes: stringList.optional(),
    interspersed: z.boolean({ error: "must be true or false" }).optional(),
    dashedSubcommands: z.boolean({ error: "must be true or false" }).optional(),
  })
  .describe(
    "command_grammar (cordon's addition): the global options `program` takes before its subcommand, so that rules " +
      "also judge the command's canonical form (the options removed).",
  );

export const rulesDocumentSchema = z
  .strictObject({
    prefixRules: z.array(prefixRuleSchema, { error: "must be a list" }).optional(),
    hostExecutables: z.array(hostExecutableSchema, { error: "must be a list" }).optional(),
    networkRules: z.array(networkRuleSchema, { error: "must be a list" }).optional(),
    commandGrammars: z.array(commandGrammarSchema, { error: "must be a list" }).optional(),
  })
  .describe("A cordon exec-policy rules file in JSON form.");

export type PrefixRuleDefinition = z.infer<typeof prefixRuleSchema>;
export type HostExecutableDefinition = z.infer<typeof hostExecutableSchema>;
export type NetworkRuleDefinition = z.infer<typeof networkRuleSchema>;
export type CommandGrammarDefinition = z.infer<typeof commandGrammarSchema>;
export type RulesDocument = z.infer<typeof rulesDocumentSchema>;
/** An example command as written: a string to shell-split, or its tokens. */
export type RuleExample = string | string[];

/** The JSON Schema of the JSON form (draft 2020-12), for editors and validators. */
export function rulesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rulesDocumentSchema) as Record<string, unknown>;
}
