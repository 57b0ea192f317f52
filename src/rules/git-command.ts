/** Reading a git command line: where its subcommand is, past git's own global options. */

/** Global options that take the next argument as their value. */
const GIT_OPTIONS_WITH_VALUE = new Set([
  "-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env",
]);

/** The index of git's subcommand in `command` (program first), or -1 when there is none. */
export function gitSubcommandIndex(command: readonly string[]): number {
  for (let i = 1; i < command.length; i++) {
    const arg = command[i]!;
    if (GIT_OPTIONS_WITH_VALUE.has(arg)) i += 1;
    else if (!arg.startsWith("-")) return i;
  }
  return -1;
}

/**
 * Global options that make git run programs or read settings named on the
 * command line (`-c core.pager=...`, `--exec-path=...`), before the subcommand.
 */
export function hasGitConfigOverride(command: readonly string[]): boolean {
  const end = gitSubcommandIndex(command);
  const globals = command.slice(1, end === -1 ? command.length : end);
  return globals.some(
    (arg) =>
      arg === "-c" ||
      (arg.startsWith("-c") && !arg.startsWith("--")) ||
      arg === "--config-env" ||
      arg.startsWith("--config-env=") ||
      arg === "--exec-path" ||
      arg.startsWith("--exec-path="),
  );
}
