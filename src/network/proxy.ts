/**
 * The network proxy of SPEC §11, in the host's process: HTTP forward
 * proxying and `CONNECT` tunnels on one listener, SOCKS5 (CONNECT, remote
 * name resolution) on another. Each listens on a Unix socket in a private
 * directory (the Linux launcher carries the sandbox's loopback ports there)
 * and, when asked, on a loopback TCP port (Seatbelt on macOS needs one).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { connect, createServer as createNetServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { describeError, NetworkError } from "../errors.js";
import { canonicalHost } from "./host.js";
import { judge, type BlockCode, type JudgeContext, type NetworkDecider, type ProxyProtocol } from "./judge.js";
import { parseNetworkPolicy, type NetworkPolicy, type NetworkPolicyInput } from "./policy.js";
import { parseConnectTarget, parseForwardTarget } from "./request-target.js";
import {
  parseSocksGreeting,
  parseSocksRequest,
  SOCKS_COMMAND_CONNECT,
  SOCKS_NO_ACCEPTABLE_METHOD,
  SOCKS_NO_AUTHENTICATION,
  SOCKS_VERSION,
  socksReply,
  SocksReply,
} from "./socks5.js";

/** One connection (or forwarded request) through the proxy, reported when it ends. */
export interface NetworkEvent {
  time: string;
  runId: string;
  host: string;
  port: number;
  protocol: ProxyProtocol;
  action: "allow" | "deny";
  /** Why: the list that decided, the host's reason, or what was malformed. */
  reason: string;
  /** The `x-proxy-error` value of a refusal. */
  code?: BlockCode;
  /** Bytes from the command to the destination, and back. */
  bytesSent: number;
  bytesReceived: number;
}

export interface NetworkProxyOptions {
  /** The policy: a parsed one, or its fields in either spelling (see `parseNetworkPolicy`). */
  policy?: NetworkPolicyInput;
  /** Asked about hosts no list settles and hosts a `prompt` rule names. Without it they are refused. */
  decide?: NetworkDecider;
  /** Every connection, allowed or refused. An exception thrown here is swallowed. */
  onEvent?: (event: NetworkEvent) => void;
  /** Reported when `decide` throws; the command only sees a refusal. */
  onError?: (error: unknown) => void;
  /** Names the run in events and decisions (default: a fresh UUID). */
  runId?: string;
  /** Also listen on 127.0.0.1 TCP ports (needed by Seatbelt; default false). */
  tcp?: boolean;
  /** How long a client may take to send its request line and headers, or its SOCKS handshake (default 10 s). */
  handshakeTimeoutMs?: number;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_SOCKS_HANDSHAKE_BYTES = 600;

function denialBody(host: string, reason: string): string {
  return `cordon: network access denied: ${host}: ${reason}\n`;
}

function denialResponse(status: number, code: string | undefined, body: string): string {
  const lines = [`HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : status === 502 ? "Bad Gateway" : "Bad Request"}`];
  if (code !== undefined) lines.push(`x-proxy-error: ${code}`);
  lines.push("content-type: text/plain; charset=utf-8", `content-length: ${Buffer.byteLength(body)}`, "connection: close");
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Headers to pass on: hop-by-hop ones dropped (and those `Connection` names), duplicates kept. */
function forwardedHeaders(raw: readonly string[]): [string, string][] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection") raw[i + 1]!.split(",").forEach((name) => named.add(name.trim().toLowerCase()));
  }
  const headers: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) headers.push([raw[i]!, raw[i + 1]!]);
  }
  return headers;
}

export class NetworkProxy {
  readonly runId: string;
  readonly policy: NetworkPolicy;
  /** Unix sockets of the HTTP and SOCKS5 listeners, in a private 0700 directory. */
  readonly httpSocketPath: string;
  readonly socksSocketPath: string;
  /** Loopback TCP ports, when started with `tcp: true`. */
  httpPort: number | undefined;
  socksPort: number | undefined;

  readonly #dir: string;
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket | Duplex>();
  readonly #context: JudgeContext;
  readonly #options: NetworkProxyOptions;
  readonly #http: HttpServer;
  #closed = false;

  get allowLocalBinding(): boolean {
    return this.policy.allowLocalBinding;
  }

