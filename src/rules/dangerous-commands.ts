/**
 * Commands that look destructive enough to ask about even when no rule
 * names them: `rm` with a force flag, git commands that throw work away or
 * rewrite a remote, and `sudo` of any of these. A `bash -lc` script is
 * dangerous when any of its plain commands is.
 */
import { posix } from "node:path";
import { gitSubcommandIndexes } from "./git-command.js";
import { splitShellCommand } from "./shell-split.js";

/** Whether the options (up to `--`) include a force flag: `-f`, `--force`, or a short cluster with `f` such as `-rf`. */
function hasForceFlag(args: readonly string[], longNames: readonly string[] = ["--force"]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (longNames.includes(arg) || /^-[A-Za-z]*f/.test(arg)) return true;
  }
  return false;
}

/** Dangerous when git's subcommand is, in any reading of its global options. */
function isDangerousGit(command: readonly string[]): boolean {
  return gitSubcommandIndexes(command).some((index) => isDangerousGitSubcommand(command, index));
}

function isDangerousGitSubcommand(command: readonly string[], index: number): boolean {
  const args = command.slice(index + 1);
  switch (command[index]) {
    case "reset":
    case "rm":
      return true;
    case "clean":
      return hasForceFlag(args);
    case "push":
      return (
        hasForceFlag(args, ["--force", "--force-with-lease", "--mirror", "--delete"]) ||
        args.some((arg) => arg.startsWith("+") || arg.startsWith("--force-with-lease="))
      );
    default:
      return false;
  }
}

/** sudo options that take the next argument as their value. */
const SUDO_OPTIONS_WITH_VALUE = new Set([
  "-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T",
  "--user", "--group", "--host", "--prompt", "--chdir", "--role", "--type", "--other-user", "--command-timeout", "--close-from",
]);

/** The command sudo would run, past its own options. */
function sudoTarget(command: readonly string[]): readonly string[] {
  let i = 1;
  while (i < command.length && command[i]!.startsWith("-")) {
    if (command[i] === "--") return command.slice(i + 1);
    i += SUDO_OPTIONS_WITH_VALUE.has(command[i]!) ? 2 : 1;
  }
  return command.slice(i);
}

/** The programs whose commands may look destructive, and the check of a command (program first) for each. */
const DANGER_CHECKS: ReadonlyMap<string, (command: readonly string[]) => boolean> = new Map([
  ["rm", (command) => hasForceFlag(command.slice(1))],
  ["git", isDangerousGit],
]);

const SUDO = "sudo";

/** The basenames this list looks at: its answer for them depends on the arguments. */
export const DANGER_CHECKED_PROGRAMS: ReadonlySet<string> = new Set([SUDO, ...DANGER_CHECKS.keys()]);

/** Whether one plain command (program first, by name or absolute path) looks destructive; `sudo X` is judged as X. */
export function isDangerousToExec(command: readonly string[]): boolean {
  let target = command;
  while (target[0] !== undefined && posix.basename(target[0]) === SUDO) target = sudoTarget(target);
  const program = target[0];
  if (program === undefined) return false;
  return DANGER_CHECKS.get(posix.basename(program))?.(target) ?? false;
}

/** Whether a command, or any command of its `bash -lc` script (a here-document's command included), looks destructive. */
export function isDangerousCommand(command: readonly string[]): boolean {
  if (isDangerousToExec(command)) return true;
  const commands = splitShellCommand(command);
  return commands !== null && commands.some(isDangerousToExec);
}
