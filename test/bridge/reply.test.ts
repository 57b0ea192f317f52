/**
 * The wrapper's side of the wire: a server that answers wrongly must never
 * get a program run. Each case is a real socket answering a real wrapper.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import fc from "fast-check";
import { runWrapper, scratchDir } from "./support.js";

type Answer = (requestId: string) => string | Buffer;

/** A listener that reads one request line and answers with `answer(request_id)`. */
async function fakeServer(dir: string, answer: Answer): Promise<{ socketPath: string; requests: unknown[]; server: Server }> {
  const socketPath = join(dir, "fake.sock");
  const requests: unknown[] = [];
  const server = createServer((socket) => {
    let buffered = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline === -1) return;
      const request = JSON.parse(buffered.slice(0, newline)) as { request_id: string };
      requests.push(request);
      socket.end(answer(request.request_id));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, requests, server };
}

async function wrapperAgainst(answer: Answer) {
  const scratch = scratchDir();
  const { socketPath, requests, server } = await fakeServer(scratch.path, answer);
  try {
    const marker = join(scratch.path, "ran");
    const result = await runWrapper({ CORDON_EXEC_SOCKET: socketPath }, "/usr/bin/touch", ["touch", marker]);
    return { ...result, ran: existsSync(marker), requests };
  } finally {
    server.close();
    scratch.remove();
  }
}

const line = (fields: Record<string, unknown>) => `${JSON.stringify(fields)}\n`;
const run = (id: string) => ({ type: "exec_response", request_id: id, action: "run", reason: null });

describe("native wrapper: the reply line", () => {
  test("the request it sends is exactly the wire format", async () => {
    const result = await wrapperAgainst((id) => line(run(id)));
    expect(result.exitCode).toBe(0);
    expect(result.ran).toBe(true);
    expect(result.requests).toEqual([
      { type: "exec_request", request_id: expect.any(String), file: "/usr/bin/touch", argv: ["touch", expect.stringMatching(/\/ran$/)], cwd: process.cwd() },
    ]);
  });

  test("a reply without reason and with spaces between tokens is still well-formed", async () => {
    const result = await wrapperAgainst((id) => ` { "type" : "exec_response" , "action":"run", "request_id" : ${JSON.stringify(id)} }\r\n`);
    expect(result.stderr).toBe("");
    expect(result.ran).toBe(true);
  });

  test.each<[string, Answer, RegExp]>([
    ["a mismatched request_id", () => line(run("someone-else")), /answers a different request_id/],
    ["an unknown member", (id) => line({ ...run(id), extra: "x" }), /unknown member/],
    ["a repeated member", (id) => `{"type":"exec_response","request_id":"${id}","action":"deny","action":"run"}\n`, /repeats a member/],
    ["a trailing comma", (id) => `{"type":"exec_response","request_id":"${id}","action":"run",}\n`, /trailing comma/],
    ["text after the object", (id) => `${line(run(id)).trimEnd()} x\n`, /text after the JSON object/],
    ["an unknown action", (id) => line({ ...run(id), action: "allow" }), /neither "run" nor "deny"/],
    ["a wrong type", (id) => line({ ...run(id), type: "exec_request" }), /type is not "exec_response"/],
    ["a number where a string belongs", (id) => line({ ...run(id), reason: 5 }), /not a string or null/],
    ["a missing action", (id) => line({ type: "exec_response", request_id: id }), /neither "run" nor "deny"/],
    ["a lone surrogate escape", (id) => `{"type":"exec_response","request_id":"${id}","action":"run","reason":"\\ud800"}\n`, /not a string or null/],
    ["an escaped NUL", (id) => `{"type":"exec_response","request_id":"${id}","action":"run","reason":"a\\u0000b"}\n`, /not a string or null/],
    ["a raw control character", (id) => `{"type":"exec_response","request_id":"${id}","action":"run","reason":"a\tb"}\n`, /not a string or null/],
    ["invalid UTF-8", (id) => Buffer.concat([Buffer.from(`{"type":"exec_response","request_id":"${id}","action":"run","reason":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]), /not a string or null/],
    ["not JSON at all", () => "run\n", /not a JSON object/],
    ["no newline before the server hangs up", (id) => line(run(id)).trimEnd(), /closed the connection without answering/],
    ["nothing at all", () => "", /closed the connection without answering/],
    ["a reply over 32 MiB", (id) => line({ ...run(id), reason: "x".repeat(32 * 1024 * 1024) }), /longer than 33554432 bytes/],
  ])("%s: exit 125, nothing run", async (_name, answer, message) => {
    const result = await wrapperAgainst(answer);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^cordon: /);
    expect(result.stderr).toMatch(message);
    expect(result.ran).toBe(false);
  });

  test("any deny reason is printed exactly as the server sent it", async () => {
    // Reasons without NUL (which the wrapper refuses) survive JSON escaping and the C parser byte for byte.
    const reason = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0"));
    await fc.assert(
      fc.asyncProperty(reason, async (text) => {
        const result = await wrapperAgainst((id) => line({ type: "exec_response", request_id: id, action: "deny", reason: text }));
        expect(result.exitCode).toBe(126);
        expect(result.stderr).toBe(`cordon: execution denied: ${text}\n`);
        expect(result.ran).toBe(false);
      }),
      { numRuns: 25 },
    );
  });
});
