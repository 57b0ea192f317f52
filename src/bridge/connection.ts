/**
 * Serves one bridge connection: who is calling (kernel credentials), the one
 * request line, the decision, the one reply line. Every failure is answered
 * with a deny where the peer can still read one, reported as an error event,
 * and never thrown. A connection whose first line is a session's hello is
 * handed to the session (session.ts).
 */
import type { Socket } from "node:net";
import { peerCredentials } from "../native/index.js";
import { readLine, type LineResult } from "./line-reader.js";
import { MAX_ARGV_BYTES, MAX_REQUEST_LINE_BYTES, argvBytes } from "./limits.js";
import { encodeExecResponse, isSessionHello, parseExecRequestLine, salvageRequestId } from "./protocol.js";
import { decideAndReport, requestIdFromHead, requestOf, DECIDE_FAILED_REASON, type ConnectionContext, type Peer } from "./exec-request.js";
import { serveSession } from "./session.js";
import type { BridgeErrorKind } from "./types.js";

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
  if (isSessionHello(result.line)) return serveSession(socket, context, credentials, result.rest);
  const parsed = parseExecRequestLine(result.line);
  if (!parsed.ok) return fail(parsed.kind, `malformed exec request: ${parsed.problem}`, salvageRequestId(result.line));
  const message = parsed.message;
  if (result.rest.length > 0) {
    return fail("trailing-data", "the peer sent more than one line on an exec connection", message.request_id);
  }

  const request = requestOf(message, credentials);
  const bytes = argvBytes(request);
  if (bytes > MAX_ARGV_BYTES) {
    return fail("oversize", `the argument list is ${bytes} bytes; the exec bridge decides at most ${MAX_ARGV_BYTES}`, request.requestId);
  }
  const outcome = await decideAndReport(request, context);
  if (outcome === null) return refuse(socket, encodeExecResponse(request.requestId, "deny", DECIDE_FAILED_REASON), context.requestTimeoutMs);
  reply(socket, encodeExecResponse(request.requestId, outcome.action, outcome.reason, { abort: outcome.abort }));
}
