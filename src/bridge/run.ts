/**
 * `bridge.run`: one shell command, confined by the platform sandbox, with
 * every exec inside it decided by the bridge.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { z } from "zod";
import { BridgeError, describeError, UnsupportedOperationError } from "../errors.js";
import { resourceLimitsSchema, type LimitName, type LimitReport, type ResourceLimits } from "../limits/index.js";
import type { NetworkEvent, NetworkProxy } from "../network/index.js";
import {
  applyEnvPolicy,
  collectLimitReport,
  envPolicySchema,
  prepareSandboxedCommand,
  type EnvPolicy,
  type SandboxCommandOptions,
  type SandboxedChildProcess,
} from "../platform/index.js";
import { checkWritableRootsExist, hasFullNetworkAccess, policyFromInput, type SandboxPolicyInput } from "../policy/index.js";
import { RULES_ENVIRONMENT } from "../rules/index.js";
import { PausableDeadline } from "./deadline.js";
import { MAX_RUN_DECISION_BYTES, MAX_RUN_DECISIONS, retainedBytes } from "./limits.js";
import type { ChannelSource } from "./channel.js";
import { startRunProxy, type RunNetworkOptions } from "./run-network.js";
import { commandStdio, type CommandStdio } from "./stdio-pipes.js";
import type { ExecDecisionRecord } from "./types.js";
import { startWatchdog, type Watchdog } from "./watchdog.js";

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
  /**
   * The sandbox policy the shell and everything it starts run under: parsed,
   * a literal in either spelling, or Codex JSON text. A writable root that
   * does not exist is an error.
   */
  policy: SandboxPolicyInput;
  /**
   * Kill the command after this many ms (a positive integer up to 2³¹−1);
   * time spent deciding an exec does not count. Default: no limit.
   */
  timeoutMs?: number;
  /** Aborting kills everything the command started. */
  signal?: AbortSignal;
  /** Output as it arrives, every chunk (also past `maxBuffer`). An exception here becomes a `callback-failed` error event. */
  onOutput?: (output: ShellOutput) => void;
  /** The environment to start from (default `process.env`), filtered by `envPolicy`; the bridge's variables are added. */
  env?: NodeJS.ProcessEnv;
  /** Which of `env` reaches the command. Default: everything but names matching `*KEY*`, `*SECRET*`, `*TOKEN*`. */
  envPolicy?: EnvPolicy;
  /** Written to the command's stdin, which then ends (implies `stdin: "pipe"`). */
  input?: string | Uint8Array | Readable;
  /**
   * The command's stdin: "ignore" (default without `input`: /dev/null),
   * "pipe" (write to the returned run's `stdin`, or give `input`), "inherit"
   * (the host's own stdin).
   */
  stdin?: "ignore" | "pipe" | "inherit";
  /** The most bytes collected per stream (default 64 MiB); past it the result says `truncated`. */
  maxBuffer?: number;
  /** Collect output into the result (default true); false leaves `stdout`, `stderr` and `all` empty. */
  buffer?: boolean;
  /** Passed to `requestApproval` with every prompt of this command (default: a fresh UUID per exec). */
  callId?: string;
  /** Further options of the platform sandbox (protected names, Unix sockets the command may reach, Linux requirement levels). */
  sandbox?: Pick<SandboxCommandOptions, "protectedNames" | "linux" | "allowUnixSockets">;
  /** Resource limits of the whole run (SPEC §12); a pids limit of 4,096 applies by default where it can. */
  limits?: ResourceLimits;
  /**
   * The network through a proxy started for this run (SPEC §11), when the
   * policy grants network: allow and deny lists (either spelling), joined by
   * the rules' `network_rule`s; misses go to `decide` or `requestApproval`.
   */
  network?: RunNetworkOptions;
}

