/** The exec bridge server (SPEC §5): per-exec decisions for programs started by this host. */
import { z } from "zod";
import { APPROVAL_POLICIES } from "../approval/index.js";
import { BridgeError, describeError } from "../errors.js";
import { requireNativeExecutable } from "../native/index.js";
import { RULES_ENVIRONMENT } from "../rules/index.js";
import { bridgeEnvironment } from "./environment.js";
import { fromHostDecide, type HostDecide } from "./host-decider.js";
import { fromRules, type Decide, type RulesDecisionOptions } from "./rules-decider.js";
import { listenExecSocket, type Listener } from "./listener.js";
import { writeNodeWrapper } from "./node-wrapper.js";
import { createPrivateDir, socketPathIn, type PrivateDir } from "./private-dir.js";
import { runShellCommand, type ShellRun, type ShellRunOptions } from "./run.js";
import type { Channel, ChannelHooks } from "./channel.js";
import type { NetworkApprover } from "./run-network.js";
import type { DecisionOutcome, ExecBridgeEvent } from "./types.js";

/** The native wrapper node-gyp builds. */
export const NATIVE_WRAPPER_NAME = "cordon-exec-wrapper";

/**
 * How each exec is decided: the host's own `decide` (throwing, or answering
 * anything but the two shapes, denies and reports an error event), or
 * exec-policy rules with an approval policy and a `requestApproval` that asks
 * a person.
 */
export type ExecDeciderOptions = ({ decide: HostDecide } & { [K in keyof RulesDecisionOptions]?: never }) | (RulesDecisionOptions & { decide?: never });

export type ExecBridgeOptions = ExecDeciderOptions & ExecBridgeSettings;

export interface ExecBridgeSettings {
  /**
   * Where the bridge keeps its sockets: the parent of the per-user 0700 base
   * directory (`cordon-<uid>`) that holds each bridge's private directory.
   * Default: `$XDG_RUNTIME_DIR` when it is a private directory of this user,
   * `/run` for root, the OS temporary directory otherwise. The base is
   * read-only inside every run.
   */
  socketDir?: string;
  /**
   * Decisions and errors, as they happen. An exception thrown here is
   * reported once more as a `callback-failed` error event, and otherwise
   * changes nothing.
   */
  onEvent?: (event: ExecBridgeEvent) => void;
  /** How long a peer may take to send its request line. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** "native" (default): the C wrapper. "node": the cordon CLI in wrapper mode (slower; for hosts that are their own wrapper). */
  wrapper?: "native" | "node";
  /**
   * "required" (default): `run` refuses with UnsupportedOperationError when
   * nothing on this host can intercept a stock shell's execs (a platform
   * without the Linux exec supervisor, or a policy that runs no sandbox
   * launcher), since the rules would decide nothing. "best-effort": run anyway; the result's `unasked`
   * says which execs went unasked.
   */
  approvals?: "required" | "best-effort";
}

/** The outcome for the run's own command (see ChannelHooks.launch). */
const LAUNCH: DecisionOutcome = { action: "run", reason: null, source: "launch", approvalId: null, abort: false, justification: null, rule: null };

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

const settingsSchema = z.object({
  socketDir: z.string().optional(),
  onEvent: z.function().optional(),
  requestTimeoutMs: z.number().positive().finite().optional(),
  wrapper: z.enum(["native", "node"]).optional(),
  approvals: z.enum(["required", "best-effort"]).optional(),
  allowAnonymousExecutables: z.boolean().optional(),
});

function checkSettings(options: ExecBridgeSettings): void {
  const checked = settingsSchema.safeParse(options);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new BridgeError(`ExecBridge.start: ${issue.path.join(".")}: ${issue.message}`);
  }
}

function deciderFrom(options: ExecDeciderOptions): Decide {
  const rulesGiven = (["rules", "approvalPolicy", "requestApproval", "allowAnonymousExecutables"] as const).filter((key) => options[key] !== undefined);
  if (options.decide !== undefined) {
    if (rulesGiven.length > 0) {
      throw new BridgeError(`ExecBridge.start: give either decide or rules, not both (decide was given with ${rulesGiven.join(", ")})`);
    }
    if (typeof options.decide !== "function") throw new BridgeError("ExecBridge.start: decide must be a function");
    return fromHostDecide(options.decide);
  }
  if (options.rules !== undefined) {
    if (!APPROVAL_POLICIES.includes(options.approvalPolicy)) {
      throw new BridgeError(`ExecBridge.start: approvalPolicy must be one of ${APPROVAL_POLICIES.join(", ")}`);
    }
    return fromRules(options as RulesDecisionOptions);
  }
  throw new BridgeError("ExecBridge.start needs either a decide function or rules and an approvalPolicy");
}

export class ExecBridge {
  /** The socket the wrappers connect to. */
  readonly socketPath: string;
  readonly #dir: PrivateDir;
  readonly #decide: Decide;
  readonly #options: ExecBridgeOptions;
  readonly #wrapperPath: string;
  readonly #listeners = new Set<Listener>();
  /** The runs still going; close() aborts them and waits until each has settled. */
  readonly #runs = new Set<Promise<unknown>>();
  readonly #closingController = new AbortController();
  #channelCount = 0;
  #closing: Promise<void> | undefined;

  private constructor(fields: {
    dir: PrivateDir;
    socketPath: string;
    decide: Decide;
    options: ExecBridgeOptions;
    wrapperPath: string;
  }) {
    this.#dir = fields.dir;
    this.socketPath = fields.socketPath;
    this.#decide = fields.decide;
    this.#options = fields.options;
    this.#wrapperPath = fields.wrapperPath;
  }

