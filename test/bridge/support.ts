/** Shared pieces of the exec bridge tests: real wrappers, real sockets, scratch directories. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { nativeArtifactPath } from "../../src/native/index.js";
import { ExecBridge, type ExecBridgeEvent, type ExecBridgeSettings, type ExecDeciderOptions } from "../../src/bridge/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";

export const wrapperPath = nativeArtifactPath("cordon-exec-wrapper");

export interface ProcessResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (never rejects on a non-zero status). */
export async function runProgram(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<ProcessResult> {
  const result = await execa(file, args, { env: options.env, extendEnv: false, cwd: options.cwd, input: options.input, reject: false, stripFinalNewline: false });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Runs the native wrapper as `wrapper <file> <argv...>` with the bridge's variables. */
export function runWrapper(env: Record<string, string>, file: string, argv: string[], cwd?: string): Promise<ProcessResult> {
  return runProgram(wrapperPath, [file, ...argv], { env: { PATH: process.env.PATH, ...env }, cwd });
}

export function scratchDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "cordon-bridge-test-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A bridge that records its events (its wrappers are run directly, or its runs supervised). */
export async function startBridge(options: ExecDeciderOptions & Omit<ExecBridgeSettings, "onEvent">) {
  const events: ExecBridgeEvent[] = [];
  const bridge = await ExecBridge.start({ ...options, onEvent: (event) => events.push(event) });
  return { bridge, events, errors: () => events.filter((e) => e.type === "error") };
}

/** Sends raw bytes on a fresh connection; resolves to everything the server sent back before closing. */
export function rawExchange(socketPath: string, send: (socket: import("node:net").Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let received = "";
    socket.on("connect", () => send(socket));
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    socket.on("close", () => resolve(received));
    // The server may close while a long write is still going; what it answered is what counts.
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
  });
}

export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/** The JSON reply lines in `text`, parsed. */
export function replies(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Why a sandboxed shell with every exec intercepted cannot run on this host,
 * or null when it can (Linux, where the launcher's exec supervisor asks about every exec, and the sandbox usable).
 */
export function interceptedShellUnavailable(): string | null {
  if (process.platform !== "linux") return "the exec supervisor is Linux-only";
  try {
    prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "workspace-write" }), { cwd: process.cwd() });
  } catch (error) {
    return `the sandbox cannot run here: ${(error as Error).message}`;
  }
  return null;
}

/** Whether a process is gone (or only a zombie waiting to be reaped). */
export function isGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Polls `check` for up to about five seconds; the last answer counts. */
export async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
}

/** The `rule` a decision carries for a rule written at file:line. */
export const ruleAt = (file: string, line: number): string => `${file}:${line}`;

/** The reason of a deny made by the rule at file:line itself. */
export const deniedBy = (reason: string, file: string, line: number): string => `${reason} (rule ${file}:${line})`;

/**
 * A `sleep` the sandboxed script leaves behind, found on the host by its
 * unique duration: the sandbox has its own PID namespace, so a pid the
 * script prints names nothing on the host. `prefix` starts it another
 * way (`setsid `, `nohup `).
 */
export function uniqueSleep(prefix = ""): { command: string; running: () => boolean; gone: () => boolean } {
  const duration = `300.${String(process.hrtime.bigint() % 1_000_000_000n).padStart(9, "0")}`;
  const pids = () =>
    readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          return readFileSync(`/proc/${entry}/cmdline`, "utf8") === `sleep\0${duration}\0`;
        } catch {
          return false;
        }
      });
  return {
    // Backgrounded, then waited for until it is sleep (no longer the forked shell).
    command: `${prefix}sleep ${duration} & until read -r c < /proc/$!/comm && [ "$c" = sleep ]; do :; done;`,
    running: () => pids().some((pid) => !isGone(Number(pid))),
    gone: () => pids().every((pid) => isGone(Number(pid))),
  };
}
