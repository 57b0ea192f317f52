/**
 * Command grammars and canonical forms. Most tools that have subcommands take
 * global options before the subcommand (`git -C dir push`, `terraform
 * -chdir=infra apply`, `cargo +nightly publish`), so a prefix rule written
 * for `git push` would not see them. A grammar says which global options a
 * program takes; the canonical form of a command is the program, then its
 * subcommand and the rest, with those options removed. Pure functions.
 */

/** What a rules file (or the shipped grammar file) says about one program's global options. */
export interface CommandGrammar {
  /** The program's bare name (`git`); an absolute program uses the grammar of its basename. */
  readonly program: string;
  /**
   * Options that take a value: as the next word (`-C dir`, `--git-dir x`), after
   * `=` (`--git-dir=x`, `-chdir=x`), or, for a one-letter option, attached (`-Cdir`).
   */
  readonly optionsWithValue: readonly string[];
  /** Options that take no value; `--flag=value` is read as one word too (an optional value). */
  readonly flags: readonly string[];
  /** A word that starts with one of these is a global option on its own (`+` for `cargo +nightly`). */
  readonly flagPrefixes: readonly string[];
  /**
   * The options may also come after the subcommand words (tools built on
   * cobra/pflag: `kubectl delete -n ns pod x`, `gh pr --repo o/r merge 1`):
   * the canonical form drops every known option, wherever it is.
   */
  readonly interspersed: boolean;
  /**
   * The program also runs as `<program>-<subcommand>` (git's `git-push`,
   * in `git --exec-path`): that command's canonical form is
   * `<program> <subcommand> ...`.
   */
  readonly dashedSubcommands: boolean;
}

/** One way to read a command: where its subcommand starts, and the canonical form. */
export interface CanonicalReading {
  /**
   * Index of the subcommand in the command (program first); equal to its
   * length when there is none, 0 when the program's name carries it (`git-push`).
   */
  readonly subcommandIndex: number;
  /** The program, then the words from the subcommand on (with interspersed options removed). */
  readonly form: readonly string[];
}

/** A grammar's option names as sets, made once per grammar (evaluation is on every exec's path). */
interface OptionSets {
  withValue: ReadonlySet<string>;
  flags: ReadonlySet<string>;
}

const optionSetsOf = new WeakMap<CommandGrammar, OptionSets>();

function optionSets(grammar: CommandGrammar): OptionSets {
  let sets = optionSetsOf.get(grammar);
  if (sets === undefined) {
    sets = { withValue: new Set(grammar.optionsWithValue), flags: new Set(grammar.flags) };
    optionSetsOf.set(grammar, sets);
  }
  return sets;
}

/** How many words a known option takes at `args[i]`: 1 or 2; 0 when it is not a known option. */
function knownOptionLength(grammar: CommandGrammar, args: readonly string[], i: number): number {
  const word = args[i]!;
  const { withValue, flags } = optionSets(grammar);
  if (grammar.flagPrefixes.some((prefix) => word.length > prefix.length && word.startsWith(prefix))) return 1;
  if (flags.has(word)) return 1;
  if (withValue.has(word)) return i + 1 < args.length ? 2 : 1;
  const equals = word.indexOf("=");
  if (equals > 1) {
    const name = word.slice(0, equals);
    if (withValue.has(name) || flags.has(name)) return 1;
  }
  if (word.length > 2 && word[0] === "-" && word[1] !== "-" && withValue.has(word.slice(0, 2))) return 1;
  return 0;
}

function isOption(word: string): boolean {
  return word.length > 1 && word.startsWith("-");
}

/**
 * Every index where the subcommand may start. Known options are skipped as
 * the grammar says; an option the grammar does not know may or may not take
 * the next word as its value, so both readings are kept (the caller judges
 * all of them, and the strictest wins). `--` ends the options. Linear: the
 * readings are a set of positions, not a tree. The starts come out in
 * order (each step adds its own index or the next), each once.
 */
function subcommandStarts(grammar: CommandGrammar, command: readonly string[]): number[] {
  const length = command.length;
  const reachable = new Uint8Array(length + 2);
  reachable[1] = 1;
  const starts: number[] = [];
  const start = (index: number) => {
    if (starts[starts.length - 1] !== index) starts.push(index);
  };
  for (let i = 1; i <= length; i++) {
    if (!reachable[i]) continue;
    if (i === length) {
      start(i);
      continue;
    }
    const word = command[i]!;
    if (word === "--") {
      start(i + 1);
      continue;
    }
    const known = knownOptionLength(grammar, command, i);
    if (known > 0) {
      reachable[i + known] = 1;
    } else if (isOption(word)) {
      reachable[i + 1] = 1;
      if (!word.includes("=") && i + 1 < length) reachable[i + 2] = 1;
    } else {
      start(i);
    }
  }
  return starts;
}

/** The words from the subcommand on, without the known options an interspersed grammar allows anywhere. */
function restWithoutOptions(grammar: CommandGrammar, command: readonly string[], start: number): string[] {
  if (!grammar.interspersed) return command.slice(start);
  const kept: string[] = [];
  for (let i = start; i < command.length; ) {
    if (command[i] === "--") {
      kept.push(...command.slice(i));
      break;
    }
    const known = knownOptionLength(grammar, command, i);
    if (known > 0) {
      i += known;
    } else {
      kept.push(command[i]!);
      i += 1;
    }
  }
  return kept;
}

/**
 * The readings of `command` (program first) under `grammar`: usually one.
 * The program token is kept as written, so rules match it as they match the
 * argv (exact name first, then the basename fallback).
 */
export function canonicalReadings(grammar: CommandGrammar, command: readonly string[]): CanonicalReading[] {
  return subcommandStarts(grammar, command).map((subcommandIndex) => ({
    subcommandIndex,
    form: [command[0]!, ...restWithoutOptions(grammar, command, subcommandIndex)],
  }));
}

/**
 * The reading of a dashed program (`/usr/lib/git-core/git-push origin`) as
 * `<dir>/git push origin`, when `grammarOf` gives the part before a dash a
 * grammar with dashed subcommands; null otherwise. The directory is kept, so
 * the rules' basename fallback (and host_executable) applies as it would to
 * the program itself.
 */
export function dashedReading(
  command: readonly string[],
  grammarOf: (name: string) => CommandGrammar | undefined,
): CanonicalReading | null {
  const program = command[0];
  if (program === undefined) return null;
  const name = grammarName(program);
  for (let dash = name.indexOf("-"); dash > 0 && dash < name.length - 1; dash = name.indexOf("-", dash + 1)) {
    if (grammarOf(name.slice(0, dash))?.dashedSubcommands) {
      const directory = program.slice(0, program.length - name.length);
      return { subcommandIndex: 0, form: [`${directory}${name.slice(0, dash)}`, name.slice(dash + 1), ...command.slice(1)] };
    }
  }
  return null;
}

/** The bare name a grammar is looked up by: the basename of an absolute or relative program. */
export function grammarName(program: string): string {
  const slash = program.lastIndexOf("/");
  return slash === -1 ? program : program.slice(slash + 1);
}