  /** Creates the private directory, binds the socket and starts serving. */
  static async start(options: ExecBridgeOptions): Promise<ExecBridge> {
    checkSettings(options);
    const decide = deciderFrom(options);
    const nativeWrapper = options.wrapper === "node" ? null : requireNativeExecutable(NATIVE_WRAPPER_NAME);
    const dir = createPrivateDir(options.socketDir);
    try {
      const wrapperPath = nativeWrapper ?? writeNodeWrapper(dir);
      const bridge = new ExecBridge({
        dir,
        socketPath: socketPathIn(dir.path, "exec.sock"),
        decide,
        options,
        wrapperPath,
      });
      await bridge.#listen(bridge.socketPath);
      return bridge;
    } catch (error) {
      dir.remove();
      throw error;
    }
  }

  /** EXEC_WRAPPER, CORDON_EXEC_SOCKET and, for the Node wrapper, CORDON_EXEC_WRAPPER_MODE: for shells that honour EXEC_WRAPPER. */
  env(): Record<string, string> {
    return this.#envFor(this.socketPath);
  }

  /**
   * A socket of its own for one shell run, so its decisions (and the time
   * spent on them) are told apart from every other program's.
   */
  async openChannel(hooks: ChannelHooks, callId?: string): Promise<Channel> {
    const socketPath = socketPathIn(this.#dir.path, `run-${++this.#channelCount}.sock`);
    const listener = await this.#listen(socketPath, hooks, callId);
    return {
      socketPath,
      stateDir: this.#dir.base,
      env: this.#envFor(socketPath),
      report: (event) => this.#report(event),
      sessionsEnded: (timeoutMs) => listener.sessionsEnded(timeoutMs),
      close: async () => {
        this.#listeners.delete(listener);
        await listener.close();
      },
    };
  }

  /**
   * Runs `<shell> -c <script>` in the platform sandbox with every exec inside
   * it decided here (see ShellRunOptions). Throws, with nothing run, when the
   * policy cannot be enforced on this host.
   */
  run(options: ShellRunOptions): ShellRun {
    const running = runShellCommand(this, options);
    const settled = running.then(
      () => {},
      () => {},
    );
    this.#runs.add(settled);
    void settled.then(() => this.#runs.delete(settled));
    return running;
  }

  /**
   * Tells the exec supervisor of every run still going to drop the decisions
   * it kept (SPEC §5): the next exec of each program is asked again. For a
   * host whose `decide` has changed its mind about programs it said
   * `cache: "program"` for; execs the supervisor answered before it reads
   * this are already reported.
   */
  forgetKeptDecisions(): void {
    for (const listener of this.#listeners) listener.forgetKeptDecisions();
  }

  /** Fires when close() starts: every run still going ends as an abort. */
  get closingSignal(): AbortSignal {
    return this.#closingController.signal;
  }

  /**
   * How a stock shell's execs are intercepted in `run`, or null when nothing
   * here intercepts them: on Linux the launcher's exec supervisor (a seccomp
   * hook the command cannot reach), elsewhere nothing.
   */
  get interception(): string | null {
    return process.platform === "linux" ? "the exec supervisor" : null;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  get approvals(): "required" | "best-effort" {
    return this.#options.approvals ?? "required";
  }

  /** The rules' network_rules and the person asked about a run's network misses. */
  get networkApprover(): NetworkApprover {
    const { rules, approvalPolicy, requestApproval } = this.#options;
    return { rules, approvalPolicy, requestApproval };
  }

  /** Hands an event to the host's onEvent; an exception there becomes one more error event, and no more. */
  #report(event: ExecBridgeEvent): void {
    const onEvent = this.#options.onEvent;
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch (error) {
      if (event.type === "error" && event.kind === "callback-failed") return;
      try {
        onEvent({ type: "error", kind: "callback-failed", message: `onEvent threw: ${describeError(error)}`, peer: null });
      } catch {
        // It threw again; the host has been told as well as it can be.
      }
    }
  }

  /**
   * Ends every run still going (as an abort) and waits until each has settled;
   * then stops serving (wrappers still waiting fail closed) and removes the
   * sockets and the directory.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closingController.abort();
      await Promise.all(this.#runs);
      await Promise.all([...this.#listeners].map((listener) => listener.close()));
      this.#listeners.clear();
      this.#dir.remove();
    })();
    return this.#closing;
  }

  #envFor(socketPath: string): Record<string, string> {
    return bridgeEnvironment({
      socketPath,
      wrapperPath: this.#wrapperPath,
      nodeWrapper: this.#options.wrapper === "node",
      environmentNames: RULES_ENVIRONMENT,
    });
  }

  async #listen(socketPath: string, hooks?: ChannelHooks, callId?: string): Promise<Listener> {
    if (this.#closing) throw new BridgeError("the exec bridge is closed");
    // Only the first request can be the run's own command: the launcher execs it before anything else runs.
    let launch = hooks?.launch;
    const listener = await listenExecSocket(socketPath, {
      allowedUid: process.getuid?.() ?? -1,
      requestTimeoutMs: this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      decide: (request, report) => {
        const own = launch !== undefined && sameArgv(request.argv, launch) && request.exact === null;
        launch = undefined;
        return own ? Promise.resolve(LAUNCH) : this.#decide(request, callId, report);
      },
      onDeciding: hooks?.onDeciding,
      report: (event) => {
        if (event.type === "decision" && event.decision.source === "launch") return;
        if (event.type === "decision") hooks?.onDecision(event.decision);
        this.#report(event);
      },
    });
    this.#listeners.add(listener);
    return listener;
  }
}
