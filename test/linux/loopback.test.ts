/**
 * Network off (`cordon run --sandbox workspace-write`): the sandbox's own
 * network namespace has a loopback of its own, where servers listen and
 * clients connect over TCP and UDP, IPv4 and IPv6. Nothing reaches the host's
 * loopback: the host listens on the very same ports, counts zero connections
 * and zero datagrams, and the ports are free inside although the host holds them.
 */
import { spawnSync } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cordonBin } from "../support/cli.js";
import { unsupportedReason } from "./run-sandboxed.js";

const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const NOBODY = 65534;
const canBecomeNobody = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
const skipReason = unsupportedReason();
const USERS: ("caller" | "nobody")[] = canBecomeNobody ? ["caller", "nobody"] : ["caller"];
const describeLinux = skipReason ? describe.skip : describe;
if (skipReason) console.log(`loopback tests skipped: ${skipReason}`);
else if (!canBecomeNobody) console.log("loopback tests as nobody skipped: they need root and setpriv");

/** Listens on `port` of 127.0.0.1 and ::1, answers TCP with "inside", and connects a client to each. */
const NODE_SERVERS = `
const net = require("node:net");
const port = Number(process.argv[1]);
async function roundTrip(host) {
  const server = net.createServer((socket) => socket.end("inside " + host));
  await new Promise((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
  const reply = await new Promise((resolve, reject) => {
    let data = "";
    net.connect(port, host).on("data", (chunk) => (data += chunk)).on("end", () => resolve(data)).on("error", reject);
  });
  server.close();
  return reply;
}
(async () => console.log(JSON.stringify([await roundTrip("127.0.0.1"), await roundTrip("::1")])))().catch((error) => {
  console.log(JSON.stringify(error.code));
  process.exitCode = 1;
});
`;

/** A UDP echo server on `port` of 127.0.0.1 (and ::1), and a client that sends to it and reads the echo. */
const PYTHON_UDP_ECHO = `
import json, socket, sys, threading
port = int(sys.argv[1])
def echo(family, host):
    server = socket.socket(family, socket.SOCK_DGRAM)
    server.bind((host, port))
    def serve():
        data, peer = server.recvfrom(64)
        server.sendto(data.upper(), peer)
    thread = threading.Thread(target=serve)
    thread.start()
    client = socket.socket(family, socket.SOCK_DGRAM)
    client.settimeout(10)
    client.sendto(b"echo " + host.encode(), (host, port))
    reply = client.recv(64).decode()
    thread.join()
    return reply
print(json.dumps([echo(socket.AF_INET, "127.0.0.1"), echo(socket.AF_INET6, "::1")]))
`;

describeLinux("loopback inside the sandbox's own network namespace (network off)", () => {
  let dir: string;
  let servers: Server[];
  let udpSockets: UdpSocket[];
  let port: number;
  let received: number;

  beforeAll(async () => {
    servers = [];
    udpSockets = [];
    received = 0;
    const first = createServer((socket) => {
      received++;
      socket.end("host");
    });
    first.listen(0, "127.0.0.1");
    await once(first, "listening");
    port = (first.address() as { port: number }).port;
    servers.push(first);
    const second = createServer((socket) => {
      received++;
      socket.end("host");
    });
    second.listen(port, "::1");
    await once(second, "listening");
    servers.push(second);
    for (const [type, host] of [["udp4", "127.0.0.1"], ["udp6", "::1"]] as const) {
      const socket = createSocket(type);
      socket.on("message", () => received++);
      socket.bind(port, host);
      await once(socket, "listening");
      udpSockets.push(socket);
    }
  });
  afterAll(() => {
    for (const server of servers) server.close();
    for (const socket of udpSockets) socket.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-loopback-"));
    chmodSync(dir, 0o777);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function cordonRun(user: "caller" | "nobody", command: string[]) {
    const run = [process.execPath, cordonBin, "run", "--sandbox", "workspace-write", "--", ...command];
    const [program, ...args] = user === "nobody" ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", ...run] : run;
    return spawnSync(program!, args, { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, encoding: "utf8", timeout: 60_000 });
  }

  describe.each(USERS)("as %s", (user) => {
    test("node listens on 127.0.0.1 and ::1, on a port the host holds, and its client connects; the host sees nothing", async () => {
      const result = cordonRun(user, [process.execPath, "-e", NODE_SERVERS, String(port)]);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
      expect(JSON.parse(result.stdout)).toEqual(["inside 127.0.0.1", "inside ::1"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toBe(0);
    });

    test("a Python UDP echo over IPv4 and IPv6 on a port the host holds; the host receives no datagram", async () => {
      const result = cordonRun(user, [PYTHON, "-c", PYTHON_UDP_ECHO, String(port)]);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
      expect(JSON.parse(result.stdout)).toEqual(["ECHO 127.0.0.1", "ECHO ::1"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toBe(0);
    });
  });
});
