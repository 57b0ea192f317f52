/** One listening exec socket (0600) and the connections it is serving. */
import { chmod, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { BridgeError } from "../errors.js";
import { serveConnection, type ConnectionContext } from "./connection.js";

export interface Listener {
  socketPath: string;
  /** Stops accepting, drops open connections (their wrappers fail closed) and removes the socket. */
  close(): Promise<void>;
}

export async function listenExecSocket(socketPath: string, served: ConnectionContext): Promise<Listener> {
  const connections = new Set<Socket>();
  let closing: Promise<void> | undefined;
  // Connections cut by close() are the owner's doing, not a peer's fault: nothing to report about them.
  const context: ConnectionContext = { ...served, report: (event) => closing === undefined && served.report(event) };
  // allowHalfOpen: a peer may shut down its sending side after the request
  // line (socat, nc -N); the reply must still reach it.
  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    // serveConnection answers every failure itself; anything left is a bug, and the wrapper then fails closed.
    serveConnection(socket, context).catch(() => socket.destroy());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ path: socketPath, backlog: 511 }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    await chmod(socketPath, 0o600);
  } catch (error) {
    server.close();
    throw new BridgeError(`cannot listen on the exec socket ${socketPath}: ${(error as Error).message}`, { cause: error });
  }
  // A failing accept is not worth the host's life; the peer sees a failed connect and exits 125.
  server.on("error", () => {});
  return {
    socketPath,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of connections) socket.destroy();
        await closed;
        await unlink(socketPath).catch(() => {});
      })();
      return closing;
    },
  };
}