export interface ShellRunResult {
  /** The shell's exit status; null when it was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they arrived. */
  all: string;
  /** Some output was not collected because a stream passed `maxBuffer`. */
  truncated: boolean;
  /** Killed because `timeoutMs` ran out. */
  timedOut: boolean;
  /** The limit the kernel enforced on the run (why it ended), or null. The exit status is still the command's own. */
  limitExceeded: LimitName | null;
  /** Limits asked for only where possible (the default pids limit) that this host could not enforce. */
  limitsNotEnforced: LimitReport["notEnforced"];
  /** Killed because the host's signal fired or a person answered `abort`. */
  aborted: boolean;
  /** Wall time from start to exit, time spent deciding included. */
  durationMs: number;
  /**
   * The execs decided for this command, in the order the decisions were made:
   * every one, or the first 10 000 (fewer when their argument lists pass 16 MiB together).
   */
  decisions: ExecDecisionRecord[];
  /** Every connection through the run's network proxy, allowed or refused, as each ended. */
  network: NetworkEvent[];
  /** How many decisions came after those listed and are not in `decisions` (the host's `onEvent` saw each one). */
  decisionsOmitted: number;
  /** Null when every exec was asked; otherwise which execs ran without asking (only with `approvals: "best-effort"`). */
  unasked: string | null;
}

/** A running command: the promise of its result, and its stdin when `stdin: "pipe"` was asked for without `input`. */
export type ShellRun = Promise<ShellRunResult> & { stdin: Writable | null };

export const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** After the shell exits, how long output may stay silent before pipes held by an escaped process are given up. */
const OUTPUT_IDLE_MS = 250;
/** How long the watchdog may take to kill what is left. */
const WATCHDOG_WAIT_MS = 2000;
/** How long a supervised run has to end by itself after an abort answer, before its process group is killed. */
const ABORT_GRACE_MS = 1000;
/**
 * How long a run waits, once the launcher has exited, for the end of its
 * supervisor's session: its socket closes with the launcher, so this only
 * bounds a host too busy to read it.
 */
const SESSION_END_WAIT_MS = 500;
/** The launcher's report descriptor: the first after stdio. */
const REPORT_FD = 3;

const isReadable = (value: unknown): value is Readable =>
  typeof value === "object" && value !== null && typeof (value as Readable).pipe === "function" && typeof (value as Readable).on === "function";

const noNul = (what: string) => z.string().refine((s) => !s.includes("\0"), { error: `${what} must not contain NUL characters` });

const runOptionsSchema = z.object({
  script: noNul("the script"),
  shell: noNul("the shell").min(1).optional(),
  cwd: noNul("the working directory").min(1),
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS, { error: `must be at most 2^31-1 (${MAX_TIMEOUT_MS})` }).optional(),
  signal: z.instanceof(AbortSignal).optional(),
  onOutput: z.function().optional(),
  // process.env is no plain object, so only the kind of value is checked here.
  env: z.custom<NodeJS.ProcessEnv>((value) => typeof value === "object" && value !== null && !Array.isArray(value), { error: "must be an object" }).optional(),
  envPolicy: envPolicySchema.optional(),
  input: z.union([z.string(), z.instanceof(Uint8Array), z.custom<Readable>(isReadable)]).optional(),
  stdin: z.enum(["ignore", "pipe", "inherit"]).optional(),
  maxBuffer: z.number().int().min(0).optional(),
  buffer: z.boolean().optional(),
  callId: z.string().optional(),
  limits: resourceLimitsSchema.optional(),
  network: z.custom<RunNetworkOptions>((value) => typeof value === "object" && value !== null && !Array.isArray(value), { error: "must be an object" }).optional(),
});

function checkOptions(options: ShellRunOptions): void {
  if (typeof options !== "object" || options === null) throw new BridgeError("bridge.run: options must be an object");
  const checked = runOptionsSchema.safeParse(options);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new BridgeError(`bridge.run: ${issue.path.join(".")}: ${issue.message}`);
  }
  if (options.input !== undefined && options.stdin !== undefined && options.stdin !== "pipe") {
    throw new BridgeError(`bridge.run: input needs stdin "pipe", not "${options.stdin}"`);
  }
  if (!statSync(options.cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new BridgeError(`the working directory ${options.cwd} is not a directory`);
  }
}

/** Output collected up to a byte budget per stream, and the arrival order for `all`. */
class Collector {
  readonly #budget: number;
  readonly #kept = { stdout: 0, stderr: 0 };
  readonly #pieces: Array<{ stream: "stdout" | "stderr"; data: Buffer }> = [];
  truncated = false;

