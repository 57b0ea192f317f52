/** Spawning a command under a policy: `prepareSandboxedCommand` plus `child_process.spawn`. */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
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

/**
 * Spawns `command` confined by `policy` (parsed, a literal in either
 * spelling, or Codex JSON text). Throws before spawning anything when the
 * policy is malformed or names a writable root that does not exist
 * (PolicyError), cannot be enforced here (UnsupportedOperationError), or the
 * native launcher is missing (NativeError). The child's exit code and signal
 * are the command's own.
 */
export function spawnSandboxed(command: readonly CommandArgument[], policy: SandboxPolicyInput, options: SpawnSandboxedOptions): ChildProcess {
  const parsed = policyFromInput(policy);
  checkWritableRootsExist(parsed);
  const env = applyEnvPolicy(options.env ?? process.env, options.envPolicy);
  const prepared = prepareSandboxedCommand(command, parsed, { ...options, env });
  return spawn(prepared.program, prepared.args, {
    cwd: options.cwd,
    env: prepared.env,
    stdio: options.stdio,
    detached: options.detached,
    signal: options.signal,
  });
}
