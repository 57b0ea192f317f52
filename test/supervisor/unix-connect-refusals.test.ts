/**
 * With the network off, a host's pathname Unix socket that the policy does
 * not list cannot be reached: connect fails with EACCES, and so does
 * sendmmsg with its address (or a connect of a datagram socket to it), the
 * call the supervisor performs for each message of the vector. Judged from
 * the host side: the host's server saw no connection, its datagram socket
 * received nothing. The allowed socket, reached the same way, shows the
 * calls work. With the sandbox's namespaces and without (downgraded), as
 * root and as nobody; the host socket outside every writable root, and in
 * one (a writable root grants no reach to the sockets in it).
 */
import { once } from "node:events";
import { chmodSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, hasTool, launch, receiveDatagrams, scratchDir, supervisorUnavailable, type LaunchOptions } from "./harness.js";
import { describeUnless, testUnless } from "../support/skip.js";

const unavailable =
  supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed") ?? (hasTool("cc") ? null : "cc is not installed");
const nobodySkip = process.getuid?.() !== 0 ? "needs root to become nobody" : hasTool("setpriv") ? null : "needs setpriv to become nobody";
const NOBODY = 65534;
// The launcher without namespaces, as on a host that allows none.
const DOWNGRADED = ["--simulate-no-namespaces", ...["terminal", "network-namespace", "read-only-subpaths", "file-metadata"].flatMap((p) => ["--best-effort", p])];

/** For python3 in the sandbox: connects a stream socket to argv[1]; "connected", or the errno. */
const CONNECT = `
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    print("connected")
except OSError as e:
    print("connect failed:", errno.errorcode[e.errno])
`;

describeUnless(unavailable)(`Unix sockets outside the policy are refused, as the host sees${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let workspace: string;
  let host: string;
  let sendmmsgProbe: string;
  const servers: Server[] = [];
  /** Connections each host stream socket accepted, by path. */
  const accepted = new Map<string, number>();
  let datagramSockets = 0;

  const listen = async (path: string) => {
    accepted.set(path, 0);
    const server = createServer((socket) => {
      accepted.set(path, accepted.get(path)! + 1);
      socket.destroy();
    });
    server.listen(path);
    await once(server, "listening");
    // Anyone may connect as far as the file's mode goes: only the sandbox refuses.
    chmodSync(path, 0o777);
    servers.push(server);
  };

  beforeAll(async () => {
    scratch = scratchDir();
    workspace = join(scratch.path, "workspace");
    host = join(scratch.path, "host");
    mkdirSync(workspace);
    mkdirSync(host);
    chmodSync(workspace, 0o777);
    sendmmsgProbe = compile(scratch.path, "sendmmsg-probe", fileURLToPath(new URL("./fixtures/sendmmsg-probe.c", import.meta.url)));
    await listen(join(host, "daemon.sock"));
    await listen(join(host, "allowed.sock"));
    await listen(join(workspace, "daemon.sock"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    scratch.remove();
  });

  const configurations: [string, string[]][] = [
    ["with the sandbox's namespaces", []],
    ["without namespaces (downgraded)", DOWNGRADED],
  ];
  const users: [string, number | undefined, string | null][] = [
    ["as root", undefined, null],
    ["as nobody", NOBODY, nobodySkip],
  ];

  describe.each(configurations)("%s", (_configuration, flags) => {
    describe.each(users)("%s", (_user, asUser, skip) => {
      const it = testUnless(skip);
      const options = (allowed: string): LaunchOptions => ({ cwd: workspace, allowUnixSockets: [allowed], asUser, launcherFlags: flags });

      /** `connect` to `target` with `allowed` the only socket of the policy: what it printed, and the connections the host saw. */
      const connectTo = async (target: string) => {
        const before = accepted.get(target)!;
        const result = await launch(["python3", "-c", CONNECT, target], options(join(host, "allowed.sock")));
        // A connection is accepted before connect returns; its callback runs within a moment.
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { stdout: result.stdout, connections: accepted.get(target)! - before };
      };

      it("connect to a host socket outside the policy and outside every writable root fails with EACCES; its server saw no connection", async () => {
        expect(await connectTo(join(host, "daemon.sock"))).toEqual({ stdout: "connect failed: EACCES\n", connections: 0 });
      });
      it("connect to a host socket outside the policy in the writable root fails with EACCES; its server saw no connection", async () => {
        expect(await connectTo(join(workspace, "daemon.sock"))).toEqual({ stdout: "connect failed: EACCES\n", connections: 0 });
      });
      it("connect to the allowed socket reaches its server", async () => {
        expect(await connectTo(join(host, "allowed.sock"))).toEqual({ stdout: "connected\n", connections: 1 });
      });

      /** The sendmmsg probe in `mode` to a fresh host datagram socket, allowed or not: what it printed, and what arrived. */
      const sendmmsgTo = async (mode: "to" | "connected", allowed: boolean, dir: string) => {
        const target = join(dir, `${++datagramSockets}.dgram`);
        const receiver = await receiveDatagrams(target);
        const result = await launch([sendmmsgProbe, mode, target], options(allowed ? target : join(host, "allowed.sock")));
        return { stdout: result.stdout, arrivals: (await receiver.arrivals()).map((arrival) => arrival.data) };
      };

      it("sendmmsg to a host datagram socket outside the policy fails with EACCES; nothing arrives", async () => {
        expect(await sendmmsgTo("to", false, host)).toEqual({ stdout: "sendmmsg failed: EACCES\n", arrivals: [] });
      });
      it("sendmmsg to a host datagram socket outside the policy in the writable root fails with EACCES; nothing arrives", async () => {
        expect(await sendmmsgTo("to", false, workspace)).toEqual({ stdout: "sendmmsg failed: EACCES\n", arrivals: [] });
      });
      it("sendmmsg on a datagram socket: its connect to a host socket outside the policy fails with EACCES; nothing arrives", async () => {
        expect(await sendmmsgTo("connected", false, host)).toEqual({ stdout: "connect failed: EACCES\n", arrivals: [] });
      });
      it("sendmmsg to the allowed datagram socket arrives", async () => {
        expect(await sendmmsgTo("to", true, host)).toEqual({ stdout: "sent 1\n", arrivals: ["via sendmmsg"] });
      });
    });
  });
});
