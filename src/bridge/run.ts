/**
 * `bridge.run`: one shell command, confined by the platform sandbox, with
 * every exec inside it decided by the bridge.
 */
import type { ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { BridgeError } from "../errors.js";
import { spawnSandboxed, type SandboxCommandOptions } from "../platform/index.js";
import type { SandboxPolicy } from "../policy/index.js";
import { PausableDeadline } from "./deadline.js";
import type { Channel, ChannelHooks } from "./server.js";
import type { ExecDecisionRecord } from "./types.js";

export interface ShellOutput {
  stream: "stdout" | "stderr";
  /** Decoded as UTF-8; a character split across reads arrives whole in the later chunk. */
  chunk: string;
}

export interface ShellRunOptions {
  /** The script, passed to the shell as `-c <script>`, never re-quoted. */
  script: string;
  /** The shell to run it with: a name looked up in PATH or an absolute path. Default "bash". */
  shell?: string;
  /** The working directory (writable under a workspace-write policy). */
  cwd: string;
  /** The sandbox policy the shell and everything it starts run under. */
  policy: SandboxPolicy;
  /** Kill the command after this many ms; time spent deciding an exec does not count. Default: no limit. */
  timeoutMs?: number;
  /** Aborting kills the command's whole process group. */
  signal?: AbortSignal;
  /** Output as it arrives. */
  onOutput?: (output: ShellOutput) => void;
  /** The environment to start from (default `process.env`); the bridge's variables are added. */
  env?: NodeJS.ProcessEnv;
  /** Passed to `requestApproval` with every prompt of this command (default: a fresh UUID per exec). */
  callId?: string;
  /** Further options of the platform sandbox (protected names, Linux requirement levels). */
  sandbox?: Pick<SandboxCommandOptions, "protectedNames" | "linux">;
}

export interface ShellRunResult {
  /** The shell's exit status; null when it was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed because `timeoutMs` ran out. */
  timedOut: boolean;
  /** Killed because the host's signal fired or a person answered `abort`. */
  aborted: boolean;
  /** Wall time from start to exit, time spent deciding included. */
  durationMs: number;
  /** Every exec decided for this command, in the order the decisions were made. */
  decisions: ExecDecisionRecord[];
}

export interface ChannelSource {
  openChannel(hooks: ChannelHooks, callId?: string): Promise<Channel>;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already gone.
  }
}

export async function runShellCommand(bridge: ChannelSource, options: ShellRunOptions): Promise<ShellRunResult> {
  const started = performance.now();
  const decisions: ExecDecisionRecord[] = [];
  let timedOut = false;
  let aborted = false;
  let pending = 0;
  let child: ChildProcess | undefined;
  let deadline: PausableDeadline | undefined;
  const stop = (why: "timeout" | "abort") => {
    if (why === "timeout") timedOut = true;
    else aborted = true;
    if (child) killGroup(child);
  };

  if (!statSync(options.cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new BridgeError(`the working directory ${options.cwd} is not a directory`);
  }
  if (options.signal?.aborted) {
    return { exitCode: null, signal: null, stdout: "", stderr: "", timedOut, aborted: true, durationMs: 0, decisions };
  }
  const channel = await bridge.openChannel(
    {
      onDeciding(startedDeciding) {
        pending += startedDeciding ? 1 : -1;
        if (pending === 1 && startedDeciding) deadline?.pause();
        if (pending === 0) deadline?.resume();
      },
      onDecision(decision) {
        decisions.push(decision);
        if (decision.abort) stop("abort");
      },
    },
    options.callId,
  );
  const onAbort = () => stop("abort");
  try {
    child = spawnSandboxed([options.shell ?? "bash", "-c", options.script], options.policy, {
      ...options.sandbox,
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), ...channel.env },
      allowUnixSockets: [channel.socketPath],
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so a timeout or an abort reaches everything it started.
      detached: true,
    });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeoutMs !== undefined) deadline = new PausableDeadline(options.timeoutMs, () => stop("timeout"));

    const collected = { stdout: "", stderr: "" };
    for (const stream of ["stdout", "stderr"] as const) {
      const decoder = new StringDecoder("utf8");
      const emit = (chunk: string) => {
        if (chunk.length === 0) return;
        collected[stream] += chunk;
        options.onOutput?.({ stream, chunk });
      };
      child[stream]!.on("data", (data: Buffer) => emit(decoder.write(data)));
      child[stream]!.on("end", () => emit(decoder.end()));
    }
    const running = child;
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      running.once("error", reject);
      running.once("close", (code, signalName) => resolve([code, signalName]));
    });
    return { exitCode, signal, ...collected, timedOut, aborted, durationMs: performance.now() - started, decisions };
  } finally {
    deadline?.cancel();
    options.signal?.removeEventListener("abort", onAbort);
    await channel.close();
  }
}