  private constructor(dir: string, policy: NetworkPolicy, options: NetworkProxyOptions) {
    this.#dir = dir;
    this.policy = policy;
    this.#options = options;
    this.runId = options.runId ?? randomUUID();
    this.httpSocketPath = join(dir, "http.sock");
    this.socksSocketPath = join(dir, "socks.sock");
    this.#context = {
      policy,
      runId: this.runId,
      decide: options.decide,
      remembered: new Set(),
      onDecideError: (error) => this.#report(error),
    };
    const timeout = options.handshakeTimeoutMs ?? 10_000;
    this.#http = createHttpServer({
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: timeout,
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: Math.min(1_000, timeout),
    });
    this.#http.on("connection", (socket: Socket) => this.#track(socket));
    this.#http.on("request", (request, response) => void this.#forward(request, response));
    this.#http.on("connect", (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.#tunnel(request, socket, head));
    this.#http.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
      const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 408 ? "Request Timeout" : "Bad Request"}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    });
    this.#http.on("upgrade", (_request: IncomingMessage, socket: Duplex) => {
      socket.end(denialResponse(400, undefined, "cordon: the proxy does not forward upgrades; use CONNECT\n"));
    });
  }

  /** Starts the listeners; the policy is parsed first (PolicyError when malformed). */
  static async start(options: NetworkProxyOptions = {}): Promise<NetworkProxy> {
    const policy = parseNetworkPolicy(options.policy ?? {});
    const dir = await mkdtemp(join(tmpdir(), "cordon-net-"));
    const proxy = new NetworkProxy(dir, policy, options);
    try {
      // The HTTP server itself listens (its header timeout only runs on a listening server); the TCP port feeds it.
      await new Promise<void>((resolve, reject) => {
        proxy.#http.once("error", reject);
        proxy.#http.listen(proxy.httpSocketPath, resolve);
      });
      proxy.#http.on("error", (error) => proxy.#report(error));
      await proxy.#listen(proxy.socksSocketPath, (socket) => proxy.#socks(socket));
      if (options.tcp === true) {
        proxy.httpPort = await proxy.#listen(0, (socket) => proxy.#http.emit("connection", socket));
        proxy.socksPort = await proxy.#listen(0, (socket) => proxy.#socks(socket));
      }
    } catch (error) {
      await proxy.close();
      throw new NetworkError(`cannot start the network proxy: ${describeError(error)}`, { cause: error });
    }
    return proxy;
  }

  /** Stops listening, ends every connection and removes the sockets' directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.#sockets) socket.destroy();
    const servers = [...this.#servers, this.#http];
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #listen(where: string | number, onConnection: (socket: Socket) => void): Promise<number | undefined> {
    const server = createNetServer((socket) => {
      this.#track(socket);
      onConnection(socket);
    });
    this.#servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      if (typeof where === "string") server.listen(where, resolve);
      else server.listen(where, "127.0.0.1", resolve);
    });
    server.on("error", (error) => this.#report(error));
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : undefined;
  }

  #track(socket: Socket | Duplex): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => this.#sockets.delete(socket));
  }

  #report(error: unknown): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // A host callback's failure must not take the proxy down.
    }
  }

  #emit(event: Omit<NetworkEvent, "time" | "runId">): void {
    try {
      this.#options.onEvent?.({ time: new Date().toISOString(), runId: this.runId, ...event });
    } catch (error) {
      this.#report(error);
    }
  }

  /** A forwarded plain-HTTP request (`GET http://host/path`); each request of a kept-alive connection is judged. */
  async #forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = parseForwardTarget(request.url ?? "");
    if (!parsed.ok) {
      response.shouldKeepAlive = false;
      response.writeHead(400, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      response.end(`cordon: bad proxy request: ${parsed.reason}\n`);
      return;
    }
    const { host, port, path } = parsed.target;
    const judgement = await judge(this.#context, { host, port, protocol: "http", runId: this.runId }, request.method);
    if (!judgement.allowed) {
      const code = judgement.code === "unresolved" ? undefined : judgement.code;
      const body = denialBody(host, judgement.reason);
      response.writeHead(code === undefined ? 502 : 403, {
        "content-type": "text/plain; charset=utf-8",
        ...(code === undefined ? {} : { "x-proxy-error": code }),
      });
      response.end(body);
      request.resume();
      this.#emit({ host, port, protocol: "http", action: "deny", reason: judgement.reason, code, bytesSent: 0, bytesReceived: 0 });
      return;
    }
    let bytesSent = 0;
    let bytesReceived = 0;
    const authority = port === 80 ? hostForHeader(host) : `${hostForHeader(host)}:${port}`;
    const headers = forwardedHeaders(request.rawHeaders).filter(([name]) => name.toLowerCase() !== "host");
    const upstream = httpRequest({
      host: judgement.address,
      port,
      method: request.method,
      path,
      setHost: false,
      agent: false,
      headers: [["Host", authority], ...headers].flat(),
    });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.#emit({ host, port, protocol: "http", action: "allow", reason: judgement.reason, bytesSent, bytesReceived });
    };
    upstream.on("response", (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.statusMessage, forwardedHeaders(reply.rawHeaders).flat());
      reply.on("data", (chunk: Buffer) => (bytesReceived += chunk.length));
      reply.pipe(response);
      reply.on("end", finish);
    });
    upstream.on("error", (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
        response.end(`cordon: cannot reach ${host}: ${describeError(error)}\n`);
      } else {
        response.destroy();
      }
      finish();
    });
    response.on("close", () => {
      upstream.destroy();
      finish();
    });
    request.on("data", (chunk: Buffer) => (bytesSent += chunk.length));
    request.pipe(upstream);
  }

  /** A `CONNECT host:port` tunnel. */
  async #tunnel(request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    this.#track(client);
    const parsed = parseConnectTarget(request.url ?? "");
    if (!parsed.ok) {
      client.end(denialResponse(400, undefined, `cordon: bad proxy request: ${parsed.reason}\n`));
      return;
    }
    const { host, port } = parsed.target;
    const judgement = await judge(this.#context, { host, port, protocol: "https", runId: this.runId });
    if (!judgement.allowed) {
      const code = judgement.code === "unresolved" ? undefined : judgement.code;
      client.end(denialResponse(code === undefined ? 502 : 403, code, denialBody(host, judgement.reason)));
      this.#emit({ host, port, protocol: "https", action: "deny", reason: judgement.reason, code, bytesSent: 0, bytesReceived: 0 });
      return;
    }
    this.#relay(client, judgement.address, port, head, {
      onConnected: () => client.write("HTTP/1.1 200 Connection Established\r\n\r\n"),
      onFailed: (error) => client.end(denialResponse(502, undefined, `cordon: cannot reach ${host}: ${describeError(error)}\n`)),
      onEnded: (bytesSent, bytesReceived) =>
        this.#emit({ host, port, protocol: "https", action: "allow", reason: judgement.reason, bytesSent, bytesReceived }),
    });
  }

  /** Connects to exactly `address`, then carries bytes both ways until either side ends. */
  #relay(
    client: Duplex,
    address: string,
    port: number,
    pending: Buffer,
    on: { onConnected: () => void; onFailed: (error: Error) => void; onEnded: (sent: number, received: number) => void },
  ): void {
    const upstream = connect({ host: address, port });
    this.#track(upstream);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      on.onConnected();
      if (pending.length > 0) upstream.write(pending);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.once("error", (error) => {
      if (!connected) on.onFailed(error);
      else client.destroy();
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => {
      client.destroy();
      on.onEnded(connected ? upstream.bytesWritten : 0, connected ? upstream.bytesRead : 0);
    });
  }

  /** A SOCKS5 client: greeting, one CONNECT request, then a relay. */
  #socks(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    let stage: "greeting" | "request" | "judging" = "greeting";
    const timeout = setTimeout(() => socket.destroy(), this.#options.handshakeTimeoutMs ?? 10_000);
    socket.once("close", () => clearTimeout(timeout));
    const refuse = (code: number) => {
      clearTimeout(timeout);
      socket.end(socksReply(code));
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_SOCKS_HANDSHAKE_BYTES) {
        socket.destroy();
        return;
      }
      if (stage === "greeting") {
        const greeting = parseSocksGreeting(buffered);
        if (greeting.status === "incomplete") return;
        if (greeting.status === "invalid") {
          socket.end(Buffer.from([SOCKS_VERSION, SOCKS_NO_ACCEPTABLE_METHOD]));
          return;
        }
        if (!greeting.methods.includes(SOCKS_NO_AUTHENTICATION)) {
          socket.end(Buffer.from([SOCKS_VERSION, SOCKS_NO_ACCEPTABLE_METHOD]));
          return;
        }
        socket.write(Buffer.from([SOCKS_VERSION, SOCKS_NO_AUTHENTICATION]));
        buffered = buffered.subarray(greeting.length);
        stage = "request";
      }
      if (stage !== "request") return;
      const parsed = parseSocksRequest(buffered);
      if (parsed.status === "incomplete") return;
      if (parsed.status === "invalid") {
        refuse(SocksReply.generalFailure);
        return;
      }
      if (parsed.command !== SOCKS_COMMAND_CONNECT) {
        refuse(SocksReply.commandNotSupported);
        return;
      }
      stage = "judging";
      socket.off("data", onData);
      socket.pause();
      clearTimeout(timeout);
      const rest = buffered.subarray(parsed.length);
      const rawHost = parsed.address.type === "domain" ? Buffer.from(parsed.address.name).toString("latin1") : parsed.address.ip;
      void this.#socksConnect(socket, rawHost, parsed.port, Buffer.from(rest));
    };
    socket.on("data", onData);
  }

  async #socksConnect(socket: Socket, rawHost: string, port: number, pending: Buffer): Promise<void> {
    const host = canonicalHost(rawHost);
    if (host === null) {
      socket.end(socksReply(SocksReply.generalFailure));
      this.#emit({ host: JSON.stringify(rawHost), port, protocol: "socks5_tcp", action: "deny", reason: "not a host name", bytesSent: 0, bytesReceived: 0 });
      return;
    }
    const judgement = await judge(this.#context, { host, port, protocol: "socks5_tcp", runId: this.runId });
    if (!judgement.allowed) {
      const code = judgement.code === "unresolved" ? undefined : judgement.code;
      socket.end(socksReply(code === undefined ? SocksReply.hostUnreachable : SocksReply.notAllowedByRuleset));
      this.#emit({ host, port, protocol: "socks5_tcp", action: "deny", reason: judgement.reason, code, bytesSent: 0, bytesReceived: 0 });
      return;
    }
    this.#relay(socket, judgement.address, port, pending, {
      onConnected: () => socket.write(socksReply(SocksReply.succeeded)),
      onFailed: () => socket.end(socksReply(SocksReply.connectionRefused)),
      onEnded: (bytesSent, bytesReceived) =>
        this.#emit({ host, port, protocol: "socks5_tcp", action: "allow", reason: judgement.reason, bytesSent, bytesReceived }),
    });
  }
}

function hostForHeader(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
