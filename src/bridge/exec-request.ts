/**
 * What serving an exec request needs, whether it came on a connection of its
 * own (connection.ts) or in a supervisor's session (session.ts): the wire
 * message as the bridge's ExecRequest, and one decision made and reported.
 */
import { describeError } from "../errors.js";
import { commandText } from "./command-text.js";
import type { ExecRequestMessage } from "./protocol.js";
import type { DecisionOutcome, ExecBridgeEvent, ExecDecisionRecord, ExecRequest } from "./types.js";

export type Peer = { pid: number | null; uid: number };

/** A session's handle, for the run that owns the socket it came on. */
export interface SessionHandle {
  /** Tells the supervisor to drop every kept decision. */
  forgetKeptDecisions(): void;
  /** Settles when the supervisor has closed the session and everything it sent was reported. */
  readonly ended: Promise<void>;
}

export interface ConnectionContext {
  /** Only peers with this uid are served. */
  allowedUid: number;
  /** How long a peer may take to send its request line. */
  requestTimeoutMs: number;
  /** May report error events of its own (a failed approver) through `report`. */
  decide(request: ExecRequest, report: (event: ExecBridgeEvent) => void): Promise<DecisionOutcome>;
  report(event: ExecBridgeEvent): void;
  /** Called when deciding starts and when it ends (a run pauses its clock meanwhile). */
  onDeciding?(started: boolean): void;
  /** Called when a connection turns out to be a supervisor's session. */
  onSession?(session: SessionHandle): void;
}

/** The reason a peer is told when the host's decider failed: its error text stays with the host. */
export const DECIDE_FAILED_REASON = "the host failed to decide";

/** The request `file` made absolute without normalising `..`, which the kernel resolves through symlinks. */
function absoluteFile(file: string, cwd: string): string {
  if (file.startsWith("/")) return file;
  return cwd.endsWith("/") ? `${cwd}${file}` : `${cwd}/${file}`;
}

/** `NAME=VALUE` entries by name (the first of duplicates, as getenv reads them), in an object with no prototype. */
function environmentOf(entries: readonly string[] | undefined): Record<string, string> | null {
  if (entries === undefined) return null;
  const environment: Record<string, string> = Object.create(null);
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    const name = entry.slice(0, equals);
    if (!Object.hasOwn(environment, name)) environment[name] = entry.slice(equals + 1);
  }
  return environment;
}

export function requestOf(message: Omit<ExecRequestMessage, "type">, peer: Peer): ExecRequest {
  const exact =
    message.file_b64 === undefined && message.cwd_b64 === undefined && message.argv_b64 === undefined &&
    message.environment_b64 === undefined
      ? null
      : {
          file: message.file_b64 ?? Buffer.from(message.file),
          cwd: message.cwd_b64 ?? Buffer.from(message.cwd),
          argv: message.argv_b64 ?? message.argv.map((arg) => Buffer.from(arg)),
          ...(message.environment_b64 === undefined ? {} : { environment: message.environment_b64 }),
        };
  return {
    requestId: message.request_id,
    file: absoluteFile(message.file, message.cwd),
    argv: message.argv,
    cwd: message.cwd,
    peer,
    executable: message.executable ?? null,
    interpreter: message.interpreter ?? null,
    anonymous: message.anonymous ?? false,
    pid: message.pid ?? null,
    environment: environmentOf(message.environment),
    exact,
  };
}

/**
 * The request_id of a line too long to parse, read from its first bytes: the
 * exec supervisor and the wrapper write it second, right after the type (see
 * native/exec-wire/wire.h), so that the deny they get answers their request.
 */
export function requestIdFromHead(head: Buffer): string | null {
  const match = /^\{"type":"exec_request","request_id":"([0-9A-Za-z-]{1,64})"/.exec(head.toString("latin1"));
  return match?.[1] ?? null;
}

/**
 * Decides `request` and reports the decision; the outcome, or null when the
 * decider failed (reported as a `decide-failed` error event: the peer is
 * then refused with DECIDE_FAILED_REASON).
 */
export async function decideAndReport(request: ExecRequest, context: ConnectionContext): Promise<DecisionOutcome | null> {
  const started = performance.now();
  let outcome: DecisionOutcome;
  context.onDeciding?.(true);
  try {
    outcome = await context.decide(request, context.report);
  } catch (error) {
    context.report({ type: "error", kind: "decide-failed", message: `${DECIDE_FAILED_REASON}: ${describeError(error)}`, peer: request.peer });
    return null;
  } finally {
    context.onDeciding?.(false);
  }
  const decision: ExecDecisionRecord = { ...request, ...outcome, command: commandText(request.argv), ms: performance.now() - started };
  context.report({ type: "decision", decision });
  return outcome;
}
