/** Spawning a command under a policy: `prepareSandboxedCommand` plus `child_process.spawn`. */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { parseLimitReport, type LimitName, type LimitReport } from "../limits/index.js";
import { checkWritableRootsExist, policyFromInput, type SandboxPolicyInput } from "../policy/index.js";
import { applyEnvPolicy, type EnvPolicy } from "./environment.js";
import type { CommandArgument } from "./exact-command.js";
import { prepareSandboxedCommand, type SandboxCommandOptions } from "./prepare.js";

export interface SpawnSandboxedOptions extends SandboxCommandOptions {
  /**
   * Which of `env` (default `process.env`) reaches the command; the default
   * passes everything but names matching `*KEY*`, `*SECRET*`, `*TOKEN*`.
   */
  envPolicy?: EnvPolicy;
  /** As for `child_process.spawn` (default `"pipe"`). */
  stdio?: StdioOptions;
  /** Start the command in a process group of its own (to kill the whole group later). */
  detached?: boolean;
  /** Aborting kills the command (SIGTERM). */
  signal?: AbortSignal;
}

/** The child of `spawnSandboxed`: what its launcher reported is set before `"close"` is emitted. */
export interface SandboxedChildProcess extends ChildProcess {
  /** The limit the kernel enforced on the run (why it ended), once the child has closed; null when none. */
  limitExceeded?: LimitName | null;
  /** Limits asked for only where possible (the default pids limit) that this host could not enforce. */
  limitsNotEnforced?: LimitReport["notEnforced"];
}

/** `stdio` as an array of at least three entries, with one more pipe at the end for the launcher's report. */
function withReportPipe(stdio: StdioOptions | undefined): { stdio: StdioOptions; reportFd: number } {
  const entries = Array.isArray(stdio) ? [...stdio] : [stdio ?? "pipe", stdio ?? "pipe", stdio ?? "pipe"];
  while (entries.length < 3) entries.push("pipe");
  return { stdio: [...entries, "pipe"], reportFd: entries.length };
}

/**
 * Spawns `command` confined by `policy` (parsed, a literal in either
 * spelling, or Codex JSON text). Throws before spawning anything when the
 * policy is malformed or names a writable root that does not exist
 * (PolicyError), cannot be enforced here (UnsupportedOperationError), or the
 * native launcher is missing (NativeError). The child's exit code and signal
 * are the command's own.
 */
export function spawnSandboxed(command: readonly CommandArgument[], policy: SandboxPolicyInput, options: SpawnSandboxedOptions): SandboxedChildProcess {
  const parsed = policyFromInput(policy);
  checkWritableRootsExist(parsed);
  const env = applyEnvPolicy(options.env ?? process.env, options.envPolicy);
  const { stdio, reportFd } = withReportPipe(options.stdio);
  const prepared = prepareSandboxedCommand(command, parsed, { ...options, env, reportFd });
  // Only the launcher gets the report pipe: a command run directly must not inherit it.
  const launched = prepared.args.includes("--report-fd");
  const child: SandboxedChildProcess = spawn(prepared.program, prepared.args, {
    cwd: options.cwd,
    env: prepared.env,
    stdio: launched ? stdio : options.stdio,
    detached: options.detached,
    signal: options.signal,
  });
  if (launched) void collectLimitReport(child, reportFd);
  return child;
}

/**
 * Reads the launcher's report on descriptor `fd` of `child` (a pipe the
 * spawn made): its result is on the child before it emits "close". A child
 * that started no launcher leaves the pipe unwritten: no limit, none missed.
 */
export function collectLimitReport(child: SandboxedChildProcess, fd: number): Promise<void> {
  const pipe = child.stdio[fd];
  if (!pipe) return Promise.resolve();
  const chunks: Buffer[] = [];
  let size = 0;
  pipe.on("data", (chunk: Buffer) => {
    // A few short lines at most: anything longer is not the launcher's.
    if (size < 4096) chunks.push(chunk);
    size += chunk.length;
  });
  return new Promise((resolve) => {
    const settle = () => {
      const report = parseLimitReport(Buffer.concat(chunks).toString("utf8"));
      child.limitExceeded = report.limitExceeded;
      child.limitsNotEnforced = report.notEnforced;
      resolve();
    };
    pipe.once("end", settle);
    pipe.once("error", settle);
  });
}
