/**
 * Pathname Unix sockets with the network off: only the allowed socket files
 * can be reached, by exact resolved path, through connect, sendto, sendmsg
 * and sendmmsg; the supervisor performs the allowed call itself, control
 * messages included. Judged from the host side: what the host's socket
 * received.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, hasTool, launch, receiveDatagrams, scratchDir, supervisorUnavailable } from "./harness.js";

const unavailable = supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed");
if (unavailable) console.log(`Unix socket mediation tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

/** A script for python3 inside the sandbox: prints the outcome of one call. */
const CLIENT = `
import errno, socket, sys
kind, path = sys.argv[1], sys.argv[2]
try:
    if kind == "connect":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        print("connected:", s.recv(100).decode())
    elif kind == "sendto":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        print("sent:", s.sendto(b"via sendto", path))
    elif kind == "sendmsg":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        print("sent:", s.sendmsg([b"via ", b"sendmsg"], [], 0, path))
    elif kind == "abstract":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind("\\0" + path)
        server.listen(1)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect("\\0" + path)
        print("connected: abstract")
except OSError as e:
    print("error:", errno.errorcode[e.errno])
`;

describeHere(`Unix socket mediation with the network off${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let dir: string;
  let allowed: string;
  let other: string;
  const servers: Server[] = [];

  const listen = async (path: string, greeting: string) => {
    const server = createServer((socket) => socket.end(greeting));
    server.listen(path);
    await once(server, "listening");
    servers.push(server);
  };

  beforeAll(async () => {
    scratch = scratchDir();
    dir = scratch.path;
    allowed = join(dir, "allowed.sock");
    other = join(dir, "daemon.sock");
    await listen(allowed, "hello from the allowed socket");
    await listen(other, "hello from the daemon");
    symlinkSync(allowed, join(dir, "link-to-allowed"));
    symlinkSync(other, join(dir, "link-to-daemon"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    scratch.remove();
  });

  const client = (kind: string, path: string, options: { allowNetwork?: boolean } = {}) =>
    launch(["python3", "-c", CLIENT, kind, path], { cwd: dir, allowUnixSockets: [allowed], allowNetwork: options.allowNetwork });

  test("connect to the allowed socket reaches it", async () => {
    expect((await client("connect", allowed)).stdout).toBe("connected: hello from the allowed socket\n");
  });

  test("connect to any other socket file fails with EACCES", async () => {
    expect((await client("connect", other)).stdout).toBe("error: EACCES\n");
  });

  test("the path is resolved first: a symlink to the allowed socket works, a symlink to another does not", async () => {
    expect((await client("connect", "link-to-allowed")).stdout).toBe("connected: hello from the allowed socket\n");
    expect((await client("connect", join(dir, "link-to-daemon"))).stdout).toBe("error: EACCES\n");
  });

  test("a relative path is resolved against the process's working directory", async () => {
    expect((await client("connect", "allowed.sock")).stdout).toBe("connected: hello from the allowed socket\n");
    expect((await client("connect", "daemon.sock")).stdout).toBe("error: EACCES\n");
  });

  test("abstract sockets are not pathname sockets and are left alone", async () => {
    expect((await client("abstract", `cordon-test-${process.pid}`)).stdout).toBe("connected: abstract\n");
  });

  test("with the network allowed nothing is mediated", async () => {
    expect((await client("connect", other, { allowNetwork: true })).stdout).toBe("connected: hello from the daemon\n");
  });

  describe("datagrams", () => {
    let receiver: ChildProcess;
    let allowedDgram: string;
    let otherDgram: string;
    let received: string;

    beforeAll(async () => {
      allowedDgram = join(dir, "allowed.dgram");
      otherDgram = join(dir, "other.dgram");
      received = join(dir, "received.txt");
      // A host-side receiver on both addresses, writing what arrives where.
      const script = `
import socket, select, sys
socks = {}
for name in sys.argv[1:3]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(name)
    socks[s] = name
print("ready", flush=True)
while True:
    for s in select.select(list(socks), [], [])[0]:
        data = s.recv(1000)
        with open(sys.argv[3], "a") as out:
            out.write(socks[s] + ": " + data.decode() + "\\n")
`;
      receiver = spawn("python3", ["-c", script, allowedDgram, otherDgram, received], { stdio: ["ignore", "pipe", "inherit"] });
      await once(receiver.stdout!, "data");
    });
    afterAll(() => receiver.kill("SIGKILL"));

    const datagramClient = (kind: string, path: string) =>
      launch(["python3", "-c", CLIENT, kind, path], { cwd: dir, allowUnixSockets: [allowedDgram] });
    const arrived = () => (existsSync(received) ? readFileSync(received, "utf8") : "");

    test("sendto and sendmsg reach the allowed socket, performed by the supervisor", async () => {
      expect((await datagramClient("sendto", allowedDgram)).stdout).toBe("sent: 10\n");
      expect((await datagramClient("sendmsg", allowedDgram)).stdout).toBe("sent: 11\n");
      for (let i = 0; i < 200 && arrived().split("\n").length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(arrived()).toBe(`${allowedDgram}: via sendto\n${allowedDgram}: via sendmsg\n`);
    });

    test("sendmmsg: to the allowed socket it sends, performed by the supervisor; to another it fails with EACCES", async () => {
      const source = fileURLToPath(new URL("./fixtures/sendmmsg-probe.c", import.meta.url));
      const probe = compile(dir, "sendmmsg-probe", source);
      const sendmmsg = (mode: string, path: string) => launch([probe, mode, path], { cwd: dir, allowUnixSockets: [allowedDgram] });
      expect((await sendmmsg("to", allowedDgram)).stdout).toBe("sent 1\n");
      expect((await sendmmsg("to", otherDgram)).stdout).toBe("sendmmsg failed: EACCES\n");
      expect((await sendmmsg("connected", otherDgram)).stdout).toBe("connect failed: EACCES\n");
      expect((await sendmmsg("connected", allowedDgram)).stdout).toBe("sent 1\n");
      for (let i = 0; i < 200 && arrived().split("via sendmmsg").length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(arrived().split(`${allowedDgram}: via sendmmsg\n`).length).toBe(3);
      expect(arrived()).not.toContain(otherDgram);
    });

    test("sendto and sendmsg to another socket fail with EACCES and nothing arrives", async () => {
      expect((await datagramClient("sendto", otherDgram)).stdout).toBe("error: EACCES\n");
      expect((await datagramClient("sendmsg", otherDgram)).stdout).toBe("error: EACCES\n");
      expect(arrived()).not.toContain(otherDgram);
    });
  });
  describe("control messages", () => {
    /** A script for python3 inside the sandbox: one sendmsg with control data to argv[2]. */
    const SENDER = `
import array, errno, os, socket, struct, sys
kind, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    if kind == "rights":
        with open("passed.txt", "w") as f:
            f.write("the passed file")
        fd = os.open("passed.txt", os.O_RDONLY)
        control = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd, fd]))]
    else:
        control = [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("3i", os.getpid(), os.getuid(), os.getgid()))]
    print("sent:", s.sendmsg([b"with ", kind.encode()], control, 0, path))
