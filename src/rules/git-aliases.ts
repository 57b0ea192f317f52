/**
 * git aliases a command defines for itself. `git -c alias.p=push p` runs
 * `git push`, and so does `git p` with the alias in GIT_CONFIG_KEY_0 or
 * GIT_CONFIG_PARAMETERS: the subcommand's name says nothing about what runs.
 * Pure: from the command line and the exec's environment to a yes or no.
 */

/**
 * The environment variables through which git reads configuration from its
 * caller; `*` ends a prefix.
 */
export const GIT_CONFIG_ENVIRONMENT: readonly string[] = Object.freeze(["GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_*", "GIT_CONFIG_PARAMETERS"]);

/** The configuration keys given on the command line before the subcommand (`-c key=value`, `--config-env key=VAR`). */
function commandLineKeys(command: readonly string[], subcommandIndex: number): string[] {
  const keys: string[] = [];
  for (let i = 1; i < subcommandIndex; i++) {
    const word = command[i]!;
    if ((word === "-c" || word === "--config-env") && i + 1 < command.length) keys.push(command[i + 1]!);
    else if (word.startsWith("--config-env=")) keys.push(word.slice("--config-env=".length));
  }
  return keys;
}

/** The keys of GIT_CONFIG_COUNT / GIT_CONFIG_KEY_<n>: as git reads them, the first COUNT keys. */
function countedKeys(environment: ReadonlyMap<string, string>): string[] {
  const count = environment.get("GIT_CONFIG_COUNT");
  if (count === undefined || !/^[0-9]+$/.test(count.trim())) return [];
  const keys: string[] = [];
  const limit = Number(count.trim());
  for (let i = 0; i < limit; i++) {
    const key = environment.get(`GIT_CONFIG_KEY_${i}`);
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

/**
 * The words of GIT_CONFIG_PARAMETERS, unquoted as git's sq_dequote does:
 * single-quoted runs and `\x` outside quotes, words split at white space.
 * `'key'='value'` and the older `'key=value'` both read as `key=value`.
 * Null when it does not parse (git then refuses to run).
 */
function configParameterWords(text: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; ) {
    const char = text[i]!;
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return null;
      word = (word ?? "") + text.slice(i + 1, end);
      i = end + 1;
    } else if (char === "\\") {
      if (i + 1 >= text.length) return null;
      word = (word ?? "") + text[i + 1]!;
      i += 2;
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
      i += 1;
    } else {
      word = (word ?? "") + char;
      i += 1;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** Whether a configuration key (`key` or `key=value`) defines the alias `name`; git compares keys without case. */
function definesAlias(keyAndValue: string, name: string): boolean {
  const equals = keyAndValue.indexOf("=");
  const key = (equals === -1 ? keyAndValue : keyAndValue.slice(0, equals)).toLowerCase();
  const alias = `alias.${name.toLowerCase()}`;
  return key === alias || key.startsWith(`${alias}.`);
}

/**
 * Whether the subcommand at `subcommandIndex` of a git command is an alias
 * the command defines itself: on its command line before the subcommand, or
 * through GIT_CONFIG_COUNT/GIT_CONFIG_KEY_<n> or GIT_CONFIG_PARAMETERS in
 * `environment` (the exec's own, as far as it was read).
 */
export function definesGitAlias(
  command: readonly string[],
  subcommandIndex: number,
  environment: ReadonlyMap<string, string> = new Map(),
): boolean {
  const name = command[subcommandIndex];
  if (name === undefined || name === "") return false;
  const parameters = environment.get("GIT_CONFIG_PARAMETERS");
  const keys = [
    ...commandLineKeys(command, subcommandIndex),
    ...countedKeys(environment),
    ...(parameters === undefined ? [] : (configParameterWords(parameters) ?? [])),
  ];
  return keys.some((key) => definesAlias(key, name));
}
