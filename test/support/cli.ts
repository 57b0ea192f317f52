/** Runs the built `cordon` executable as a user would, and collects what it printed. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testEnv } from "./env.js";

export const cordonBin = join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "cli", "main.js");

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `cordon args`; the environment is the fixed test environment unless `env` is given. */
export function runCordon(args: string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [cordonBin, ...args], {
    input: options.input ?? "",
    cwd: options.cwd,
    env: options.env ?? testEnv(),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The same without blocking this process: for tests whose own servers must answer the command meanwhile. */
export async function runCordonAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { execa } = await import("execa");
  const result = await execa(process.execPath, [cordonBin, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    extendEnv: false,
    stripFinalNewline: false,
    stdin: "ignore",
    reject: false,
    timeout: 60_000,
  });
  return {
    status: result.exitCode ?? null,
    signal: (result.signal ?? null) as NodeJS.Signals | null,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}
