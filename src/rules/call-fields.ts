/** The functions a rules file may call, their argument names, and the fields those fill. */
import { RulesError } from "../errors.js";
import type { Locate } from "./check.js";
import { formatPosition, type SyntaxCall } from "./syntax.js";

/** Argument names of each function, and the field each one fills. */
const FUNCTIONS: Record<string, Record<string, string>> = {
  prefix_rule: { pattern: "pattern", decision: "decision", justification: "justification", match: "match", not_match: "notMatch" },
  host_executable: { name: "name", paths: "paths" },
  network_rule: { host: "host", protocol: "protocol", decision: "decision", justification: "justification" },
  command_grammar: {
    program: "program",
    options_with_value: "optionsWithValue",
    flags: "flags",
    flag_prefixes: "flagPrefixes",
    interspersed: "interspersed",
    dashed_subcommands: "dashedSubcommands",
  },
};

/** A call's arguments as fields, and where each was written; unknown functions and arguments are RulesErrors. */
export function fieldsOf(call: SyntaxCall, file: string): { fields: Record<string, unknown>; locate: Locate } {
  const argumentNames = Object.hasOwn(FUNCTIONS, call.name) ? FUNCTIONS[call.name] : undefined;
  if (argumentNames === undefined) {
    throw new RulesError(
      `${formatPosition(file, call.at)}: unknown function ${call.name} ` +
        "(rules files call prefix_rule, host_executable, network_rule and command_grammar)",
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
