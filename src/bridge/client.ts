/** The asking side of the wire, in Node: what the native wrapper does, for wrapper mode. */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { BridgeError } from "../errors.js";
import { readLine } from "./line-reader.js";
import { encodeExecRequest, MAX_MESSAGE_BYTES, parseExecResponseLine } from "./protocol.js";

export interface ExecAnswer {
  action: "run" | "deny";
  reason: string | null;
}

/**
 * Asks the server at `socketPath` about one exec. Waits for the answer as long
 * as it takes (a person may be deciding); throws BridgeError when the server
 * cannot be reached, goes away, or answers anything but a well-formed reply to
 * this request.
 */
export async function askExecServer(
  socketPath: string,
  exec: { file: string; argv: readonly string[]; cwd: string; environment?: readonly string[] },
): Promise<ExecAnswer> {
  const requestId = randomUUID();
  const line = encodeExecRequest({ requestId, ...exec });
  if (Buffer.byteLength(line) - 1 > MAX_MESSAGE_BYTES) {
    throw new BridgeError(`the exec request for ${exec.file} is longer than ${MAX_MESSAGE_BYTES} bytes`);
  }
  // allowHalfOpen: the reply still arrives after this side has shut down its sending half.
  const socket = connect({ path: socketPath, allowHalfOpen: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve).once("error", reject);
    }).catch((error: Error) => {
      throw new BridgeError(`cannot reach the exec server at ${socketPath}: ${error.message}`, { cause: error });
    });
    // The request, then end of file: Codex's server reads to end of file before it answers.
    socket.end(line);
    const result = await readLine(socket);
    switch (result.kind) {
      case "line":
        break;
      case "eof":
        throw new BridgeError("the exec server closed the connection without answering");
      case "oversize":
        throw new BridgeError(`the exec server's reply is longer than ${MAX_MESSAGE_BYTES} bytes`);
      case "error":
        throw new BridgeError(`cannot read the exec server's reply: ${result.error.message}`, { cause: result.error });
      default:
        throw new BridgeError(`malformed reply from the exec server: ${result.kind}`);
    }
    const parsed = parseExecResponseLine(result.line);
    if (!parsed.ok) throw new BridgeError(`malformed reply from the exec server: ${parsed.problem}`);
    if (parsed.message.request_id !== requestId) throw new BridgeError("malformed reply from the exec server: it answers a different request_id");
    return { action: parsed.message.action, reason: parsed.message.reason };
  } finally {
    socket.destroy();
  }
}
