/** One listening exec socket (0600) and the connections it is serving. */
import { chmod, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { BridgeError } from "../errors.js";
import { serveConnection } from "./connection.js";
import type { ConnectionContext, SessionHandle } from "./exec-request.js";

export interface Listener {
  socketPath: string;
  /** Tells every open session's supervisor to drop its kept decisions. */
  forgetKeptDecisions(): void;
  /**
   * Settles once every session on this socket has ended and been read to its
   * end, or after `timeoutMs`, whichever comes first.
   */
  sessionsEnded(timeoutMs: number): Promise<void>;
  /** Stops accepting, drops open connections (their wrappers fail closed) and removes the socket. */
  close(): Promise<void>;
}

export async function listenExecSocket(socketPath: string, served: ConnectionContext): Promise<Listener> {
  const connections = new Set<Socket>();
  const sessions = new Set<SessionHandle>();
  let closing: Promise<void> | undefined;
  // Connections cut by close() are the owner's doing, not a peer's fault: nothing to report about them.
  const context: ConnectionContext = {
    ...served,
    report: (event) => closing === undefined && served.report(event),
    onSession: (session) => {
      sessions.add(session);
      void session.ended.then(() => sessions.delete(session));
    },
  };
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
    forgetKeptDecisions() {
      for (const session of sessions) session.forgetKeptDecisions();
    },
    async sessionsEnded(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.all([...sessions].map((session) => session.ended)), waited]);
      clearTimeout(timer);
    },
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