  constructor(budget: number) {
    this.#budget = budget;
  }

  add(stream: "stdout" | "stderr", data: Buffer): void {
    const room = this.#budget - this.#kept[stream];
    if (data.length > room) this.truncated = true;
    const kept = data.length > room ? data.subarray(0, room) : data;
    if (kept.length === 0) return;
    this.#kept[stream] += kept.length;
    this.#pieces.push({ stream, data: kept });
  }

  text(): { stdout: string; stderr: string; all: string } {
    const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    const parts = { stdout: [] as string[], stderr: [] as string[], all: [] as string[] };
    for (const { stream, data } of this.#pieces) {
      const text = decoders[stream].write(data);
      parts[stream].push(text);
      parts.all.push(text);
    }
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = decoders[stream].end();
      parts[stream].push(rest);
      parts.all.push(rest);
    }
    return { stdout: parts.stdout.join(""), stderr: parts.stderr.join(""), all: parts.all.join("") };
  }
}

/**
 * Resolves once both streams ended, or once they have been silent for
 * OUTPUT_IDLE_MS after `exited`: a process that escaped the kill (see the
 * watchdog) may hold the pipes open forever, and its output is not waited for.
 */
function outputDone(streams: Readable[], exited: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    let open = streams.length;
    let idle: NodeJS.Timeout | undefined;
    let afterExit = false;
    const finish = () => {
      clearTimeout(idle);
      for (const stream of streams) stream.destroy();
      resolve();
    };
    const rearm = () => {
      if (!afterExit) return;
      clearTimeout(idle);
      idle = setTimeout(finish, OUTPUT_IDLE_MS);
    };
    for (const stream of streams) {
      stream.on("data", rearm);
      stream.once("close", () => {
        open -= 1;
        if (open === 0) finish();
      });
    }
    void exited.then(() => {
      afterExit = true;
      if (open > 0) rearm();
    });
  });
}

function feedStdin(stdin: Writable | null, input: ShellRunOptions["input"], pipe: PassThrough | null): void {
  if (stdin === null) return;
  // A command that stops reading (or never starts) is no error of the host's.
  stdin.on("error", () => {});
  if (pipe !== null) pipe.pipe(stdin);
  else if (isReadable(input)) input.pipe(stdin);
  else stdin.end(input);
}

export function runShellCommand(bridge: ChannelSource, options: ShellRunOptions): ShellRun {
  const wantsPipe = options.input === undefined && options.stdin === "pipe";
  const stdinPipe = wantsPipe ? new PassThrough() : null;
  const running = execute(bridge, options, stdinPipe);
  if (stdinPipe !== null) void running.catch(() => stdinPipe.destroy());
  return Object.assign(running, { stdin: stdinPipe });
}

