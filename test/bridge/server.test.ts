/** The bridge server under abuse: every bad peer gets a deny where it can read one, an error event, and no crash. */
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { MAX_ARGV_BYTES, MAX_REQUEST_LINE_BYTES } from "../../src/bridge/index.js";
import { openFdCount, rawExchange, replies, runProgram, runWrapper, startBridge, wrapperPath } from "./support.js";
import { describeUnless } from "../support/skip.js";

const validRequest = (requestId: string) =>
  JSON.stringify({ type: "exec_request", request_id: requestId, file: "/bin/true", argv: ["true"], cwd: "/" });

/** After every abuse case the server must still answer a well-behaved wrapper. */
async function stillServes(env: Record<string, string>): Promise<void> {
  const result = await runWrapper(env, "/bin/sh", ["sh", "-c", "exit 3"]);
  expect(result.exitCode).toBe(3);
}

describe("exec bridge server: the supervisor's additive fields", () => {
  test("executable, interpreter, anonymous, pid and exact bytes reach decide; Codex's plain request gets neutral values", async () => {
    const asked: import("../../src/bridge/index.js").ExecRequest[] = [];
    const { bridge } = await startBridge({ decide: (request) => (asked.push(request), { action: "run" }) });
    try {
      const argv0 = Buffer.from([0x74, 0xff]);
      const line = JSON.stringify({
        type: "exec_request",
        request_id: "sup-1",
        file: "./t\ufffd",
        argv: ["t\ufffd", "x"],
        cwd: "/tmp",
        executable: "/usr/bin/true",
        interpreter: "/bin/sh",
        anonymous: false,
        pid: 4242,
        file_b64: Buffer.from([0x2e, 0x2f, 0x74, 0xff]).toString("base64"),
        argv_b64: [argv0.toString("base64"), Buffer.from("x").toString("base64")],
      });
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.end(`${line}\n`));
      expect(replies(answer)).toEqual([{ type: "exec_response", request_id: "sup-1", action: "run", reason: null }]);
      expect(asked[0]).toMatchObject({
        file: "/tmp/./t\ufffd",
        executable: "/usr/bin/true",
        interpreter: "/bin/sh",
        anonymous: false,
        pid: 4242,
        exact: { file: Buffer.from([0x2e, 0x2f, 0x74, 0xff]), cwd: Buffer.from("/tmp"), argv: [argv0, Buffer.from("x")] },
      });
      await rawExchange(bridge.socketPath, (socket) => socket.end(`${validRequest("plain")}\n`));
      expect(asked[1]).toMatchObject({ executable: null, interpreter: null, anonymous: false, pid: null, exact: null });
    } finally {
      await bridge.close();
    }
  });

  test.each([
    ["argv_b64 of another length", { argv_b64: ["dA=="] }, /argv_b64: must hold one element per argv element/],
    ["base64 without its padding", { file_b64: "dA" }, /file_b64: must be canonical base64/],
    ["base64 with unused bits set", { file_b64: "Linull==" }, /file_b64: must be canonical base64/],
    ["base64 with unused bits set, in argv", { argv_b64: ["dA==", "eB=="] }, /argv_b64.1: must be canonical base64/],
    ["URL-safe base64", { argv_b64: ["dA==", "_w=="] }, /argv_b64.1: must be canonical base64/],
    ["base64 with a line break", { file_b64: "L3Rt\ncA==" }, /file_b64: must be canonical base64/],
    ["bytes with a NUL", { argv_b64: ["AA==", "AA=="] }, /argv_b64.0: must not encode a NUL byte/],
    ["a relative executable", { executable: "bin/true" }, /executable: must be an absolute path/],
    ["a relative cwd in bytes", { cwd_b64: "dG1w" }, /cwd_b64: must be an absolute path/],
  ])("%s is refused", async (_name, extra, problem) => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const line = JSON.stringify({ ...JSON.parse(validRequest("bad")), argv: ["true", "x"], ...extra });
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.end(`${line}\n`));
      expect(replies(answer)).toEqual([expect.objectContaining({ request_id: "bad", action: "deny", reason: expect.stringMatching(problem) })]);
      expect(errors()).toEqual([expect.objectContaining({ kind: "bad-shape" })]);
    } finally {
      await bridge.close();
    }
  });
});