except OSError as e:
    print("error:", errno.errorcode[e.errno])
`;

    test("descriptors travel with a datagram to the allowed socket: the host gets the very file", async () => {
      const target = join(dir, "control-rights.dgram");
      const receiver = await receiveDatagrams(target);
      const result = await launch(["python3", "-c", SENDER, "rights", target], { cwd: dir, allowUnixSockets: [target] });
      expect(result.stdout).toBe("sent: 11\n");
      expect(await receiver.arrivals()).toEqual([{ data: "with rights", files: ["the passed file", "the passed file"] }]);
    });

    test("SCM_CREDENTIALS is refused with EPERM (the kernel would vouch for the supervisor), and nothing arrives", async () => {
      const target = join(dir, "control-credentials.dgram");
      const receiver = await receiveDatagrams(target);
      const result = await launch(["python3", "-c", SENDER, "credentials", target], { cwd: dir, allowUnixSockets: [target] });
      expect(result.stdout).toBe("error: EPERM\n");
      expect(await receiver.arrivals()).toEqual([]);
    });

    test("descriptors to a socket outside the allowed list: EACCES, and nothing arrives", async () => {
      const target = join(dir, "control-other.dgram");
      const receiver = await receiveDatagrams(target);
      const result = await launch(["python3", "-c", SENDER, "rights", target], { cwd: dir, allowUnixSockets: [allowed] });
      expect(result.stdout).toBe("error: EACCES\n");
      expect(await receiver.arrivals()).toEqual([]);
    });
  });
});
