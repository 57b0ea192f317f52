/**
 * The host's side of a session (src/bridge/session.ts), spoken to line by
 * line as a supervisor would, and broken on purpose: the bridge answers each
 * request by its id, lists each record as `cached`, refuses an argument list
 * too long to decide, and ends a session that breaks the protocol with an
 * error event, never a crash. A wrapper (one connection per exec) is never
 * told to keep anything, and ignores it if told.
 */
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { ExecDecisionRecord } from "../../src/bridge/index.js";
import { rawExchange, replies, runWrapper, scratchDir, startBridge } from "./support.js";

const HELLO = `${JSON.stringify({ type: "exec_session", version: 1 })}\n`;
const message = (type: string, id: string, argv: string[], extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ type, request_id: id, file: argv[0], argv, cwd: "/", ...extra })}\n`;

/** Opens a session, sends `lines`, and collects what the bridge answers until it closes or `settleMs` pass. */
function session(socketPath: string, lines: string[], settleMs = 300): Promise<{ received: string; closedByHost: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(socketPath);
    let received = "";
    let closedByHost = false;
    socket.on("connect", () => socket.write(HELLO + lines.join("")));
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    socket.on("error", () => {});
    socket.on("close", () => {
      closedByHost = true;
      resolve({ received, closedByHost });
    });
    setTimeout(() => {
      if (!closedByHost) {
        socket.destroy();
        resolve({ received, closedByHost: false });
      }
    }, settleMs);
  });
}

describe("exec session (host side)", () => {
  test("requests are answered by id, with cache only where the host said so; records are listed as cached", async () => {
    const { bridge, events } = await startBridge({
      decide: (request) => (request.argv[1] === "keep" ? { action: "run", cache: "program" } : request.argv[1] === "no" ? { action: "deny", reason: "no" } : { action: "run" }),
    });
    try {
      const { received } = await session(bridge.socketPath, [
        message("exec_request", "a", ["/bin/x", "keep"]),
        message("exec_request", "b", ["/bin/x", "plain"]),
        message("exec_request", "c", ["/bin/x", "no"]),
        message("exec_record", "d", ["/bin/x", "again"], { executable: "/usr/bin/x", interpreter: null, anonymous: false, pid: 7 }),
      ]);
      const answers = Object.fromEntries(replies(received).map((reply) => [reply.request_id as string, reply]));
      expect(answers).toEqual({
        a: { type: "exec_response", request_id: "a", action: "run", reason: null, cache: "program" },
        b: { type: "exec_response", request_id: "b", action: "run", reason: null },
        c: { type: "exec_response", request_id: "c", action: "deny", reason: "no" },
      });
      const decisions = events.flatMap((e) => (e.type === "decision" ? [e.decision] : [])) as ExecDecisionRecord[];
      const record = decisions.find((d) => d.requestId === "d");
      expect(record).toMatchObject({ action: "run", source: "cached", argv: ["/bin/x", "again"], executable: "/usr/bin/x", pid: 7, command: "/bin/x again" });
      expect(decisions.filter((d) => d.source === "cached")).toHaveLength(1);
    } finally {
      await bridge.close();
    }
  });

  test("a record is never answered, and the host is never asked about it", async () => {
    let asked = 0;
    const { bridge } = await startBridge({
      decide: () => {
        asked++;
        return { action: "run" };
      },
    });
    try {
      const { received } = await session(bridge.socketPath, [message("exec_record", "r1", ["/bin/x"]), message("exec_record", "r2", ["/bin/y"])]);
      expect(received).toBe("");
      expect(asked).toBe(0);
    } finally {
      await bridge.close();
    }
  });

  test.each([
    ["a line that is not JSON", "hello\n", "bad-json"],
    ["an exec_response from the supervisor's side", `${JSON.stringify({ type: "exec_response", request_id: "x", action: "run", reason: null })}\n`, "bad-shape"],
    ["a record with an unknown member", message("exec_record", "x", ["/bin/x"], { cache: "program" }), "bad-shape"],
    ["a line that is not UTF-8", Buffer.from([0x7b, 0xff, 0x7d, 0x0a]).toString("latin1"), "not-utf8"],
  ])("%s ends the session with an error event; the host lives on", async (_name, line, kind) => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const bytes = Buffer.from(line, line.includes("\xff") ? "latin1" : "utf8");
      const { closedByHost } = await new Promise<{ closedByHost: boolean }>((resolve) => {
        const socket = connect(bridge.socketPath);
        socket.on("connect", () => socket.write(Buffer.concat([Buffer.from(HELLO), bytes])));
        socket.on("error", () => {});
        socket.on("close", () => resolve({ closedByHost: true }));
        setTimeout(() => resolve({ closedByHost: false }), 2000);
      });
      expect(closedByHost).toBe(true);
      expect(errors().map((e) => e.type === "error" && e.kind)).toEqual([kind]);
      // Still serving.
      const reply = await rawExchange(bridge.socketPath, (socket) => socket.end(message("exec_request", "after", ["/bin/true"])));
      expect(replies(reply)[0]).toMatchObject({ request_id: "after", action: "run" });
    } finally {
      await bridge.close();
    }
  });

  test("an argument list too long to decide is refused by itself; the session goes on", async () => {
    const { bridge } = await startBridge({ decide: () => ({ action: "run", cache: "program" }) });
    try {
      const huge = "x".repeat(300 * 1024);
      const { received } = await session(bridge.socketPath, [message("exec_request", "big", ["/bin/x", huge]), message("exec_request", "small", ["/bin/x"])]);
      const answers = Object.fromEntries(replies(received).map((reply) => [reply.request_id as string, reply]));
      expect(answers.big).toMatchObject({ action: "deny" });
      expect(answers.big!.reason).toContain("the exec bridge decides at most");
      expect(answers.small).toMatchObject({ action: "run", cache: "program" });
    } finally {
      await bridge.close();
    }
  });

  test("a line longer than the bridge reads is skipped to its newline and refused by the id it starts with", async () => {
    const { bridge } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const huge = "x".repeat(3 * 1024 * 1024);
      const { received } = await session(bridge.socketPath, [message("exec_request", "huge", ["/bin/x", huge]), message("exec_request", "next", ["/bin/x"])], 2000);
      const answers = Object.fromEntries(replies(received).map((reply) => [reply.request_id as string, reply]));
      expect(answers.huge).toMatchObject({ action: "deny" });
      expect(answers.next).toMatchObject({ action: "run" });
    } finally {
      await bridge.close();
    }
  });

  test("a wrapper's connection is never told to keep a decision", async () => {
    const { bridge } = await startBridge({ decide: () => ({ action: "run", cache: "program" }) });
    try {
      const reply = await rawExchange(bridge.socketPath, (socket) => socket.end(message("exec_request", "w", ["/bin/true"])));
      expect(replies(reply)).toEqual([{ type: "exec_response", request_id: "w", action: "run", reason: null }]);
    } finally {
      await bridge.close();
    }
  });

  test("the native wrapper runs on a reply that says cache (it ignores it)", async () => {
    const scratch = scratchDir();
    const socketPath = join(scratch.path, "codex-like.sock");
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      let text = "";
      socket.on("data", (chunk) => (text += chunk.toString("utf8")));
      socket.on("end", () => {
        const { request_id } = JSON.parse(text) as { request_id: string };
        socket.end(`${JSON.stringify({ type: "exec_response", request_id, action: "run", reason: null, cache: "program" })}\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const result = await runWrapper({ CORDON_EXEC_SOCKET: socketPath }, "/bin/echo", ["echo", "ran"]);
      expect(result).toMatchObject({ exitCode: 0, stdout: "ran\n" });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      scratch.remove();
    }
  });
});
