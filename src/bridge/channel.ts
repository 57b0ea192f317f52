/**
 * A channel: the socket of its own that one shell run gets from the bridge,
 * so that its decisions (and the time spent on them) are told apart from
 * every other program's. The server opens channels and the run uses them;
 * both depend on these shapes, never on each other's code.
 */
import type { NetworkApprover } from "./run-network.js";
import type { ExecBridgeEvent, ExecDecisionRecord } from "./types.js";

/** What the owner of a channel (a shell run) is told about its own execs. */
export interface ChannelHooks {
  onDeciding(started: boolean): void;
  onDecision(decision: ExecDecisionRecord): void;
  /**
   * The argv of the command the run itself starts (its shell). The supervisor asks about that exec too, as
   * the very first one; when the first request is exactly this argv it runs without asking anyone.
   */
  launch?: readonly string[];
}

export interface Channel {
  socketPath: string;
  /**
   * The base directory that holds the socket's directory and every other
   * bridge's: kept read-only inside the sandbox, so that no command can
   * replace a socket, a wrapper or an owner record there.
   */
  stateDir: string;
  env: Record<string, string>;
  /** Hands an event about this run (a failing host callback) to the host's onEvent. */
  report(event: ExecBridgeEvent): void;
  /**
   * Settles once the supervisor's session (if it opened one) has ended and
   * every record it sent is reported, or after `timeoutMs`.
   */
  sessionsEnded(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What a run needs of the bridge that serves it. */
export interface ChannelSource {
  openChannel(hooks: ChannelHooks, callId?: string): Promise<Channel>;
  /** How execs of a stock shell are intercepted here; null when they are not. */
  readonly interception: string | null;
  readonly approvals: "required" | "best-effort";
  readonly closed: boolean;
  /** Fires when the bridge starts closing: a run still going then ends as an abort. */
  readonly closingSignal: AbortSignal;
  /** The rules and the person a run's network proxy asks. */
  readonly networkApprover: NetworkApprover;
}
