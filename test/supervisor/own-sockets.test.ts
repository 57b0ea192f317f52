/**
 * Unix sockets the command binds itself work with the network off: their
 * listener lives in the sandbox's own network namespace. A host daemon's
 * socket stays refused, also under a writable root or in /tmp, judged from
 * the host side by the daemon's count of connections. Real workloads, each
 * skipped visibly when its tool is missing here.
 */
import { createServer, type Server } from "node:net";
import { once } from "node:events";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasTool, launch, scratchDir, supervisorUnavailable, type LaunchOptions } from "./harness.js";

const unavailable = supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed");
if (unavailable) console.log(`Own Unix socket tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const runsAsNobody = process.getuid?.() === 0;
const DOWNGRADED = ["--simulate-no-namespaces", ...["terminal", "network-namespace", "read-only-subpaths", "file-metadata"].flatMap((p) => ["--best-effort", p])];

const MULTIPROCESSING = `
import multiprocessing as mp
def square(x): return x * x
if __name__ == "__main__":
    mp.set_start_method("forkserver")
    with mp.Pool(2) as pool: print("pool", pool.map(square, [1, 2, 3]))
    with mp.Manager() as manager:
        shared = manager.dict(); shared["a"] = 1; print("manager", dict(shared))
`;

const ASYNCIO = `
import asyncio, os
path = os.path.join(os.getcwd(), "asyncio.sock")
async def handle(reader, writer):
    writer.write(b"pong:" + await reader.readline()); await writer.drain(); writer.close()
async def main():
    server = await asyncio.start_unix_server(handle, path)
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(b"ping\\n"); await writer.drain()
    print((await reader.read()).decode(), end="")
    server.close()
asyncio.run(main())
`;

const NODE_SERVER = `
const net = require("net");
const path = require("path").join(process.cwd(), "node.sock");
const server = net.createServer((socket) => socket.end("hello from node")).listen(path, () => {
  net.connect(path).on("data", (data) => { console.log(String(data)); server.close(); });
});
`;

/** Connects to argv[1] and prints what it answers, or the errno. */
const CONNECT = `
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    print("connected:", s.recv(100).decode())
except OSError as e:
    print("error:", errno.errorcode[e.errno])
`;

interface Workload {
  name: string;
  tools: string[];
  script: (dir: string) => string[];
  expected: RegExp;
}

const workloads: Workload[] = [
  {
    // A file, not -c: the forkserver's workers import the main module to find `square`.
    name: "Python multiprocessing (forkserver, Manager)",
    tools: ["python3"],
    script: (dir) => {
      writeFileSync(join(dir, "pool.py"), MULTIPROCESSING);
      return ["python3", join(dir, "pool.py")];
    },
    expected: /^pool \[1, 4, 9\]\nmanager \{'a': 1\}\n$/,
  },
  { name: "an asyncio Unix server", tools: ["python3"], script: () => ["python3", "-c", ASYNCIO], expected: /^pong:ping\n$/ },
  { name: "a Node net server on a socket path", tools: ["node"], script: () => [process.execPath, "-e", NODE_SERVER], expected: /^hello from node\n$/ },
  {
    name: "socat",
    tools: ["socat"],
    script: (dir) => ["sh", "-c", `socat UNIX-LISTEN:${dir}/socat.sock EXEC:"echo socat reply" & while [ ! -S ${dir}/socat.sock ]; do sleep 0.05; done; socat - UNIX-CONNECT:${dir}/socat.sock </dev/null; wait`],
    expected: /^socat reply\n$/,
  },
  {
    name: "ssh-agent and ssh-add",
    tools: ["ssh-agent", "ssh-add", "ssh-keygen"],
    script: (dir) => ["sh", "-c", `eval "$(ssh-agent -s -a ${dir}/agent.sock)" >/dev/null && ssh-keygen -q -t ed25519 -N "" -f ${dir}/key && ssh-add -q ${dir}/key && ssh-add -l | grep -o ED25519; ssh-agent -k >/dev/null`],
    expected: /^ED25519\n$/,
  },
  {
    name: "gpg and its agent",
    tools: ["gpg", "gpg-agent", "gpgconf"],
    script: (dir) => ["sh", "-c", `export GNUPGHOME=${dir}/gnupg; mkdir -m 700 "$GNUPGHOME" && gpg --batch -q --passphrase "" --quick-gen-key "Test <test@example.invalid>" ed25519 2>/dev/null && echo data | gpg --batch -q --clearsign 2>/dev/null | head -n 1; gpgconf --kill gpg-agent`],
    expected: /^-----BEGIN PGP SIGNED MESSAGE-----\n$/,
  },
  {
    // A server without sessions (panes need a terminal of their own): its clients still talk to it over its socket.
    name: "tmux",
    tools: ["tmux"],
    script: (dir) => ["sh", "-c", `tmux -S ${dir}/tmux.sock -f /dev/null start-server \\; set -g exit-empty off && tmux -S ${dir}/tmux.sock show -g exit-empty && tmux -S ${dir}/tmux.sock kill-server`],
    expected: /^exit-empty off\n$/,
  },
];

describeHere(`Unix sockets the command binds itself${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let runs = 0;

  beforeAll(() => {
    scratch = scratchDir();
  });
  afterAll(() => scratch.remove());

  /** A fresh workspace anyone may write, the run's writable root and HOME. */
  const workspace = () => {
    const dir = join(scratch.path, `run-${++runs}`);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    return dir;
  };
  const run = (command: string[], dir: string, options: Partial<LaunchOptions> = {}) =>
    launch(command, { cwd: dir, writableRoots: [dir], env: { ...process.env, HOME: dir, TMPDIR: dir }, ...options });

  const users: [string, number | undefined][] = [["as the caller", undefined]];
  if (runsAsNobody) users.push(["as an unprivileged user", 65534]);

  describe.each(users)("%s", (_user, asUser) => {
    for (const workload of workloads) {
      const missing = workload.tools.filter((tool) => !hasTool(tool));
      const testHere = missing.length > 0 ? test.skip : test;
      testHere(`${workload.name}${missing.length > 0 ? ` (skipped: ${missing.join(", ")} not installed)` : ""}`, async () => {
        const dir = workspace();
        const result = await run(workload.script(dir), dir, { asUser });
        expect({ stdout: result.stdout, status: result.status }).toEqual({ stdout: expect.stringMatching(workload.expected), status: 0 });
      }, 60_000);
    }

    describe("a host daemon's socket stays refused", () => {
      let connections: number;
      const servers: Server[] = [];
      const listen = async (path: string) => {
        const server = createServer((socket) => {
          connections++;
          socket.end("hello from the host daemon");
        });
        server.listen(path);
        await once(server, "listening");
        chmodSync(path, 0o777);
        servers.push(server);
      };
      beforeEach(() => {
        connections = 0;
      });
      afterEach(async () => {
        await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
      });

      test("under the run's writable root", async () => {
        const dir = workspace();
        await listen(join(dir, "daemon.sock"));
        const result = await run(["python3", "-c", CONNECT, join(dir, "daemon.sock")], dir, { asUser });
        expect(result.stdout).toBe("error: EACCES\n");
        expect(connections).toBe(0);
      });

      test("in /tmp, a writable root too", async () => {
        const dir = workspace();
        const path = join(tmpdir(), `cordon-daemon-${process.pid}-${runs}.sock`);
        await listen(path);
        const result = await run(["python3", "-c", CONNECT, path], dir, { asUser, writableRoots: [dir, tmpdir()] });
        expect(result.stdout).toBe("error: EACCES\n");
        expect(connections).toBe(0);
      });

      test("while the command's own listener in the same directory is reached", async () => {
        const dir = workspace();
        await listen(join(dir, "daemon.sock"));
        writeFileSync(join(dir, "both.py"), `${ASYNCIO}\n${CONNECT.replace("sys.argv[1]", `"${join(dir, "daemon.sock")}"`)}`);
        const result = await run(["python3", "both.py"], dir, { asUser });
        expect(result.stdout).toBe("pong:ping\nerror: EACCES\n");
        expect(connections).toBe(0);
      });
    });
  });

  test("without a network namespace (downgraded) only the allowed sockets are reached: the command's own listener is refused", async () => {
    const dir = workspace();
    const result = await run(["python3", "-c", ASYNCIO], dir, { launcherFlags: DOWNGRADED });
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("PermissionError");
  });
});
