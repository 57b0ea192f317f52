/**
 * Commands known to be safe to run without asking: read-only tools, and a
 * few more (`find`, `rg`, `base64`, `git status`...) when none of their
 * writing or program-running options is present. A `bash -lc` script is
 * safe when it splits into plain commands that are all safe.
 */
import { posix } from "node:path";
import { gitSubcommandIndexes, hasGitConfigOverride } from "./git-command.js";
import { splitPlainShellCommand } from "./shell-split.js";

/** Tools that only read (whatever their arguments) and print. */
const READ_ONLY_TOOLS = new Set([
  "basename", "cat", "cd", "cut", "dirname", "echo", "expr", "false", "grep", "head", "id", "ls", "nl", "numfmt",
  "paste", "pwd", "rev", "seq", "stat", "tac", "tail", "tr", "true", "uname", "wc", "which", "whoami",
]);

/** find options that run programs, delete files or write files. */
const UNSAFE_FIND_OPTIONS = new Set(["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"]);

/** git subcommands that only read, given read-only arguments. */
const READ_ONLY_GIT_SUBCOMMANDS = new Set(["status", "log", "diff", "show", "branch"]);

/** git options that write files or run external tools. */
const UNSAFE_GIT_ARGUMENTS = new Set(["--output", "--ext-diff", "--textconv", "--exec", "--paginate"]);

function isUnsafeGitArgument(arg: string): boolean {
  return UNSAFE_GIT_ARGUMENTS.has(arg) || arg.startsWith("--output=") || arg.startsWith("--exec=");
}

/** `git branch` arguments that only list branches (no create, rename or delete). */
function isReadOnlyGitBranch(args: readonly string[]): boolean {
  if (args.length === 0) return true;
  const listing = new Set(["--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose"]);
  return args.every((arg) => listing.has(arg) || arg.startsWith("--format="));
}

/** Safe when git's subcommand is read-only in every reading of its global options. */
function isSafeGit(command: readonly string[]): boolean {
  if (hasGitConfigOverride(command)) return false;
  const indexes = gitSubcommandIndexes(command);
  return indexes.length > 0 && indexes.every((index) => isSafeGitSubcommand(command, index));
}

function isSafeGitSubcommand(command: readonly string[], index: number): boolean {
  const subcommand = command[index]!;
  const args = command.slice(index + 1);
  if (!READ_ONLY_GIT_SUBCOMMANDS.has(subcommand) || args.some(isUnsafeGitArgument)) return false;
  return subcommand !== "branch" || isReadOnlyGitBranch(args);
}

function isSafeRipgrep(args: readonly string[]): boolean {
  return !args.some(
    (arg) =>
      arg === "--search-zip" ||
      /^-[A-Za-y]*z/.test(arg) ||
      ["--pre", "--hostname-bin"].some((option) => arg === option || arg.startsWith(`${option}=`)),
  );
}

function isSafeBase64(args: readonly string[]): boolean {
  return !args.some((arg) => arg === "--output" || arg.startsWith("--output=") || /^-[A-Za-z]*o/.test(arg));
}

/** `sed -n Np` or `sed -n M,Np`, on at most one file. */
function isSafeSed(command: readonly string[]): boolean {
  return command.length <= 4 && command[1] === "-n" && /^(\d+,)?\d+p$/.test(command[2] ?? "");
}

/** Tools known to be safe only with some arguments, and the check of a command (program first) for each. */
const ARGUMENT_CHECKS: ReadonlyMap<string, (command: readonly string[]) => boolean> = new Map([
  ["find", (command) => !command.slice(1).some((arg) => UNSAFE_FIND_OPTIONS.has(arg))],
  ["rg", (command) => isSafeRipgrep(command.slice(1))],
  ["base64", (command) => isSafeBase64(command.slice(1))],
  ["git", isSafeGit],
  ["sed", isSafeSed],
]);

/** The basenames this list accepts whatever the arguments (a decision about them may be kept for every argument list). */
export const ALWAYS_SAFE_PROGRAMS: ReadonlySet<string> = READ_ONLY_TOOLS;

/** The basenames this list accepts only with some arguments. */
export const SAFE_WITH_SOME_ARGUMENTS_PROGRAMS: ReadonlySet<string> = new Set(ARGUMENT_CHECKS.keys());

/** Whether one plain command (program first, by name or absolute path) is known to be safe. */
export function isSafeToExec(command: readonly string[]): boolean {
  const program = command[0];
  if (program === undefined) return false;
  const name = posix.basename(program);
  if (READ_ONLY_TOOLS.has(name)) return true;
  return ARGUMENT_CHECKS.get(name)?.(command) ?? false;
}

/**
 * Whether a command, or every plain command of its `bash -lc` script, is
 * known to be safe. A script judged by a here-document's command (`cat <<EOF`)
 * is never known-safe: as in Codex, only plain scripts earn that.
 */
export function isKnownSafeCommand(command: readonly string[]): boolean {
  if (isSafeToExec(command)) return true;
  const commands = splitPlainShellCommand(command);
  return commands !== null && commands.every(isSafeToExec);
}
