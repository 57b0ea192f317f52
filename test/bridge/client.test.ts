/**
 * The Node client (wrapper mode's side of the wire) against servers that
 * behave like Codex's: one reads the request to end of file before it
 * answers, the other answers as soon as the newline arrives.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { askExecServer } from "../../src/bridge/client.js";
import { packageRoot } from "../../src/native/index.js";
import { runProgram } from "./support.js";

type Answer = (request: { request_id: string }) => string;

/** A server that replies once it has read what `until` asks for: "eof" (Codex) or "newline". */
async function fakeServer(until: "eof" | "newline", answer: Answer) {
  const dir = mkdtempSync(join(tmpdir(), "cordon-client-test-"));
  const path = join(dir, "s.sock");
  const received: string[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    let text = "";
    const respond = () => {
      received.push(text);
      socket.end(answer(JSON.parse(text.split("\n")[0]!) as { request_id: string }));
    };
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      if (until === "newline" && text.includes("\n")) respond();
    });
    socket.on("end", () => until === "eof" && respond());
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    received,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const reply = (action: "run" | "deny", reason: string | null): Answer => (request) =>
  `${JSON.stringify({ type: "exec_response", request_id: request.request_id, action, reason })}\n`;

describe.each(["eof", "newline"] as const)("the Node client against a server that answers after the %s", (until) => {
  test("sends one request line, shuts down its side, and reads the answer", async () => {
    const server = await fakeServer(until, reply("deny", "no"));
    try {
      const answer = await askExecServer(server.path, { file: "/bin/true", argv: ["true", "é"], cwd: "/" });
      expect(answer).toEqual({ action: "deny", reason: "no" });
      expect(server.received).toHaveLength(1);
      expect(server.received[0]!.endsWith("\n")).toBe(true);
      expect(JSON.parse(server.received[0]!)).toMatchObject({ type: "exec_request", file: "/bin/true", argv: ["true", "é"], cwd: "/" });
    } finally {
      await server.close();
    }
  });

  test("wrapper mode runs the program when that server says run", async () => {
    const server = await fakeServer(until, reply("run", null));
    try {
      const cli = join(packageRoot, "dist", "cli", "main.js");
      const env = { PATH: process.env.PATH, CORDON_EXEC_WRAPPER_MODE: "1", CORDON_EXEC_SOCKET: server.path };
      const result = await runProgram(process.execPath, [cli, "/bin/echo", "echo", "ran"], { env });
      expect(result).toMatchObject({ exitCode: 0, stdout: "ran\n" });
    } finally {
      await server.close();
    }
  });
});