describe("exec bridge server: malformed traffic", () => {
  test("garbage bytes get a deny without a request id and a bad-json error event", async () => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.write("\x00\x01garbage{{\n"));
      expect(replies(answer)).toEqual([
        { type: "exec_response", request_id: null, action: "deny", reason: expect.stringMatching(/^malformed exec request: not JSON/) },
      ]);
      expect(errors()).toEqual([expect.objectContaining({ kind: "bad-json", peer: expect.objectContaining({ uid: process.getuid!() }) })]);
      await stillServes(bridge.env());
    } finally {
      await bridge.close();
    }
  });

  test("bytes that are not UTF-8 are refused", async () => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.write(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])));
      expect(replies(answer)[0]).toMatchObject({ action: "deny", request_id: null });
      expect(errors()).toEqual([expect.objectContaining({ kind: "not-utf8" })]);
    } finally {
      await bridge.close();
    }
  });

  test.each([
    ["an unknown member", { extra: 1 }, /request: the message: Unrecognized key/i],
    ["a relative cwd", { cwd: "relative" }, /cwd: must be an absolute path/],
    ["an empty argv", { argv: [] }, /argv: must hold at least argv\[0\]/],
    ["a NUL in an argument", { argv: ["a\u0000b"] }, /argv.0: must not contain NUL/],
    ["a wrong type tag", { type: "exec_response" }, /type:/],
  ])("a request with %s is denied, echoing its request id", async (_name, change, problem) => {
    let asked = false;
    const { bridge, errors } = await startBridge({ decide: () => ((asked = true), { action: "run" }) });
    try {
      const requestId = randomUUID();
      const message = { ...JSON.parse(validRequest(requestId)), ...change };
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.write(`${JSON.stringify(message)}\n`));
      expect(replies(answer)).toEqual([{ type: "exec_response", request_id: requestId, action: "deny", reason: expect.stringMatching(problem) }]);
      expect(errors()).toEqual([expect.objectContaining({ kind: "bad-shape" })]);
      expect(asked).toBe(false);
    } finally {
      await bridge.close();
    }
  });

  test("a line past the request limit is cut off there and denied, answering its request", async () => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const answer = await rawExchange(bridge.socketPath, (socket) => {
        socket.write(`{"type":"exec_request","request_id":"big","file":"/bin/true","argv":["${"a".repeat(MAX_REQUEST_LINE_BYTES + 1)}"]}\n`);
      });
      expect(replies(answer)).toEqual([
        {
          type: "exec_response",
          request_id: "big",
          action: "deny",
          reason: `the exec request is longer than ${MAX_REQUEST_LINE_BYTES} bytes (an argument list over ${MAX_ARGV_BYTES} bytes is denied)`,
        },
      ]);
      expect(errors()).toEqual([expect.objectContaining({ kind: "oversize" })]);
      await stillServes(bridge.env());
    } finally {
      await bridge.close();
    }
  });

  test("an argument list past the limit is denied with its size, and never decided", async () => {
    let asked = false;
    const { bridge, errors } = await startBridge({ decide: () => ((asked = true), { action: "run" }) });
    try {
      const argv = ["true", "a".repeat(MAX_ARGV_BYTES - 6)];
      const fits = JSON.stringify({ ...JSON.parse(validRequest("fits")), argv });
      const over = JSON.stringify({ ...JSON.parse(validRequest("over")), argv: [...argv, ""] });
      expect(replies(await rawExchange(bridge.socketPath, (socket) => socket.end(`${fits}\n`)))).toEqual([
        { type: "exec_response", request_id: "fits", action: "run", reason: null },
      ]);
      expect(asked).toBe(true);
      asked = false;
      expect(replies(await rawExchange(bridge.socketPath, (socket) => socket.end(`${over}\n`)))).toEqual([
        {
          type: "exec_response",
          request_id: "over",
          action: "deny",
          reason: `the argument list is ${MAX_ARGV_BYTES + 1} bytes; the exec bridge decides at most ${MAX_ARGV_BYTES}`,
        },
      ]);
      expect(asked).toBe(false);
      expect(errors()).toEqual([expect.objectContaining({ kind: "oversize" })]);
    } finally {
      await bridge.close();
    }
  });

  test("half a line and then silence is denied after the request timeout", async () => {
    const { bridge, errors } = await startBridge({ requestTimeoutMs: 300, decide: () => ({ action: "run" }) });
    try {
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.write('{"type":"exec_request","request_'));
      expect(replies(answer)).toEqual([
        { type: "exec_response", request_id: null, action: "deny", reason: "no complete request line within 300 ms" },
      ]);
      expect(errors()).toEqual([expect.objectContaining({ kind: "timeout" })]);
      await stillServes(bridge.env());
    } finally {
      await bridge.close();
    }
  });

  test("a peer that hangs up mid-line is reported", async () => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      await rawExchange(bridge.socketPath, (socket) => socket.end('{"type":'));
      expect(errors()).toEqual([expect.objectContaining({ kind: "eof", message: expect.stringMatching(/after 8 bytes/) })]);
    } finally {
      await bridge.close();
    }
  });

  test("a second line on the same connection is refused", async () => {
    const { bridge, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const answer = await rawExchange(bridge.socketPath, (socket) => socket.write(`${validRequest("one")}\n${validRequest("two")}\n`));
      expect(replies(answer)).toEqual([expect.objectContaining({ request_id: "one", action: "deny" })]);
      expect(errors()).toEqual([expect.objectContaining({ kind: "trailing-data" })]);
    } finally {
      await bridge.close();
    }
  });

  test("a decide that throws or answers nonsense denies with a generic reason; the host alone is told why", async () => {
    let call = 0;
    const { bridge, errors } = await startBridge({
      decide: () => {
        call += 1;
        if (call === 1) throw new Error("rules unavailable");
        return { action: "maybe" } as never;
      },
    });
    try {
      const first = await runWrapper(bridge.env(), "/bin/true", ["true"]);
      const second = await runWrapper(bridge.env(), "/bin/true", ["true"]);
      expect(first.exitCode).toBe(126);
      expect(first.stderr).toBe("cordon: execution denied: the host failed to decide\n");
      expect(second.exitCode).toBe(126);
      expect(second.stderr).toBe("cordon: execution denied: the host failed to decide\n");
      expect(errors()).toEqual([
        expect.objectContaining({ kind: "decide-failed", message: "the host failed to decide: rules unavailable" }),
        expect.objectContaining({ kind: "decide-failed", message: expect.stringMatching(/^the host failed to decide: decide returned/) }),
      ]);
    } finally {
      await bridge.close();
    }
  });

  test("an onEvent observer that throws does not change the answer", async () => {
    const { ExecBridge } = await import("../../src/bridge/index.js");
    const bridge = await ExecBridge.start({
      decide: () => ({ action: "run" }),
      onEvent: () => {
        throw new Error("observer broke");
      },
    });
    try {
      await stillServes(bridge.env());
    } finally {
      await bridge.close();
    }
  });
});

