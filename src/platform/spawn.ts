/** Spawning a command under a policy: `prepareSandboxedCommand` plus `child_process.spawn`. */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import type { SandboxPolicy } from "../policy/index.js";
import { prepareSandboxedCommand, type SandboxCommandOptions } from "./prepare.js";

export interface SpawnSandboxedOptions extends SandboxCommandOptions {
  /** As for `child_process.spawn` (default `"pipe"`). */
  stdio?: StdioOptions;
  /** Start the command in a process group of its own (to kill the whole group later). */
  detached?: boolean;
  /** Aborting kills the command (SIGTERM). */
  signal?: AbortSignal;
}

/**
 * Spawns `command` confined by `policy`. Throws before spawning anything when
 * the policy cannot be enforced here (UnsupportedOperationError) or the native
 * launcher is missing (NativeError). The child's exit code and signal are the
 * command's own.
 */
export function spawnSandboxed(command: string[], policy: SandboxPolicy, options: SpawnSandboxedOptions): ChildProcess {
  const { program, args, env } = prepareSandboxedCommand(command, policy, options);
  return spawn(program, args, {
    cwd: options.cwd,
    env,
    stdio: options.stdio,
    detached: options.detached,
    signal: options.signal,
  });
}
