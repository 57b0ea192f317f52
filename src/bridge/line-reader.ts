/**
 * Reads the one message line a peer sends on a bridge connection, with a size
 * cap and (on the server) a deadline, so a slow or hostile peer can neither
 * hold memory nor a connection for long.
 */
import type { Socket } from "node:net";
import { MAX_MESSAGE_BYTES } from "./protocol.js";

export type LineResult =
  /** `line` is valid UTF-8 without its newline; `rest` holds the bytes received after it. */
  | { kind: "line"; line: string; rest: Buffer }
  | { kind: "not-utf8" }
  /** `head`: the first bytes received, enough to tell which request it was. */
  | { kind: "oversize"; head: Buffer }
  | { kind: "timeout" }
  | { kind: "eof"; received: number }
  | { kind: "error"; error: Error };

export interface ReadLineOptions {
  /** Give up when no newline arrived after this many ms; undefined waits forever. */
  timeoutMs?: number;
  /** Default MAX_MESSAGE_BYTES. */
  maxBytes?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** How much of an oversize line is kept to name it. */
const HEAD_BYTES = 256;

/** The first HEAD_BYTES of what arrived, without copying the rest. */
function headOf(chunks: readonly Buffer[]): Buffer {
  const head: Buffer[] = [];
  let length = 0;
  for (const chunk of chunks) {
    if (length >= HEAD_BYTES) break;
    head.push(chunk.subarray(0, HEAD_BYTES - length));
    length += head.at(-1)!.length;
  }
  return Buffer.concat(head, length);
}

/**
 * Resolves once a full line, end of file, an error, too many bytes or the
 * deadline is reached. Leaves the socket paused and its listeners removed.
 */
export function readLine(socket: Socket, options: ReadLineOptions = {}): Promise<LineResult> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (result: LineResult) => {
      clearTimeout(timer);
      socket.off("data", onData).off("end", onEnd).off("error", onError);
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      const kept = newline === -1 ? chunk.length : newline;
      if (received + kept > maxBytes) return finish({ kind: "oversize", head: headOf([...chunks, chunk]) });
      chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
      received += kept;
      if (newline === -1) return;
      let line: string;
      try {
        line = utf8.decode(Buffer.concat(chunks, received));
      } catch {
        return finish({ kind: "not-utf8" });
      }
      finish({ kind: "line", line, rest: chunk.subarray(newline + 1) });
    };
    const onEnd = () => finish({ kind: "eof", received });
    const onError = (error: Error) => finish({ kind: "error", error });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => finish({ kind: "timeout" }), options.timeoutMs);
    socket.on("data", onData).on("end", onEnd).on("error", onError);
    socket.resume();
  });
}
