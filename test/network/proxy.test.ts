/**
 * The proxy against real local servers: what reaches the upstream is counted
 * there, so every refusal is judged from the destination's side.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { connect } from "node:net";
import { NetworkProxy, type NetworkEvent } from "../../src/network/index.js";
import { countingServer, exchange, socksDomainRequest, socksIpv4Request, type CountingServer } from "./support.js";

let upstream: CountingServer;
let proxy: NetworkProxy | undefined;
let events: NetworkEvent[];

beforeEach(async () => {
  upstream = await countingServer();
  events = [];
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

async function start(policy: Record<string, unknown>, extra: Partial<Parameters<typeof NetworkProxy.start>[0]> = {}): Promise<NetworkProxy> {
  proxy = await NetworkProxy.start({ policy, tcp: true, onEvent: (event) => events.push(event), ...extra });
  return proxy;
}

const get = (url: string, host = "x") => `GET ${url} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

describe("HTTP forward proxying", () => {
  test("an allowed IP literal is forwarded; the upstream sees the path and the judged Host", async () => {
    const { httpPort } = await start({ allowedDomains: ["127.0.0.1"] });
    const reply = (await exchange(httpPort!, get(`http://127.0.0.1:${upstream.port}/a?b=1`, "evil.example"))).toString();
    expect(reply).toMatch(/^HTTP\/1.1 200/);
    expect(reply).toContain("hello from upstream");
    expect(upstream.requests).toEqual([{ method: "GET", url: "/a?b=1", host: `127.0.0.1:${upstream.port}` }]);
    expect(events).toMatchObject([{ host: "127.0.0.1", port: upstream.port, protocol: "http", action: "allow" }]);
    expect(events[0]!.bytesReceived).toBeGreaterThan(0);
  });

  test("a host off the allow list gets 403 blocked-by-allowlist and the explained body; nothing reaches upstream", async () => {
    const { httpPort } = await start({ allowedDomains: ["example.org"] });
    const reply = (await exchange(httpPort!, get(`http://127.0.0.1:${upstream.port}/`))).toString();
    expect(reply).toMatch(/^HTTP\/1.1 403/);
    expect(reply).toMatch(/x-proxy-error: blocked-by-allowlist/i);
    expect(reply).toContain("cordon: network access denied: 127.0.0.1: not on the allow list");
    expect(upstream.requests).toHaveLength(0);
    expect(events).toMatchObject([{ host: "127.0.0.1", action: "deny", code: "blocked-by-allowlist" }]);
  });

  test("an empty allow list without decide blocks everything", async () => {
    const { httpPort } = await start({});
    const reply = (await exchange(httpPort!, get(`http://127.0.0.1:${upstream.port}/`))).toString();
    expect(reply).toMatch(/x-proxy-error: blocked-by-allowlist/i);
    expect(upstream.requests).toHaveLength(0);
  });

  test("deny wins over allow", async () => {
    const { httpPort } = await start({ allowedDomains: ["127.0.0.1"], deniedDomains: ["127.0.0.1"] });
    const reply = (await exchange(httpPort!, get(`http://127.0.0.1:${upstream.port}/`))).toString();
    expect(reply).toMatch(/x-proxy-error: blocked-by-denylist/i);
    expect(reply).toContain("cordon: network access denied: 127.0.0.1: on the deny list");
    expect(upstream.requests).toHaveLength(0);
  });

  test("limited mode: GET passes, POST is refused with blocked-by-method-policy, CONNECT and SOCKS too", async () => {
    const { httpPort, socksPort } = await start({ allowedDomains: ["127.0.0.1"], mode: "limited" });
    expect((await exchange(httpPort!, get(`http://127.0.0.1:${upstream.port}/ok`))).toString()).toMatch(/^HTTP\/1.1 200/);
    const post = `POST http://127.0.0.1:${upstream.port}/no HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`;
    expect((await exchange(httpPort!, post)).toString()).toMatch(/x-proxy-error: blocked-by-method-policy/i);
    const tunnel = `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: x\r\n\r\n`;
    expect((await exchange(httpPort!, tunnel)).toString()).toMatch(/x-proxy-error: blocked-by-method-policy/i);
    const socks = await exchange(socksPort!, socksIpv4Request("127.0.0.1", upstream.port));
    expect([...socks.subarray(2, 4)]).toEqual([5, 2]);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/ok"]);
  });

  test("a second request on a kept-alive connection, to another host, is judged again", async () => {
    const other = await countingServer("127.0.0.2").catch(() => null);
    try {
      const { httpPort } = await start({ allowedDomains: ["127.0.0.1"] });
      const first = `GET http://127.0.0.1:${upstream.port}/first HTTP/1.1\r\nHost: x\r\n\r\n`;
      const second = `GET http://127.0.0.2:${other?.port ?? 9}/second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      const reply = (await exchange(httpPort!, first + second)).toString();
      expect(reply).toMatch(/^HTTP\/1.1 200/);
      expect(reply).toMatch(/HTTP\/1.1 403[\s\S]*blocked-by-allowlist/i);
      expect(upstream.requests.map((r) => r.url)).toEqual(["/first"]);
      expect(other?.requests ?? []).toHaveLength(0);
    } finally {
      await other?.close();
    }
  });
});

describe("local addresses", () => {
  test("a name that resolves to loopback is refused unless local addresses are allowed", async () => {
    const { httpPort } = await start({ allowedDomains: ["localhost"] });
    const reply = (await exchange(httpPort!, get(`http://localhost:${upstream.port}/`))).toString();
    expect(reply).toMatch(/x-proxy-error: blocked-by-local-address/i);
    expect(reply).toContain("cordon: network access denied: localhost: resolves to a local address");
    expect(upstream.requests).toHaveLength(0);
    await proxy!.close();
    const { httpPort: port2 } = await start({ allowedDomains: ["localhost"], allowLocalAddresses: true });
    expect((await exchange(port2!, get(`http://localhost:${upstream.port}/`))).toString()).toMatch(/^HTTP\/1.1 200/);
    expect(upstream.requests).toHaveLength(1);
  });

  test.each([
    ["decimal IPv4", "2130706433"],
    ["octal IPv4", "0177.0.0.1"],
    ["hexadecimal IPv4", "0x7f.1"],
    ["IPv6 loopback", "[::1]"],
    ["IPv4-mapped IPv6", "[::ffff:127.0.0.1]"],
    ["a trailing dot", "localhost."],
    ["upper case", "LOCALHOST"],
  ])("%s of the loopback is judged as what it is and refused", async (_what, host) => {
    const { httpPort } = await start({ allowedDomains: ["localhost", "*.example.org"] }, { decide: async () => ({ action: "allow" }) });
    const reply = (await exchange(httpPort!, get(`http://${host}:${upstream.port}/`))).toString();
    expect(reply).toMatch(/^HTTP\/1.1 403/);
    expect(reply).toMatch(/x-proxy-error: blocked-by-local-address/i);
    expect(upstream.requests).toHaveLength(0);
  });

  test("a userinfo @ trick is refused whole", async () => {
    const { httpPort } = await start({ allowedDomains: ["example.org"] });
    const reply = (await exchange(httpPort!, get(`http://example.org@127.0.0.1:${upstream.port}/`))).toString();
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    const tunnel = (await exchange(httpPort!, `CONNECT example.org@127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: x\r\n\r\n`)).toString();
    expect(tunnel).toMatch(/^HTTP\/1.1 400/);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("CONNECT tunnels", () => {
  test("an allowed tunnel reaches exactly the port the client named", async () => {
    const other = await countingServer();
    try {
      const { httpPort } = await start({ allowedDomains: ["127.0.0.1"] });
      const reply = (
        await exchange(httpPort!, `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: 127.0.0.1:${other.port}\r\n\r\n${get("/in-tunnel")}`)
      ).toString();
      expect(reply).toMatch(/^HTTP\/1.1 200 Connection Established\r\n\r\nHTTP\/1.1 200/);
      expect(upstream.requests.map((r) => r.url)).toEqual(["/in-tunnel"]);
      expect(other.requests).toHaveLength(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toMatchObject([{ protocol: "https", action: "allow", port: upstream.port }]);
      expect(events[0]!.bytesSent).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  test("decide is asked about misses, and a remembered answer covers the host for the run", async () => {
    const asked: string[] = [];
    const { httpPort } = await start(
      { allowLocalAddresses: true },
      { decide: async ({ host, protocol }) => (asked.push(`${protocol} ${host}`), { action: "allow", remember: true }) },
    );
    for (const path of ["/1", "/2"]) {
      const reply = await exchange(httpPort!, `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\n\r\n${get(path)}`);
      expect(reply.toString()).toContain("hello from upstream");
    }
    expect(asked).toEqual([`https 127.0.0.1`]);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/1", "/2"]);
  });

  test("a decide that throws refuses, and the proxy keeps serving", async () => {
    const errors: unknown[] = [];
    const { httpPort } = await start(
      { allowLocalAddresses: true },
      { decide: async () => { throw new Error("secret detail"); }, onError: (error) => errors.push(error) },
    );
    const reply = (await exchange(httpPort!, `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\n\r\n`)).toString();
    expect(reply).toMatch(/x-proxy-error: blocked-by-allowlist/i);
    expect(reply).not.toContain("secret detail");
    expect(errors).toHaveLength(1);
  });
});

describe("SOCKS5", () => {
  test("a domain name (remote resolution) is judged by name; an allowed one is relayed", async () => {
    const { socksPort } = await start({ allowedDomains: ["localhost"], allowLocalAddresses: true });
    const reply = await exchange(socksPort!, Buffer.concat([socksDomainRequest("LocalHost.", upstream.port), Buffer.from(get("/socks"))]), 500);
    expect([...reply.subarray(0, 4)]).toEqual([5, 0, 5, 0]);
    expect(reply.subarray(12).toString()).toContain("hello from upstream");
    expect(upstream.requests.map((r) => r.url)).toEqual(["/socks"]);
  });

  test("an IPv4 address type instead of a name is judged as that literal and refused with 0x02", async () => {
    const { socksPort } = await start({ allowedDomains: ["localhost"], allowLocalAddresses: true });
    const reply = await exchange(socksPort!, socksIpv4Request("127.0.0.1", upstream.port));
    expect([...reply.subarray(0, 4)]).toEqual([5, 0, 5, 2]);
    expect(upstream.requests).toHaveLength(0);
    expect(events).toMatchObject([{ host: "127.0.0.1", protocol: "socks5_tcp", action: "deny" }]);
  });

  test("an unknown command is answered 0x07 and closed", async () => {
    const { socksPort } = await start({ allowedDomains: ["127.0.0.1"] });
    const bind = socksIpv4Request("127.0.0.1", upstream.port);
    bind[4] = 2;
    const reply = await exchange(socksPort!, bind);
    expect([...reply.subarray(0, 4)]).toEqual([5, 0, 5, 7]);
  });
});

describe("bad input", () => {
  test("garbage, a huge request line and a half-open handshake are closed cleanly while a good client is served", async () => {
    const { httpPort, socksPort } = await start({ allowedDomains: ["127.0.0.1"] }, { handshakeTimeoutMs: 500 });
    const halfOpen = connect(socksPort!, "127.0.0.1");
    halfOpen.on("error", () => undefined).resume();
    halfOpen.write(Buffer.from([5, 1]));
    const slow = connect(httpPort!, "127.0.0.1");
    slow.on("error", () => undefined).resume();
    slow.write("GET http://127.0.0.1/ HT");
    const garbage = (await exchange(httpPort!, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]))).toString();
    expect(garbage).toMatch(/^HTTP\/1.1 400/);
    const huge = (await exchange(httpPort!, `GET http://127.0.0.1/${"a".repeat(100_000)} HTTP/1.1\r\n\r\n`)).toString();
    expect(huge).toMatch(/^HTTP\/1.1 (400|431)/);
    expect((await exchange(socksPort!, Buffer.from("GET / HTTP/1.1\r\n\r\n"))).subarray(0, 2)).toEqual(Buffer.from([5, 0xff]));
    const good = (await exchange(httpPort!, get(`http://127.0.0.1:${upstream.port}/good`))).toString();
    expect(good).toContain("hello from upstream");
    const closed = (socket: ReturnType<typeof connect>) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));
    await Promise.all([closed(halfOpen), closed(slow)]);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/good"]);
  });

  test("the Unix socket listeners serve the same proxy", async () => {
    const started = await start({ allowedDomains: ["127.0.0.1"] });
    const reply = (await exchange(started.httpSocketPath, get(`http://127.0.0.1:${upstream.port}/unix`))).toString();
    expect(reply).toContain("hello from upstream");
    const socks = await exchange(started.socksSocketPath, socksIpv4Request("127.0.0.1", upstream.port), 500);
    expect([...socks.subarray(0, 4)]).toEqual([5, 0, 5, 0]);
  });
});
