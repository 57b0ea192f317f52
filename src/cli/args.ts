/** Command-line parsing shared by the commands: strict flags, and everything after `--` kept verbatim. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedCommandLine<T> {
  values: T;
  /** Arguments after `--` (or positionals), untouched. */
  rest: string[];
}

/**
 * Parses flags strictly (unknown flags and missing values are usage errors)
 * and returns the arguments after `--` exactly as given, so a command's own
 * flags are never mistaken for cordon's.
 */
export function parseCommandLine<T>(args: string[], options: Options, usage: string): ParsedCommandLine<T> {
  const dashDash = args.indexOf("--");
  const own = dashDash === -1 ? args : args.slice(0, dashDash);
  const rest = dashDash === -1 ? [] : args.slice(dashDash + 1);
  try {
    const { values, positionals } = parseArgs({ args: own, options, strict: true, allowPositionals: true });
    return { values: values as T, rest: [...positionals, ...rest] };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${usage}`, { cause: error });
  }
}
