/** A loopback TCP server that counts the connections it accepts and closes each at once: the host's view of a connect. */
import { once } from "node:events";
import { createServer } from "node:net";

export interface CountingServer {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startCountingServer(): Promise<CountingServer> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