const asRoot = process.getuid?.() === 0;
const describeAsRoot = describeUnless(asRoot ? null : "switching to uid 65534 needs root");

describeAsRoot("exec bridge server: peers of another uid (runs as root, switches to uid 65534)", () => {
  test("a wrapper running as another uid is denied and reported, and its program does not run", async () => {
    // The private directory keeps other uids out already; open it up so the uid check itself is what refuses.
    const outside = mkdtempSync("/tmp/cordon-uid-test-");
    chmodSync(outside, 0o777);
    const { bridge, errors } = await startBridge({ socketDir: outside, decide: () => ({ action: "run" }) });
    try {
      chmodSync(join(bridge.socketPath, "..", ".."), 0o711);
      chmodSync(join(bridge.socketPath, ".."), 0o711);
      chmodSync(bridge.socketPath, 0o666);
      const marker = join(outside, "ran");
      const result = await runProgram(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", wrapperPath, "/usr/bin/touch", "touch", marker],
        { env: { ...bridge.env(), PATH: process.env.PATH } },
      );
      expect(result.stderr).toBe("cordon: execution denied: refused a peer with uid 65534 (only uid 0 may ask)\n");
      expect(result.exitCode).toBe(126);
      expect(existsSync(marker)).toBe(false);
      expect(errors()).toEqual([expect.objectContaining({ kind: "peer-uid", peer: expect.objectContaining({ uid: 65534 }) })]);
    } finally {
      await bridge.close();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe("exec bridge server: load", () => {
  test("200 parallel wrappers are all answered, each once, and no descriptor leaks", async () => {
    const seen = new Set<string>();
    const { bridge, errors } = await startBridge({
      decide: async (request) => {
        seen.add(request.requestId);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return Number(request.argv[3]) % 2 === 0 ? { action: "run" } : { action: "deny", reason: "odd" };
      },
    });
    const before = openFdCount();
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => runWrapper(bridge.env(), "/bin/sh", ["sh", "-c", `exit 0`, String(i)])),
      );
      expect(results.map((r) => r.exitCode)).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 0 : 126)));
      expect(seen.size).toBe(200);
      expect(errors()).toEqual([]);
    } finally {
      await bridge.close();
    }
    // Child pipes close asynchronously; give the loop a turn before counting.
    await new Promise((resolve) => setImmediate(resolve));
    expect(openFdCount()).toBeLessThanOrEqual(before);
  });
});
