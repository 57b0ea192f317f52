/**
 * Serves one bridge connection: who is calling (kernel credentials), the one
 * request line, the decision, the one reply line. Every failure is answered
 * with a deny where the peer can still read one, reported as an error event,
 * and never thrown.
 */
import type { Socket } from "node:net";
import { describeError } from "../errors.js";
import { peerCredentials } from "../native/index.js";
import { readLine, type LineResult } from "./line-reader.js";
import { commandText } from "./command-text.js";
import { argvBytes, MAX_ARGV_BYTES, MAX_REQUEST_LINE_BYTES } from "./limits.js";
import { encodeExecResponse, parseExecRequestLine, salvageRequestId, type ExecRequestMessage } from "./protocol.js";
import type { BridgeErrorKind, DecisionOutcome, ExecDecisionRecord, ExecRequest, ExecBridgeEvent } from "./types.js";

type Peer = { pid: number | null; uid: number };

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
}

/** The request `file` made absolute without normalising `..`, which the kernel resolves through symlinks. */
function absoluteFile(file: string, cwd: string): string {
  if (file.startsWith("/")) return file;
  return cwd.endsWith("/") ? `${cwd}${file}` : `${cwd}/${file}`;
}

function readPeer(socket: Socket): Peer | Error {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) return new Error("the connection has no file descriptor to ask the kernel about");
  try {
    const credentials = peerCredentials(fd);
    return { pid: credentials.pid, uid: credentials.uid };
  } catch (error) {
    return error as Error;
  }
}

function lineProblem(result: Exclude<LineResult, { kind: "line" }>, timeoutMs: number): [BridgeErrorKind, string] {
  switch (result.kind) {
    case "not-utf8":
      return ["not-utf8", "the request line is not valid UTF-8"];
    case "oversize":
      return ["oversize", `the exec request is longer than ${MAX_REQUEST_LINE_BYTES} bytes (an argument list over ${MAX_ARGV_BYTES} bytes is denied)`];
    case "timeout":
      return ["timeout", `no complete request line within ${timeoutMs} ms`];
    case "eof":
      return ["eof", `the peer closed the connection after ${result.received} bytes, without a complete request line`];
    case "error":
      return ["socket-error", `reading the request failed: ${result.error.message}`];
  }
}

/**
 * The request_id of a line too long to parse, read from its first bytes: the
 * exec supervisor and the wrapper write it second, right after the type (see
 * native/exec-wire/wire.h), so that the deny they get answers their request.
 */
function requestIdFromHead(head: Buffer): string | null {
  const match = /^\{"type":"exec_request","request_id":"([0-9A-Za-z-]{1,64})"/.exec(head.toString("latin1"));
  return match?.[1] ?? null;
}

/** The reason a peer is told when the host's decider failed: its error text stays with the host. */
export const DECIDE_FAILED_REASON = "the host failed to decide";

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

function requestOf(message: ExecRequestMessage, peer: Peer): ExecRequest {
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

/** Sends the reply and closes the connection once the reply has reached the kernel. */
function reply(socket: Socket, line: string): void {
  if (!socket.destroyed) socket.end(line, () => socket.destroy());
}

/**
 * Sends a refusal to a peer that broke the protocol. Whatever it still sends
 * is drained, so a peer in the middle of a long write reads the deny instead
 * of a reset; a peer that never stops is cut off after the request timeout.
 */
function refuse(socket: Socket, line: string, timeoutMs: number): void {
  if (socket.destroyed) return;
  socket.on("data", () => {});
  socket.resume();
  socket.end(line);
  const cutOff = setTimeout(() => socket.destroy(), timeoutMs);
  socket.once("close", () => clearTimeout(cutOff));
}

export async function serveConnection(socket: Socket, context: ConnectionContext): Promise<void> {
  let peer: Peer | null = null;
  const fail = (kind: BridgeErrorKind, message: string, requestId: string | null) => {
    context.report({ type: "error", kind, message, peer });
    refuse(socket, encodeExecResponse(requestId, "deny", message), context.requestTimeoutMs);
  };
  // Errors after the reply (the peer went away) are nothing to act on; without a listener they would crash the host.
  socket.on("error", () => {});

  const credentials = readPeer(socket);
  if (!(credentials instanceof Error)) peer = credentials;
  const result = await readLine(socket, { timeoutMs: context.requestTimeoutMs, maxBytes: MAX_REQUEST_LINE_BYTES });
  if (result.kind !== "line") {
    return fail(...lineProblem(result, context.requestTimeoutMs), result.kind === "oversize" ? requestIdFromHead(result.head) : null);
  }

  if (credentials instanceof Error) {
    return fail("peer-unknown", `cannot tell who is connecting: ${credentials.message}`, salvageRequestId(result.line));
  }
  if (credentials.uid !== context.allowedUid) {
    return fail("peer-uid", `refused a peer with uid ${credentials.uid} (only uid ${context.allowedUid} may ask)`, salvageRequestId(result.line));
  }
  const parsed = parseExecRequestLine(result.line);
  if (!parsed.ok) return fail(parsed.kind, `malformed exec request: ${parsed.problem}`, salvageRequestId(result.line));
  const message = parsed.message;
  if (result.trailing > 0) {
    return fail("trailing-data", "the peer sent more than one line on an exec connection", message.request_id);
  }

  const request = requestOf(message, credentials);
  const bytes = argvBytes(request);
  if (bytes > MAX_ARGV_BYTES) {
    return fail("oversize", `the argument list is ${bytes} bytes; the exec bridge decides at most ${MAX_ARGV_BYTES}`, request.requestId);
  }
  const started = performance.now();
  let outcome: DecisionOutcome;
  context.onDeciding?.(true);
  try {
    outcome = await context.decide(request, context.report);
  } catch (error) {
    context.report({ type: "error", kind: "decide-failed", message: `${DECIDE_FAILED_REASON}: ${describeError(error)}`, peer });
    return refuse(socket, encodeExecResponse(request.requestId, "deny", DECIDE_FAILED_REASON), context.requestTimeoutMs);
  } finally {
    context.onDeciding?.(false);
  }
  const decision: ExecDecisionRecord = { ...request, ...outcome, command: commandText(request.argv), ms: performance.now() - started };
  context.report({ type: "decision", decision });
  reply(socket, encodeExecResponse(request.requestId, outcome.action, outcome.reason, outcome.abort));
}