async function execute(bridge: ChannelSource, options: ShellRunOptions, stdinPipe: PassThrough | null): Promise<ShellRunResult> {
  const started = performance.now();
  checkOptions(options);
  if (bridge.closed) throw new BridgeError("the exec bridge is closed");
  const policy = policyFromInput(options.policy);
  checkWritableRootsExist(policy);
  const env = applyEnvPolicy(options.env ?? process.env, options.envPolicy);
  // On Linux the exec supervisor lives in the launcher, which a policy without a sandbox starts with the supervisor alone.
  const supervised = bridge.interception !== null;
  let unasked: string | null = null;
  if (!supervised) {
    const why = `no mechanism on this host intercepts the execs of ${options.shell ?? "bash"} (${process.platform})`;
    if (bridge.approvals !== "best-effort") {
      throw new UnsupportedOperationError(`${why}, so exec rules cannot be enforced; nothing was run (to run anyway: the bridge option approvals: "best-effort", or cordon shell --approvals best-effort)`);
    }
    unasked = `every exec: ${why}`;
  }

  const decisions: ExecDecisionRecord[] = [];
  const network: NetworkEvent[] = [];
  let decisionBytes = 0;
  let decisionsOmitted = 0;
  const empty = { stdout: "", stderr: "", all: "", truncated: false };
  if (options.signal?.aborted) {
    return {
      exitCode: null,
      signal: null,
      ...empty,
      timedOut: false,
      limitExceeded: null,
      limitsNotEnforced: [],
      aborted: true,
      durationMs: 0,
      decisions,
      decisionsOmitted,
      network,
      unasked,
    };
  }
  let timedOut = false;
  let aborted = false;
  let pending = 0;
  let child: ChildProcess | undefined;
  let watchdog: Watchdog | undefined;
  let deadline: PausableDeadline | undefined;
  // `grace`: how long the run may take to end by itself first (a supervised abort, which the launcher's supervisor
  // carries out before the refused exec returns, so that the shell runs nothing after it).
  const stop = (why: "timeout" | "abort", grace = 0) => {
    if (why === "timeout") timedOut = true;
    else aborted = true;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (grace > 0) {
      const running = child;
      setTimeout(() => running.exitCode === null && running.signalCode === null && stop(why), grace).unref();
      return;
    }
    const group = -child.pid;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(group, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    if (watchdog === undefined) return signalGroup("SIGKILL");
    // Stopped, not killed, until the watchdog has walked the tree: a parent that died now would orphan its setsid children.
    signalGroup("SIGSTOP");
    watchdog.killTree();
    // Should the watchdog fail, the group must not stay stopped: the host kills what it can reach itself.
    const running = child;
    setTimeout(() => running.exitCode === null && running.signalCode === null && signalGroup("SIGKILL"), WATCHDOG_WAIT_MS).unref();
  };

  const shellCommand = [options.shell ?? "bash", "-c", options.script];
  const channel = await bridge.openChannel(
    {
      launch: supervised ? shellCommand : undefined,
      onDeciding(startedDeciding) {
        pending += startedDeciding ? 1 : -1;
        if (pending === 1 && startedDeciding) deadline?.pause();
        if (pending === 0) deadline?.resume();
      },
      onDecision(decision) {
        // The first ones are kept, so that the list stays a prefix of what happened.
        const bytes = retainedBytes(decision);
        const fits = decisions.length < MAX_RUN_DECISIONS && decisionBytes + bytes <= MAX_RUN_DECISION_BYTES;
        if (decisionsOmitted === 0 && fits) {
          decisions.push(decision);
          decisionBytes += bytes;
        } else {
          decisionsOmitted++;
        }
        if (decision.abort) stop("abort", supervised ? ABORT_GRACE_MS : 0);
      },
    },
    options.callId,
  );
  const callbackFailed = new Set<string>();
  const callbackThrew = (name: string, error: unknown) => {
    // One event per callback and run: a callback that throws on every chunk must not flood the host.
    if (callbackFailed.has(name)) return;
    callbackFailed.add(name);
    channel.report({ type: "error", kind: "callback-failed", message: `${name} threw: ${describeError(error)}`, peer: null });
  };
  const onAbort = () => stop("abort");
  let proxy: NetworkProxy | undefined;
  let stdio: CommandStdio | undefined;
  const signals = [options.signal, bridge.closingSignal].filter((signal) => signal !== undefined);
  try {
    // No network in the policy wins: then there is no proxy either.
    if (options.network !== undefined && hasFullNetworkAccess(policy)) {
      proxy = await startRunProxy(options.network, bridge.networkApprover, {
        callId: options.callId ?? randomUUID(),
        cwd: options.cwd,
        onEvent: (event) => {
          network.push(event);
          channel.report({ type: "network", event });
        },
        onAbort,
        // A person deciding about the network stops the clock too.
        onDeciding: (started) => {
          pending += started ? 1 : -1;
          if (pending === 1 && started) deadline?.pause();
          if (pending === 0) deadline?.resume();
        },
        onError: (error) => callbackThrew("network decide", error),
      });
    }
    // Supervised, the command learns nothing of the bridge: no variable, no socket it may reach. Otherwise a
    // shell that honours EXEC_WRAPPER is told where to ask. Either way the bridge's state is read-only inside,
    // so that nothing there can replace the socket the supervisor asks, or any other bridge's files.
    const bridgeAccess = supervised
      ? { env, execSocket: channel.socketPath, execSession: true, execEnvironment: RULES_ENVIRONMENT }
      : { env: { ...env, ...channel.env }, allowUnixSockets: [channel.socketPath, ...(options.sandbox?.allowUnixSockets ?? [])] };
    const command = prepareSandboxedCommand(shellCommand, policy, {
      ...options.sandbox,
      ...bridgeAccess,
      readOnlyPaths: [channel.stateDir],
      cwd: options.cwd,
      limits: options.limits,
      reportFd: REPORT_FD,
      networkProxy: proxy,
    });
    const stdinMode = options.input !== undefined || stdinPipe !== null ? "pipe" : (options.stdin ?? "ignore");
    stdio = commandStdio(stdinMode);
    // Only the launcher gets the report pipe (limits): a shell run directly must not inherit it.
    const launched = command.args.includes("--report-fd");
    let spawned: SandboxedChildProcess;
    try {
      spawned = spawn(command.program, command.args, {
        cwd: options.cwd,
        env: command.env,
        stdio: launched ? [...stdio.childStdio, "pipe"] : stdio.childStdio,
        // Its own process group, so a timeout or an abort reaches everything it started.
        detached: true,
      });
    } catch (error) {
      stdio.destroy();
      throw error;
    }
    stdio.releaseChildEnds();
    child = spawned;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      spawned.once("error", reject);
      spawned.once("exit", (code, signalName) => resolve([code, signalName]));
    });
    // The launcher ends everything of a supervised run itself (its PID namespace, or a subreaper) and dies with
    // the host; elsewhere a watchdog does what it can.
    if (spawned.pid !== undefined && !supervised) watchdog = startWatchdog(spawned.pid);
    feedStdin(stdio.stdin, options.input, stdinPipe);
    for (const signal of signals) signal.addEventListener("abort", onAbort, { once: true });
    // Either may have fired while the channel was opening, before anything listened.
    if (signals.some((signal) => signal.aborted)) stop("abort");
    if (options.timeoutMs !== undefined) deadline = new PausableDeadline(options.timeoutMs, () => stop("timeout"));

    const collector = new Collector(options.maxBuffer ?? DEFAULT_MAX_BUFFER);
    const collect = options.buffer !== false;
    for (const stream of ["stdout", "stderr"] as const) {
      const decoder = new StringDecoder("utf8");
      const emit = (chunk: string) => {
        if (chunk.length === 0 || options.onOutput === undefined) return;
        try {
          options.onOutput({ stream, chunk });
        } catch (error) {
          callbackThrew("onOutput", error);
        }
      };
      stdio[stream].on("data", (data: Buffer) => {
        if (collect) collector.add(stream, data);
        emit(decoder.write(data));
      });
      stdio[stream].on("end", () => emit(decoder.end()));
    }
    const output = outputDone([stdio.stdout, stdio.stderr], exited.catch(() => {}));
    const report = launched ? collectLimitReport(spawned, REPORT_FD) : Promise.resolve();
    const [exitCode, signal] = await exited;
    deadline?.cancel();
    // A background job still running when the shell ends is killed with the rest of the group.
    await watchdog?.finish(WATCHDOG_WAIT_MS);
    await output;
    await report;
    // Every record the supervisor sent is in the socket before its exec ran: read them all, killed run or not.
    await channel.sessionsEnded(SESSION_END_WAIT_MS);
    const text = collect ? collector.text() : empty;
    const limitExceeded = spawned.limitExceeded ?? null;
    const limitsNotEnforced = spawned.limitsNotEnforced ?? [];
    return {
      exitCode,
      signal,
      ...text,
      truncated: collector.truncated,
      timedOut,
      limitExceeded,
      limitsNotEnforced,
      aborted,
      durationMs: performance.now() - started,
      decisions,
      decisionsOmitted,
      network,
      unasked,
    };
  } finally {
    deadline?.cancel();
    for (const signal of signals) signal.removeEventListener("abort", onAbort);
    if (child !== undefined && child.exitCode === null && child.signalCode === null) stop("abort");
    await watchdog?.finish(WATCHDOG_WAIT_MS);
    await proxy?.close();
    // The command is gone: a stdin the host still writes to would only hold a descriptor.
    stdio?.stdin?.destroy();
    await channel.close();
  }
}
