/** Runs real commands under the sandbox for the tests, and the probe helper that tries system calls. */
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { landlockAbi } from "../../src/native/index.js";
import { spawnSandboxed, type SpawnSandboxedOptions } from "../../src/platform/index.js";
import type { SandboxPolicy } from "../../src/policy/index.js";

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output and waits for it to close. */
export function outcomeOf(child: ChildProcess): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runSandboxed(command: string[], policy: SandboxPolicy, options: SpawnSandboxedOptions): Promise<Outcome> {
  return outcomeOf(spawnSandboxed(command, policy, { stdio: ["ignore", "pipe", "pipe"], ...options }));
}

const probeScript = join(dirname(fileURLToPath(import.meta.url)), "probe.py");

/** A probe operation: [name, ...arguments]; see probe.py. */
export type Operation = [string, ...string[]];

/** Runs each operation inside the sandbox; returns "OK" or the errno name of each. */
export async function probe(operations: Operation[], policy: SandboxPolicy, options: SpawnSandboxedOptions): Promise<string[]> {
  const outcome = await runSandboxed(["python3", probeScript, JSON.stringify(operations)], policy, options);
  if (outcome.code !== 0) {
    throw new Error(`probe failed (${outcome.code ?? outcome.signal}): ${outcome.stderr}`);
  }
  return JSON.parse(outcome.stdout) as string[];
}

/** Why the Linux launcher cannot confine anything on this host, or null when it can. */
export function unsupportedReason(): string | null {
  if (process.platform !== "linux") return "the Linux launcher runs only on Linux";
  const probe = landlockAbi();
  if (probe.abi < 3) return `this host's Landlock cannot confine writes (ABI ${probe.abi}${probe.reason ? `: ${probe.reason}` : ""})`;
  return null;
}
