/** What every CLI command looks like, and the streams it talks through. */
import type { Readable, Writable } from "node:stream";

export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The exact bytes of each argument, where they can be had (see readExactArgs); they may differ from the strings. */
  exactArgs?: readonly Buffer[] | null;
}

export interface Command {
  /** Runs the command; resolves to the exit status. Throwing a CordonError exits 125. */
  run(args: string[], io: CliIO): Promise<number>;
}

/**
 * A command as dispatch and help see it: its text, and how to load it. Each
 * command is a module of its own, loaded only when it runs, so a call pays
 * only for the parsers and backends it uses.
 */
export interface CommandEntry {
  /** One line for `cordon --help`. */
  summary: string;
  /** What `cordon <command> --help` prints. */
  help: string;
  load(): Promise<Command>;
}

/** The status cordon exits with when it fails before the command runs, usage errors included. */
export const EXIT_CORDON_FAILURE = 125;
