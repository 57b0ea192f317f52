/**
 * Shared set-up for the interposer tests: a logging EXEC_WRAPPER, the exec
 * probe fixture compiled with cc, and a runner that starts real programs with
 * the interposer preloaded.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeArtifactPath } from "../../src/native/index.js";

export const interposerPath = nativeArtifactPath("libcordon_intercept.so");

/** Why the interposer tests cannot run here, or null when they can. */
export function interposerUnavailable(): string | null {
  if (process.platform !== "linux") return `the exec interposer is Linux-only (this is ${process.platform})`;
  if (!existsSync(interposerPath)) return `the native build has no ${interposerPath} (run npm install)`;
  return null;
}

/** One exec the wrapper saw: the file it was asked to run and the original argv. */
export interface RoutedExec {
  file: string;
  argv: string[];
}

export interface Sandbox {
  dir: string;
  /** A bash script that logs its arguments, then becomes `$1` with argv0 `$2`. */
  wrapper: string;
  /** The execs the wrapper saw so far, in order. */
  routed(): RoutedExec[];
  clearLog(): void;
  /** The environment that routes execs through `wrapper`. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  run(program: string, args: string[], options?: RunOptions): SpawnSyncReturns<string>;
  cleanup(): void;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
}

/** Single-quotes a string for a shell script. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * A fresh directory with a logging wrapper. The log path is written into the
 * script, so the wrapper logs even when the exec clears the environment.
 * Each record is the argument count, then the arguments, NUL-terminated.
 */
export function createSandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "cordon-intercept-"));
  chmodSync(dir, 0o755);
  const log = join(dir, "exec.log");
  writeFileSync(log, "");
  chmodSync(log, 0o666);
  const wrapper = join(dir, "log-wrapper");
  writeFileSync(
    wrapper,
    `#!/bin/bash\nprintf '%s\\0' "$#" "$@" >> ${shellQuote(log)}\nexec -a "$2" "$1" "\${@:3}"\n`,
    { mode: 0o755 },
  );
  const sandbox: Sandbox = {
    dir,
    wrapper,
    routed: () => parseLog(readFileSync(log, "utf8")),
    clearLog: () => writeFileSync(log, ""),
    env: (extra = {}) => ({ ...process.env, LD_PRELOAD: interposerPath, EXEC_WRAPPER: wrapper, ...extra }),
    run: (program, args, options = {}) =>
      spawnSync(program, args, {
        encoding: "utf8",
        env: options.env ?? sandbox.env(),
        cwd: options.cwd ?? dir,
        input: options.input ?? "",
        timeout: 20_000,
      }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return sandbox;
}

function parseLog(text: string): RoutedExec[] {
  const fields = text.split("\0");
  fields.pop(); // after the last terminator
  const records: RoutedExec[] = [];
  for (let at = 0; at < fields.length; ) {
    const count = Number(fields[at]);
    const args = fields.slice(at + 1, at + 1 + count);
    records.push({ file: args[0], argv: args.slice(1) });
    at += 1 + count;
  }
  return records;
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/** Compiles the exec probe (test/intercept/fixtures/exec-probe.c) into `dir`. */
export function compileProbe(dir: string, extraFlags: string[] = []): string {
  const output = join(dir, extraFlags.includes("-static") ? "exec-probe-static" : "exec-probe");
  const result = spawnSync(
    "cc",
    ["-Wall", "-Wextra", "-Werror", ...extraFlags, "-o", output, join(fixtures, "exec-probe.c")],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`cc failed: ${result.error ?? result.stderr}`);
  return output;
}

/** argv as the probe's `show` mode printed it. */
export function shownArgv(stdout: string): string[] {
  const fields = stdout.split("\0");
  fields.pop();
  return fields;
}

/** Whether `tool` is on PATH (checked without the interposer). */
export function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${shellQuote(tool)}`], { encoding: "utf8" }).status === 0;
}
