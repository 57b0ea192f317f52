/**
 * A supervisor's session (SPEC §5, native/exec-wire/wire.h): one connection
 * for a whole run, opened by the launcher's exec supervisor. It carries the
 * run's exec requests, each answered by request_id as soon as it is decided,
 * and the records of execs the supervisor answered itself from a kept
 * decision, which are reported in the order they come and not answered.
 *
 * A line that breaks the protocol ends the session: the supervisor then
 * refuses every later exec of the run, so nothing runs that was not
 * reported. An argument list too long to decide is refused by itself.
 */
import type { Socket } from "node:net";
import { commandText } from "./command-text.js";
import { decideAndReport, requestIdFromHead, requestOf, DECIDE_FAILED_REASON, type ConnectionContext, type Peer } from "./exec-request.js";
import { MAX_ARGV_BYTES, MAX_REQUEST_LINE_BYTES, argvBytes } from "./limits.js";
import { EXEC_FORGET_LINE, encodeExecResponse, parseSessionLine } from "./protocol.js";
import type { DecisionOutcome, ExecRequest } from "./types.js";

/** A kept decision as its record is listed: the supervisor ran the program without asking. */
const CACHED: DecisionOutcome = { action: "run", reason: null, source: "cached", approvalId: null, abort: false, justification: null, rule: null };

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** How much of an oversize line is kept to name it. */
const HEAD_BYTES = 256;

/**
 * Splits the session's bytes into lines of at most MAX_REQUEST_LINE_BYTES.
 * A longer line is skipped to its newline; `onOversize` gets its first bytes.
 */
function lineSplitter(onLine: (line: Buffer) => void, onOversize: (head: Buffer) => void): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let length = 0;
  let skipping = false;
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      const newline = chunk.indexOf(0x0a, at);
      const end = newline === -1 ? chunk.length : newline;
      if (!skipping && length + (end - at) > MAX_REQUEST_LINE_BYTES) {
        onOversize(Buffer.concat([...parts, chunk.subarray(at, end)]).subarray(0, HEAD_BYTES));
        skipping = true;
        parts = [];
        length = 0;
      }
      if (!skipping) {
        parts.push(chunk.subarray(at, end));
        length += end - at;
      }
      if (newline === -1) return;
      if (!skipping) onLine(parts.length === 1 ? parts[0]! : Buffer.concat(parts, length));
      skipping = false;
      parts = [];
      length = 0;
      at = newline + 1;
    }
  };
}

export function serveSession(socket: Socket, context: ConnectionContext, peer: Peer, rest: Buffer): void {
  let ended!: () => void;
  const handle = {
    forgetKeptDecisions: () => {
      if (!socket.destroyed && socket.writable) socket.write(EXEC_FORGET_LINE);
    },
    ended: new Promise<void>((resolve) => (ended = resolve)),
  };
  socket.once("close", () => ended());
  const answer = (line: string) => {
    if (!socket.destroyed && socket.writable) socket.write(line);
  };
  const broken = (kind: "bad-json" | "bad-shape" | "not-utf8", message: string) => {
    context.report({ type: "error", kind, message, peer });
    socket.destroy();
  };
  const decide = async (request: ExecRequest) => {
    const outcome = await decideAndReport(request, context);
    if (outcome === null) return answer(encodeExecResponse(request.requestId, "deny", DECIDE_FAILED_REASON));
    answer(encodeExecResponse(request.requestId, outcome.action, outcome.reason, { abort: outcome.abort, cache: outcome.cacheable === true }));
  };
  const onLine = (raw: Buffer) => {
    if (socket.destroyed) return;
    let line: string;
    try {
      line = utf8.decode(raw);
    } catch {
      return broken("not-utf8", "a line of the exec session is not valid UTF-8");
    }
    const parsed = parseSessionLine(line);
    if (!parsed.ok) return broken(parsed.kind, `malformed line in the exec session: ${parsed.problem}`);
    const { type, ...message } = parsed.message;
    const request = requestOf(message, peer);
    if (type === "exec_record") {
      context.report({ type: "decision", decision: { ...request, ...CACHED, command: commandText(request.argv), ms: 0 } });
      return;
    }
    const bytes = argvBytes(request);
    if (bytes > MAX_ARGV_BYTES) {
      const problem = `the argument list is ${bytes} bytes; the exec bridge decides at most ${MAX_ARGV_BYTES}`;
      context.report({ type: "error", kind: "oversize", message: problem, peer });
      answer(encodeExecResponse(request.requestId, "deny", problem));
    } else {
      void decide(request);
    }
  };
  const onOversize = (head: Buffer) => {
    const problem = `an exec request is longer than ${MAX_REQUEST_LINE_BYTES} bytes (an argument list over ${MAX_ARGV_BYTES} bytes is denied)`;
    context.report({ type: "error", kind: "oversize", message: problem, peer });
    const requestId = requestIdFromHead(head);
    if (requestId === null) return broken("bad-shape", `${problem}, and it names no request`);
    answer(encodeExecResponse(requestId, "deny", problem));
  };
  const split = lineSplitter(onLine, onOversize);
  socket.on("data", split);
  // The supervisor closes the session when the run has ended; so does the host then.
  socket.once("end", () => socket.end());
  context.onSession?.(handle);
  if (rest.length > 0) split(rest);
  socket.resume();
}
