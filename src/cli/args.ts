/** Command-line parsing shared by the commands: strict flags, and everything after `--` kept verbatim. */
import { statSync } from "node:fs";
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
    throw new UsageError(`${excerpt((error as Error).message, 200)}\nusage: ${usage}`, { cause: error });
  }
}

/**
 * At most `max` characters of `text` (whole code points), saying how much
 * was left out: a usage error shows where it went wrong, never the whole of
 * a megabyte argument.
 */
export function excerpt(text: string, max = 80): string {
  const characters = Array.from(text);
  if (characters.length <= max) return text;
  return `${characters.slice(0, max).join("")}… (${characters.length - max} more characters)`;
}

/** `dir` when it is a directory; else a usage error naming the flag. */
export function existingDirectory(flag: string, dir: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`${flag}: ${excerpt(dir)} is not a directory`);
  return dir;
}
