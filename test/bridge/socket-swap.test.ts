/**
 * Should anything replace the bridge's socket (its directory is read-only in
 * every run of a bridge, but a sandbox started otherwise may be able to write
 * there), a fake server would answer "run" for everything. The launcher pins
 * the socket the host bound before anything of its command runs, so a swap
 * afterwards reaches nothing, and a swap before is refused. Judged from the
 * host: the fake server never hears from the supervisor, and the forbidden
 * program leaves no file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { ExecBridge } from "../../src/bridge/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { eventually, interceptedShellUnavailable, scratchDir } from "./support.js";

const policy = parseSandboxPolicy({ type: "workspace-write" });
const unavailable = interceptedShellUnavailable();

/** A server that approves every exec it is asked about, as a hijacker's would; counts the connections. */
async function approvingImpostor(path: string): Promise<{ server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    connections++;
    socket.on("error", () => {});
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline === -1) return;
      const request = JSON.parse(buffered.slice(0, newline)) as { request_id: string };
      socket.end(`${JSON.stringify({ type: "exec_response", request_id: request.request_id, action: "run", reason: null })}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { server, connections: () => connections };
}

(unavailable ? describe.skip : describe)(`the exec socket swapped for an impostor${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    scratch = scratchDir();
  });
  afterEach(() => scratch.remove());

  test("during a run: the supervisor keeps asking the host's bridge, and a denied program still does not run", async () => {
    const bridge = await ExecBridge.start({
      decide: (request) => (request.argv[0] === "touch" ? { action: "deny", reason: "no touching" } : { action: "run" }),
      socketDir: scratch.path,
    });
    const go = join(scratch.path, "go");
    const marker = join(scratch.path, "touched");
    let impostor: Awaited<ReturnType<typeof approvingImpostor>> | undefined;
    try {
      const running = bridge.run({
        script: `/bin/echo waiting; until [ -e '${go}' ]; do /bin/sleep 0.05; done; touch '${marker}'; echo "touch $?"`,
        timeoutMs: 20_000,
        cwd: scratch.path,
        policy,
        onOutput: ({ chunk }) => {
          if (!chunk.includes("waiting") || impostor !== undefined) return;
          // What a command in a sandbox that can write the directory could do: the run's socket replaced.
          void (async () => {
            const dir = dirname(bridge.socketPath);
            const socket = join(dir, "run-1.sock");
            renameSync(socket, `${socket}.moved`);
            impostor = await approvingImpostor(socket);
            writeFileSync(go, "");
          })();
        },
      });
      const result = await running;
      expect(await eventually(() => impostor !== undefined)).toBe(true);
      expect(result.stdout).toBe("waiting\ntouch 126\n");
      expect(existsSync(marker)).toBe(false);
      expect(impostor!.connections()).toBe(0);
      expect(result.decisions.some((decision) => decision.argv[0] === "touch" && decision.action === "deny")).toBe(true);
    } finally {
      impostor?.server.close();
      await bridge.close();
    }
  });

  test("before the launcher starts: the launcher refuses (125) and nothing runs", async () => {
    const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir: scratch.path });
    const marker = join(scratch.path, "ran");
    let impostor: Awaited<ReturnType<typeof approvingImpostor>> | undefined;
    try {
      const plan = prepareSandboxedCommand(["touch", marker], policy, { cwd: scratch.path, execSocket: bridge.socketPath, readOnlyPaths: [] });
      renameSync(bridge.socketPath, `${bridge.socketPath}.moved`);
      impostor = await approvingImpostor(bridge.socketPath);
      // Bounded: this process cannot answer the impostor's connections while it waits, so a launcher that
      // went on would wait for an answer for ever.
      const result = spawnSync(plan.program, plan.args, { cwd: scratch.path, env: plan.env, encoding: "utf8", timeout: 10_000 });
      expect(result.status).toBe(125);
      expect(result.stderr).toMatch(/^cordon-linux-sandbox: exec-socket: .* is not the socket the host bound/);
      expect(existsSync(marker)).toBe(false);
      expect(impostor.connections()).toBe(0);
    } finally {
      impostor?.server.close();
      await bridge.close();
    }
  });
});
