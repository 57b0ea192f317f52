/** Reading a git command line: where its subcommand is, past git's own global options (the shipped git grammar). */
import { canonicalReadings } from "./grammar.js";
import { shippedGrammars } from "./shipped-grammars.js";

/**
 * Every index where git's subcommand may be in `command` (program first):
 * usually one; an option the grammar does not know gives two readings. Empty
 * when there is no subcommand.
 */
export function gitSubcommandIndexes(command: readonly string[]): number[] {
  const grammar = shippedGrammars().get("git");
  if (grammar === undefined) return [];
  return canonicalReadings(grammar, command)
    .map((reading) => reading.subcommandIndex)
    .filter((index) => index < command.length);
}

/**
 * Global options that make git run programs or read settings named on the
 * command line (`-c core.pager=...`, `--exec-path=...`), before the subcommand.
 */
export function hasGitConfigOverride(command: readonly string[]): boolean {
  const ends = gitSubcommandIndexes(command);
  const globals = command.slice(1, ends.length === 0 ? command.length : Math.max(...ends));
  return globals.some(
    (arg) =>
      arg.startsWith("-c") ||
      arg === "--config-env" ||
      arg.startsWith("--config-env=") ||
      arg === "--exec-path" ||
      arg.startsWith("--exec-path="),
  );
}
