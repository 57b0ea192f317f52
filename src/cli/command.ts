/** What every CLI command looks like, and the streams it talks through. */
import type { Readable, Writable } from "node:stream";

export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** One line for `cordon --help`. */
  summary: string;
  /** The synopsis printed by `cordon <command> --help` and with usage errors. */
  usage: string;
  /** Runs the command; resolves to the exit status. Throwing a CordonError exits 125. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** The status cordon exits with when it fails before the command runs. */
export const EXIT_CORDON_FAILURE = 125;
