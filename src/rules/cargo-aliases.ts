/**
 * cargo aliases a command defines for itself: `cargo --config alias.p='"publish"' p`
 * and `CARGO_ALIAS_P=publish cargo p` both run `cargo publish`. Pure: from the
 * command line and the exec's environment to a yes or no.
 */

/** The environment variables through which cargo reads aliases (`*` ends a prefix). */
export const CARGO_ALIAS_ENVIRONMENT: readonly string[] = Object.freeze(["CARGO_ALIAS_*"]);

/** The `--config KEY=VALUE` values before the subcommand (a `--config` that names a file is not read). */
function configValues(command: readonly string[], subcommandIndex: number): string[] {
  const values: string[] = [];
  for (let i = 1; i < subcommandIndex; i++) {
    const word = command[i]!;
    if (word === "--config" && i + 1 < command.length) values.push(command[i + 1]!);
    else if (word.startsWith("--config=")) values.push(word.slice("--config=".length));
  }
  return values;
}

/** A TOML dotted key as cargo compares it: quotes and the spaces around dots dropped. */
function tomlKey(text: string): string {
  return text
    .split(".")
    .map((part) => part.trim().replace(/^"(.*)"$|^'(.*)'$/s, "$1$2"))
    .join(".");
}

/**
 * Whether the subcommand at `subcommandIndex` of a cargo command is an alias
 * the command defines itself: with `--config alias.<name>=...` before it, or
 * CARGO_ALIAS_<NAME> in `environment` (cargo's spelling: upper case, `-` as `_`).
 */
export function definesCargoAlias(
  command: readonly string[],
  subcommandIndex: number,
  environment: ReadonlyMap<string, string> = new Map(),
): boolean {
  const name = command[subcommandIndex];
  if (name === undefined || name === "") return false;
  const fromConfig = configValues(command, subcommandIndex).some((value) => {
    const equals = value.indexOf("=");
    return equals !== -1 && tomlKey(value.slice(0, equals)) === `alias.${name}`;
  });
  return fromConfig || environment.has(`CARGO_ALIAS_${name.toUpperCase().replace(/-/g, "_")}`);
}
