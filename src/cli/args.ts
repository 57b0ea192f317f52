/** Command-line parsing shared by the commands: strict flags, and everything after `--` kept verbatim. */
import { statSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";
import type { CommandArgument } from "../platform/index.js";
import { isInexact } from "./exact-args.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedCommandLine<T> {
  values: T;
  /** Arguments after `--` (or positionals), untouched. */
  rest: string[];
  /** The same, each as its exact bytes where the string has lost some (only when the command carries them). */
  command: CommandArgument[];
}

/** What a command does with arguments that are not UTF-8 text. */
export interface ExactArgs {
  /** The exact bytes of each of `args`, where known (see readExactArgs). */
  bytes?: readonly Buffer[] | null;
  /** The arguments after `--` reach a program, which gets their exact bytes; any other inexact argument is a usage error. */
  carriesCommand?: boolean;
}

function inexactArgument(arg: string): UsageError {
  return new UsageError(`an argument is not valid UTF-8 and cannot be carried exactly here: ${excerpt(JSON.stringify(arg))}`);
}

/** A usage error for the first of `args` that is not exactly what was typed (see isInexact), but those in `carried`. */
export function rejectInexact(args: readonly string[], bytes: readonly Buffer[] | null | undefined, carried: ReadonlySet<number> = new Set()): void {
  args.forEach((arg, i) => {
    if (!carried.has(i) && isInexact(arg, bytes?.[i])) throw inexactArgument(arg);
  });
}

/**
 * Parses flags strictly (unknown flags and missing values are usage errors)
 * and returns the arguments after `--` exactly as given, so a command's own
 * flags are never mistaken for cordon's. An argument that is not UTF-8 is
 * never changed: it is carried as bytes (`command`) where `exact` says the
 * command carries it, and a usage error anywhere else.
 */
export function parseCommandLine<T>(args: string[], options: Options, usage: string, exact: ExactArgs): ParsedCommandLine<T> {
  const dashDash = args.indexOf("--");
  const own = dashDash === -1 ? args : args.slice(0, dashDash);
  const after = dashDash === -1 ? [] : args.slice(dashDash + 1).map((_, i) => dashDash + 1 + i);
  let parsed: { values: unknown; positionals: string[]; tokens: Array<{ kind: string; index: number }> };
  try {
    parsed = parseArgs({ args: own, options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new UsageError(`${excerpt((error as Error).message, 200)}\nusage: ${usage}`, { cause: error });
  }
  const restIndexes = [...parsed.tokens.filter((token) => token.kind === "positional").map((token) => token.index), ...after];
  rejectInexact(args, exact.bytes, new Set(exact.carriesCommand === true ? restIndexes : []));
  return {
    values: parsed.values as T,
    rest: restIndexes.map((i) => args[i]!),
    command: restIndexes.map((i) => {
      const bytes = exact.bytes?.[i];
      if (!isInexact(args[i]!, bytes)) return args[i]!;
      if (bytes === undefined) throw inexactArgument(args[i]!);
      return bytes;
    }),
  };
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
