// The network proxy (SPEC §9, §11): a new connection through the proxy
// against the same connection made directly (host loopback upstream), a
// 256 MiB download through the proxy against the same download direct
// (with curl: through the host proxy alone, and from inside a Linux sandbox
// through the launcher's forwarder as well), and 256 concurrent connections, none lost
// and no descriptor left open afterwards.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const { NetworkProxy, spawnSandboxed, parseSandboxPolicy } = await import(join(here, "..", "dist", "index.js"));

const BIG = 256 * 1024 * 1024;
const UPSTREAM = "127.0.0.2";

// The upstream runs in a process of its own, so that this process, which hosts the proxy, does nothing else.
const upstreamSource = `
const { createServer } = require("node:http");
const BIG = ${BIG};
const CHUNK = Buffer.alloc(1024 * 1024, 120);
const server = createServer((request, response) => {
  if (request.url !== "/big") return response.end("ok\\n");
  response.writeHead(200, { "content-length": BIG });
  let sent = 0;
  const pump = () => {
    while (sent < BIG) {
      sent += CHUNK.length;
      if (!response.write(CHUNK)) return response.once("drain", pump);
    }
    response.end();
  };
  pump();
});
server.keepAliveTimeout = 1;
server.listen(0, "${UPSTREAM}", () => process.stdout.write(String(server.address().port) + "\\n"));
`;

function upstreamServer() {
  const child = spawn(process.execPath, ["-e", upstreamSource], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.stdout.once("data", (data) => resolve({ child, port: Number(String(data).trim()) }));
  });
}

/** One request on a fresh connection, directly or through a CONNECT tunnel; resolves with the body's length. */
function fetchOnce(port, path, proxyPort) {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort ?? port, proxyPort === undefined ? UPSTREAM : "127.0.0.1");
    let tunnelled = proxyPort === undefined;
    let pending = Buffer.alloc(0);
    let received = 0;
    const request = `GET ${path} HTTP/1.1\r\nHost: ${UPSTREAM}\r\nConnection: close\r\n\r\n`;
    socket.on("error", reject);
    socket.on("connect", () => socket.write(tunnelled ? request : `CONNECT ${UPSTREAM}:${port} HTTP/1.1\r\nHost: ${UPSTREAM}:${port}\r\n\r\n`));
    socket.on("data", (chunk) => {
      if (!tunnelled) {
        pending = Buffer.concat([pending, chunk]);
        const end = pending.indexOf("\r\n\r\n");
        if (end === -1) return;
        if (!pending.subarray(0, 12).toString().includes("200")) return reject(new Error(`proxy refused: ${pending.toString()}`));
        tunnelled = true;
        socket.write(request);
        return;
      }
      received += chunk.length;
    });
    socket.on("close", () => resolve(received));
  });
}

function openDescriptors() {
  return readdirSync("/proc/self/fd").length;
}

function sandboxedCurl(args, proxy) {
  return new Promise((resolve, reject) => {
    const policy = parseSandboxPolicy({ type: "read-only", network_access: true });
    const child = spawnSandboxed(["curl", "-sS", "-o", "/dev/null", ...args], policy, { cwd: "/", networkProxy: proxy, stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
  });
}

function hostCurl(args) {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", "-o", "/dev/null", ...args], { stdio: "ignore", env: { PATH: process.env.PATH } });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
  });
}

// sandbox-runtime's HTTP proxy, allowing everything, as bench/peer.js installs it into bench/.peer.
const peerProxyModule = join(here, ".peer", "node_modules", "@anthropic-ai", "sandbox-runtime", "dist", "sandbox", "http-proxy.js");

async function peerProxyRow(url, ours, mbps) {
  const name = "network: 256 MiB with curl through cordon's proxy vs sandbox-runtime's";
  if (!existsSync(peerProxyModule)) return notRun(name, "reported beside", "sandbox-runtime is not installed in bench/.peer (bench/peer.js installs it)");
  const { createHttpProxyServer } = await import(peerProxyModule);
  const server = createHttpProxyServer({ filter: () => true });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const peer = mbps(await timeRuns(() => hostCurl(["-p", "-x", `http://127.0.0.1:${server.address().port}`, url]), { count: 3, warmup: 1 }));
    return row({ name, unit: "MiB/s", ours, baseline: peer, target: "reported beside" });
  } finally {
    server.closeAllConnections?.();
    server.close();
  }
}

export async function run() {
  if (process.platform !== "linux") return [notRun("network proxy", "-", "the loopback address 127.0.0.2 is Linux's")];
  const { child: server, port } = await upstreamServer();
  const proxy = await NetworkProxy.start({ tcp: true, policy: { allowedDomains: [UPSTREAM] } });
  const rows = [];
  try {
    const direct = summarize(await timeRuns(() => fetchOnce(port, "/small"), { count: 200, warmup: 20 }));
    const proxied = summarize(await timeRuns(() => fetchOnce(port, "/small", proxy.httpPort), { count: 200, warmup: 20 }));
    const extra = proxied.median - direct.median;
    rows.push({
      ...row({ name: "network: new connection + request through the proxy (CONNECT) vs direct", unit: "ms", ours: proxied, baseline: direct, target: "≤ +1 ms median", met: extra <= 1 }),
      note: `+${extra.toFixed(3)} ms`,
    });

    const mbps = (samples) => summarize(samples.map((ms) => BIG / 1024 / 1024 / (ms / 1000)));
    const url = `http://${UPSTREAM}:${port}/big`;
    const curlDirect = mbps(await timeRuns(() => hostCurl([url]), { count: 3, warmup: 1 }));
    const curlProxied = mbps(await timeRuns(() => hostCurl(["-p", "-x", `http://127.0.0.1:${proxy.httpPort}`, url]), { count: 3, warmup: 1 }));
    rows.push(row({ name: "network: 256 MiB with curl through the proxy (CONNECT) vs direct", unit: "MiB/s", ours: curlProxied, baseline: curlDirect, target: "≥ 0.8×", met: curlProxied.median / curlDirect.median >= 0.8 }));

    const curlSandboxed = mbps(await timeRuns(() => sandboxedCurl([url], proxy), { count: 3, warmup: 1 }));
    rows.push(
      row({
        name: "network: 256 MiB with curl in a Linux sandbox (launcher forwarder + proxy) vs curl on the host, direct",
        unit: "MiB/s",
        ours: curlSandboxed,
        baseline: curlDirect,
        target: "≥ 0.8×",
        met: curlSandboxed.median / curlDirect.median >= 0.8,
      }),
    );

    const before = openDescriptors();
    const started = process.hrtime.bigint();
    const results = await Promise.allSettled(Array.from({ length: 256 }, () => fetchOnce(port, "/small", proxy.httpPort)));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lost = results.filter((r) => r.status === "rejected" || r.value === 0).length;
    const leaked = openDescriptors() - before;
    rows.push({
      ...row({ name: "network: 256 concurrent connections through the proxy", unit: "ms", ours: summarize([ms]), target: "none lost, no descriptor left", met: lost === 0 && leaked <= 0 }),
      note: `${lost} lost, ${leaked} descriptors left open`,
    });
    rows.push(await peerProxyRow(url, curlProxied, mbps));
  } finally {
    await proxy.close();
    server.kill();
  }
  return rows;
}
