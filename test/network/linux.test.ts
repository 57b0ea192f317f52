/**
 * The proxy as the Linux sandbox's only way out, with real clients inside
 * and real servers on the host's loopback. Every verdict is read on the host
 * side: what the upstream servers received, and the proxy's events.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { mkdtempSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetworkProxy, type NetworkEvent, type NetworkProxyOptions } from "../../src/network/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { runSandboxed, unsupportedReason } from "../linux/run-sandboxed.js";
import { countingServer, type CountingServer } from "./support.js";
import { countingTlsServer, type TlsServer } from "./tls.js";

// 127.0.0.1 is in NO_PROXY, as clients expect; the upstreams live on another loopback address.
const UPSTREAM = "127.0.0.2";
const unsupported = unsupportedReason();
const describeHere = unsupported === null ? describe : describe.skip;
if (unsupported !== null) console.warn(`skipping the Linux network tests: ${unsupported}`);

let http: CountingServer;
let tls: TlsServer;
let udp: UdpSocket;
let udpPackets = 0;
let workspace: string;

beforeAll(async () => {
  if (unsupported !== null) return;
  http = await countingServer(UPSTREAM);
  tls = await countingTlsServer(UPSTREAM);
  chmodSync(join(tls.certificatePath, ".."), 0o755);
  udp = createSocket("udp4");
  udp.on("message", () => (udpPackets += 1));
  await new Promise<void>((resolve) => udp.bind(0, UPSTREAM, resolve));
});
afterAll(async () => {
  if (unsupported !== null) return;
  await http.close();
  await tls.close();
  udp.close();
});
beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), "cordon-net-ws-"));
  chmodSync(workspace, 0o777);
});

const policy = parseSandboxPolicy({ type: "workspace-write", network_access: true });

async function inSandbox(script: string, proxyOptions: NetworkProxyOptions, sandboxPolicy = policy) {
  const events: NetworkEvent[] = [];
  const proxy = await NetworkProxy.start({ ...proxyOptions, onEvent: (event) => events.push(event) });
  try {
    const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: workspace, LANG: "C.UTF-8" };
    const outcome = await runSandboxed(["bash", "-c", script], sandboxPolicy, { cwd: workspace, env, networkProxy: proxy });
    return { ...outcome, events };
  } finally {
    await proxy.close();
  }
}

const allowUpstream = { policy: { allowedDomains: [UPSTREAM] } };

describeHere("Linux: the proxy is the only way out", () => {
  test("curl reaches an allowed upstream through HTTP_PROXY, CONNECT and socks5h; the host sees each request once", async () => {
    const before = http.requests.length;
    const tlsBefore = tls.requests.length;
    const { stdout, stderr, code, events } = await inSandbox(
      [
        `curl -sS http://${UPSTREAM}:${http.port}/plain`,
        `curl -sS --cacert ${tls.certificatePath} https://${UPSTREAM}:${tls.port}/tunnel`,
        `curl -sS --proxy "$ALL_PROXY" http://${UPSTREAM}:${http.port}/socks`,
      ].join(" && "),
      allowUpstream,
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe("hello from upstream\nhello over tls\nhello from upstream\n");
    expect(http.requests.slice(before).map((r) => r.url)).toEqual(["/plain", "/socks"]);
    expect(tls.requests.slice(tlsBefore).map((r) => r.url)).toEqual(["/tunnel"]);
    expect(events.map((e) => [e.protocol, e.host, e.action])).toEqual([
      ["http", UPSTREAM, "allow"],
      ["https", UPSTREAM, "allow"],
      ["socks5_tcp", UPSTREAM, "allow"],
    ]);
  });

  test("a refused host gets the explained 403 inside, and nothing reaches it", async () => {
    const before = http.requests.length;
    const { stdout, events } = await inSandbox(`curl -s -i http://${UPSTREAM}:${http.port}/refused`, { policy: { allowedDomains: ["127.0.0.9"] } });
    expect(stdout).toMatch(/^HTTP\/1.1 403/);
    expect(stdout).toMatch(/x-proxy-error: blocked-by-allowlist/i);
    expect(stdout).toContain(`cordon: network access denied: ${UPSTREAM}: not on the allow list`);
    expect(http.requests.length).toBe(before);
    expect(events).toMatchObject([{ host: UPSTREAM, action: "deny", code: "blocked-by-allowlist" }]);
  });

  test("nothing else leaves: --noproxy, a raw connect, UDP and DNS all fail inside; the host receives nothing", async () => {
    const before = http.requests.length;
    const packets = udpPackets;
    const probe = [
      "import socket",
      "def attempt(what, action):",
      "    try:",
      "        action(); print(what, 'OK')",
      "    except OSError as error:",
      "        print(what, type(error).__name__)",
      `attempt('tcp', lambda: socket.create_connection(('${UPSTREAM}', ${http.port}), timeout=3))`,
      `attempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('${UPSTREAM}', ${(udp.address()).port})))`,
      "attempt('dns', lambda: socket.getaddrinfo('localhost.localdomain.example', 80))",
    ].join("\n");
    const { stdout, events } = await inSandbox(
      `curl -sS --max-time 5 --noproxy '*' http://${UPSTREAM}:${http.port}/leak; echo "curl $?"; python3 -c "${probe}"`,
      allowUpstream,
    );
    expect(stdout).toMatch(/^curl (7|28)\n/);
    expect(stdout).toMatch(/tcp (ConnectionRefusedError|OSError|TimeoutError)/);
    expect(stdout).not.toMatch(/tcp OK|dns OK/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(udpPackets).toBe(packets);
    expect(http.requests.length).toBe(before);
    expect(events).toEqual([]);
  });

  test("network_access: false wins over a proxy: the proxy's ports are not there", async () => {
    const before = http.requests.length;
    const closed = parseSandboxPolicy({ type: "workspace-write", network_access: false });
    const { stdout, events } = await inSandbox(`curl -sS --max-time 5 -x http://127.0.0.1:3128 http://${UPSTREAM}:${http.port}/x; echo "curl $?"`, allowUpstream, closed);
    expect(stdout).toMatch(/curl [1-9]/);
    expect(http.requests.length).toBe(before);
    expect(events).toEqual([]);
  });

  test("git over https goes through CONNECT", async () => {
    const before = tls.requests.length;
    const { events } = await inSandbox(`GIT_SSL_CAINFO=${tls.certificatePath} git ls-remote https://${UPSTREAM}:${tls.port}/repo.git; true`, allowUpstream);
    expect(tls.requests.slice(before).map((r) => r.url)).toContain("/repo.git/info/refs?service=git-upload-pack");
    expect(events[0]).toMatchObject({ protocol: "https", host: UPSTREAM, action: "allow" });
  });

  test("npm, pip, Python's urllib and Node's http client reach the upstream through the variables cordon sets", async () => {
    const before = http.requests.length;
    const node = `const p=new URL(process.env.HTTP_PROXY);require('http').get({host:p.hostname,port:p.port,path:'http://${UPSTREAM}:${http.port}/node'},r=>r.pipe(process.stdout))`;
    const { stdout, events } = await inSandbox(
      [
        `npm view some-package --registry http://${UPSTREAM}:${http.port}/npm/ --cache ${workspace}/npm-cache >/dev/null 2>&1`,
        `/usr/bin/python3 -m pip download --no-deps --no-cache-dir --retries 0 -d ${workspace}/pip --index-url http://${UPSTREAM}:${http.port}/pip/ some-package >/dev/null 2>&1`,
        `python3 -c "import urllib.request; print(urllib.request.urlopen('http://${UPSTREAM}:${http.port}/urllib').read().decode(), end='')"`,
        `node -e "${node}"`,
      ].join("; "),
      allowUpstream,
    );
    const urls = http.requests.slice(before).map((r) => r.url);
    expect(urls).toContain("/npm/some-package");
    expect(urls).toContain("/pip/some-package/");
    expect(urls).toContain("/urllib");
    expect(urls).toContain("/node");
    expect(stdout).toBe("hello from upstream\nhello from upstream\n");
    expect(events.every((event) => event.action === "allow" && event.host === UPSTREAM)).toBe(true);
  }, 60_000);

  test("8 MiB each way through the forwarder and the proxy arrive intact (CONNECT and socks5h)", async () => {
    const { createHash, randomBytes } = await import("node:crypto");
    const { createServer } = await import("node:http");
    const payload = randomBytes(8 * 1024 * 1024);
    const uploads: string[] = [];
    const server = createServer((request, response) => {
      const hash = createHash("sha256");
      request.on("data", (chunk: Buffer) => hash.update(chunk));
      request.on("end", () => {
        if (request.method === "POST") uploads.push(hash.digest("hex"));
        response.end(request.method === "POST" ? "stored\n" : payload);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, UPSTREAM, resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const digest = createHash("sha256").update(payload).digest("hex");
      const { stdout } = await inSandbox(
        [
          `curl -sS -p http://${UPSTREAM}:${port}/big | sha256sum`,
          `curl -sS --proxy "$ALL_PROXY" http://${UPSTREAM}:${port}/big | sha256sum`,
          `curl -sS -o big http://${UPSTREAM}:${port}/big && curl -sS -p --data-binary @big http://${UPSTREAM}:${port}/up`,
        ].join(" && "),
        allowUpstream,
      );
      expect(stdout).toBe(`${digest}  -\n${digest}  -\nstored\n`);
      expect(uploads).toEqual([digest]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 60_000);

  test("the proxy's ports are not open on the host", () => {
    const listening = execFileSync("cat", ["/proc/net/tcp"], { encoding: "utf8" });
    expect(listening).not.toMatch(/:0C38 [0-9A-F:]+ 0A/); // 3128, state LISTEN
  });
});

const registry = (() => {
  try {
    return new URL(execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).trim());
  } catch {
    return null;
  }
})();
const describeRegistry = unsupported === null && registry !== null ? describe : describe.skip;

describeRegistry("Linux: a real name, the package registry npm uses", () => {
  test("allowed by name it is reached through CONNECT; off the list it is refused before any lookup", async () => {
    const host = registry!.hostname;
    const url = `${registry!.protocol}//${host}/`;
    const allowed = await inSandbox(`curl -sS -o /dev/null -w '%{http_code}' --max-time 20 ${url}`, { policy: { allowedDomains: [host] } });
    expect(allowed.stdout).toMatch(/^[23]\d\d$/);
    expect(allowed.events[0]).toMatchObject({ host, action: "allow" });
    const refused = await inSandbox(`curl -sS -o /dev/null --max-time 20 ${url}; echo " $?"`, { policy: { allowedDomains: [UPSTREAM], deniedDomains: [host] } });
    expect(refused.stdout).toMatch(/ 56\n$/);
    expect(refused.events[0]).toMatchObject({ host, action: "deny", code: "blocked-by-denylist" });
  }, 60_000);
});
