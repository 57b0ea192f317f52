/**
 * `--allow-unix-socket PATH` on `cordon run` and `cordon shell`: with the
 * network off, the command reaches a host daemon's socket only when it is
 * named. Judged from the host: what each daemon received.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { once } from "node:events";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordonAsync } from "../support/cli.js";

// Sends one line and prints the reply, or the errno name.
const CLIENT = `
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    s.sendall(b"from the sandbox\\n")
    print("reply: " + s.recv(100).decode())
except OSError as e:
    print("error: " + errno.errorcode[e.errno])
`;

const unavailable = interceptedShellUnavailable();

(unavailable ? describe.skip : describe)(`--allow-unix-socket on run and shell${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let dir: string;
  let servers: Server[];
  let received: Record<string, string>;
  let allowed: string;
  let daemon: string;

  async function listen(path: string): Promise<void> {
    const server = createServer((socket) => {
      socket.on("data", (data) => {
        received[path] = (received[path] ?? "") + data.toString();
        socket.end("hello");
      });
    });
    server.listen(path);
    await once(server, "listening");
    servers.push(server);
  }

  beforeEach(async () => {
    // Outside /tmp and outside every writable root: a host daemon's place.
    dir = realpathSync(mkdtempSync("/var/tmp/cordon-cli-sockets-"));
    servers = [];
    received = {};
    allowed = join(dir, "allowed.sock");
    daemon = join(dir, "daemon.sock");
    await listen(allowed);
    await listen(daemon);
  });
  afterEach(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  test("run: the named socket is reached, any other is refused with EACCES", async () => {
    const flags = ["run", "--sandbox", "workspace-write", "--allow-unix-socket", "allowed.sock", "--"];
    const toAllowed = await runCordonAsync([...flags, "python3", "-c", CLIENT, allowed], { cwd: dir });
    const toDaemon = await runCordonAsync([...flags, "python3", "-c", CLIENT, daemon], { cwd: dir });
    expect(toAllowed.stdout).toBe("reply: hello\n");
    expect(toDaemon.stdout).toBe("error: EACCES\n");
    expect(received).toEqual({ [allowed]: "from the sandbox\n" });
  });

  test("run without the flag reaches neither", async () => {
    const result = await runCordonAsync(["run", "--sandbox", "workspace-write", "--", "python3", "-c", CLIENT, allowed], { cwd: dir });
    expect(result.stdout).toBe("error: EACCES\n");
    expect(received).toEqual({});
  });

  test("shell: the same, the flag repeatable", async () => {
    const result = await runCordonAsync(
      ["shell", "--sandbox", "workspace-write", "--allow-unix-socket", allowed, "--allow-unix-socket", join(dir, "third.sock"), "-c",
        `for s in '${allowed}' '${daemon}'; do python3 -c '${CLIENT.replaceAll("'", "'\\''")}' "$s"; done`],
      { cwd: dir },
    );
    expect(result.stdout).toBe("reply: hello\nerror: EACCES\n");
    expect(received).toEqual({ [allowed]: "from the sandbox\n" });
  });
});
