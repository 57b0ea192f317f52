/**
 * The supervisor's side of a session (--exec-session; native/exec-wire/wire.h)
 * against a host written here line by line: what it keeps, and that a host
 * that breaks the protocol, goes away or stops reading never lets an exec
 * run unasked or unrecorded.
 */
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { describeUnless } from "../support/skip.js";
import { launch, launcherPath, scratchDir, supervisorUnavailable } from "./harness.js";
import { spawnSync } from "node:child_process";

interface Line {
  type: string;
  request_id: string;
  argv: string[];
}

/** One session at a time; `answer` returns the reply line for a request (null: none). */
async function startHost(
  dir: string,
  answer: (request: Line, socket: Socket) => string | null,
  onConnection: (socket: Socket) => void = () => {},
): Promise<{ socketPath: string; lines: Line[]; hello: string[]; close: () => Promise<void> }> {
  const socketPath = join(dir, `host-${Math.random().toString(36).slice(2)}.sock`);
  const lines: Line[] = [];
  const hello: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onConnection(socket);
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n")) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const line = JSON.parse(text) as Line;
        if (line.type === "exec_session") {
          hello.push(text);
          continue;
        }
        lines.push(line);
        const reply = line.type === "exec_request" ? answer(line, socket) : null;
        if (reply !== null && !socket.destroyed) socket.write(reply);
      }
    });
    socket.on("end", () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    lines,
    hello,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const response = (request: Line, fields: Record<string, unknown>) =>
  `${JSON.stringify({ type: "exec_response", request_id: request.request_id, reason: null, ...fields })}\n`;
const keep = (request: Line) => response(request, { action: "run", cache: "program" });

describeUnless(supervisorUnavailable())("exec session (supervisor side)", () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeAll(() => {
    scratch = scratchDir();
  });
  afterAll(() => scratch.remove());

  const run = (socketPath: string, script: string) =>
    launch(["bash", "-c", script], { cwd: scratch.path, execSocket: socketPath, launcherFlags: ["--exec-session"] });

  test("one connection for the run: a hello, then requests and records in the order the execs came", async () => {
    const connections: Socket[] = [];
    const host = await startHost(scratch.path, keep, (socket) => connections.push(socket));
    try {
      const result = await run(host.socketPath, "/usr/bin/true 1; /usr/bin/true 2; /usr/bin/true 3");
      expect(result.status).toBe(0);
      expect(connections).toHaveLength(1);
      expect(host.hello).toEqual(['{"type":"exec_session","version":1}']);
      expect(host.lines.map((line) => [line.type, line.argv.join(" ")])).toEqual([
        ["exec_request", "bash -c /usr/bin/true 1; /usr/bin/true 2; /usr/bin/true 3"],
        ["exec_request", "/usr/bin/true 1"],
        ["exec_record", "/usr/bin/true 2"],
        ["exec_record", "/usr/bin/true 3"],
      ]);
      expect(new Set(host.lines.map((line) => line.request_id)).size).toBe(4);
    } finally {
      await host.close();
    }
  });

  test.each([
    ["cache on a deny", (request: Line) => response(request, { action: "deny", reason: "no", cache: "program" })],
    ["another cache value", (request: Line) => response(request, { action: "run", cache: "everything" })],
    ["an unknown request_id", (request: Line) => response({ ...request, request_id: "not-asked" }, { action: "run" })],
    ["a line that is not JSON", () => "run please\n"],
  ])("a reply with %s is malformed: the exec is refused, and so is every later one", async (_name, reply) => {
    let first = true;
    const host = await startHost(scratch.path, (request) => {
      if (first) {
        first = false;
        return response(request, { action: "run" });
      }
      return reply(request);
    });
    try {
      const marker = join(scratch.path, `ran-${Math.random().toString(36).slice(2)}`);
      const result = await run(host.socketPath, `/usr/bin/true; echo "status $?"; /usr/bin/touch ${marker}; echo "status $?"`);
      expect(result.stdout).toBe("status 126\nstatus 126\n");
      expect(result.stderr).toMatch(/cordon: execution denied: \/usr\/bin\/true: the exec server could not be asked \((malformed reply|the exec server answered a request that is not waiting)/);
      expect(spawnSync("test", ["-e", marker]).status).toBe(1);
    } finally {
      await host.close();
    }
  });

  test("a host that closes the session mid-run: every later exec is refused with the reason", async () => {
    let count = 0;
    const host = await startHost(scratch.path, (request, socket) => {
      count++;
      if (count === 2) {
        socket.destroy();
        return null;
      }
      return keep(request);
    });
    try {
      const result = await run(host.socketPath, '/usr/bin/env; echo "status $?"; /usr/bin/id; echo "status $?"');
      expect(result.stdout).toBe("status 126\nstatus 126\n");
      expect(result.stderr).toContain("the exec server closed the session");
    } finally {
      await host.close();
    }
  });

  test("a kept program whose record cannot be sent does not run", async () => {
    const host = await startHost(scratch.path, (request, socket) => {
      // The host goes away when asked about env, after it said /usr/bin/true may be kept.
      if (request.argv[0] === "/usr/bin/env") {
        socket.destroy();
        return null;
      }
      return keep(request);
    });
    try {
      const marker = join(scratch.path, `kept-${Math.random().toString(36).slice(2)}`);
      const result = await run(host.socketPath, `/usr/bin/true; /usr/bin/env; /usr/bin/true && : > ${marker}; echo "status $?"`);
      expect(result.stdout).toBe("status 126\n");
      expect(result.stderr).toMatch(/execution denied: \/usr\/bin\/true: .*the exec server closed the session/);
      expect(spawnSync("test", ["-e", marker]).status).toBe(1);
      expect(host.lines.filter((line) => line.type === "exec_record")).toHaveLength(0);
    } finally {
      await host.close();
    }
  });

  test("a host that stops reading makes the execs wait; none is lost", async () => {
    let paused = false;
    const host = await startHost(
      scratch.path,
      (request, socket) => {
        if (!paused && request.argv[0] === "/usr/bin/true") {
          paused = true;
          // Longer than the socket buffers hold: the records wait for the host to read again.
          socket.pause();
          setTimeout(() => socket.resume(), 1500);
        }
        return keep(request);
      },
    );
    try {
      const long = "x".repeat(4000);
      const result = await run(host.socketPath, `for i in $(seq 1 300); do /usr/bin/true $i ${long}; done; echo done`);
      expect(result.stdout).toBe("done\n");
      const trues = host.lines.filter((line) => line.argv[0] === "/usr/bin/true").map((line) => line.argv[1]);
      expect(trues).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)));
    } finally {
      await host.close();
    }
  });

  test("the EXEC_FORGET line empties the table: the next exec is asked", async () => {
    const host = await startHost(scratch.path, (request) => {
      if (request.argv[1] === "forget") return `{"type":"exec_forget"}\n${keep(request)}`;
      return keep(request);
    });
    try {
      const result = await run(host.socketPath, "/usr/bin/true 1; /usr/bin/true 2; /usr/bin/env forget >/dev/null; /usr/bin/true 3; /usr/bin/true 4");
      expect(result.status).toBe(0);
      const trues = host.lines.filter((line) => line.argv[0] === "/usr/bin/true").map((line) => line.type);
      expect(trues).toEqual(["exec_request", "exec_record", "exec_request", "exec_record"]);
    } finally {
      await host.close();
    }
  });

  test("--exec-session needs --exec-socket", () => {
    const result = spawnSync(launcherPath, ["--exec-session", "--", "true"], { encoding: "utf8" });
    expect(result.status).toBe(125);
    expect(result.stderr).toContain("--exec-session needs --exec-socket");
  });
});
