/** Local upstream servers that count what reaches them, and raw clients of the proxy. */
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";

export interface CountingServer {
  port: number;
  /** Request lines (`GET /path`) and Host headers that reached the server. */
  requests: { method: string; url: string; host: string | undefined }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers `hello from upstream` and records every request. */
export async function countingServer(host = "127.0.0.1"): Promise<CountingServer> {
  const requests: CountingServer["requests"] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? "", url: request.url ?? "", host: request.headers.host });
    request.resume();
    request.on("end", () => response.end("hello from upstream\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `bytes` to 127.0.0.1:port (or a Unix socket path) and collects everything until the peer closes (or `ms` pass). */
export async function exchange(where: number | string, bytes: Buffer | string, ms = 5_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = typeof where === "number" ? connect(where, "127.0.0.1") : connect(where);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(bytes);
  });
}

/** A SOCKS5 CONNECT request for a domain name (remote resolution). */
export function socksDomainRequest(name: string, port: number): Buffer {
  const bytes = Buffer.from(name, "latin1");
  return Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 3, bytes.length]), bytes, Buffer.from([port >> 8, port & 255])]);
}

/** A SOCKS5 CONNECT request with an IPv4 address type. */
export function socksIpv4Request(ip: string, port: number): Buffer {
  return Buffer.from([5, 1, 0, 5, 1, 0, 1, ...ip.split(".").map(Number), port >> 8, port & 255]);
}
