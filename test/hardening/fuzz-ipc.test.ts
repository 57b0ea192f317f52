/**
 * Fuzzing what crosses a trust boundary as text: random and mutated frames
 * sent over real connections to a real exec bridge, and mutations of the
 * shipped rules file through the rules parser. (Generated, well-formed rules
 * are the subject of test/rules/properties.test.ts; here the text is broken.)
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { connect } from "node:net";
import { RulesError } from "../../src/errors.js";
import { parseRules } from "../../src/rules/index.js";
import { MAX_REQUEST_LINE_BYTES, type ExecRequest } from "../../src/bridge/index.js";
import { fuzzParameters } from "../support/fuzz.js";
import { openFdCount, rawExchange, replies, runWrapper, startBridge } from "../bridge/support.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Frames without a newline are sent half-closed, so the server sees end of
 * file at once; the line timeout (server.test.ts covers it) is long enough
 * that a loaded machine never hits it with a complete frame.
 */
const LINE_TIMEOUT_MS = 10_000;
const REQUEST_KEYS = ["argv", "cwd", "file", "request_id", "type"];
/** The additive fields a request may carry besides Codex's five. */
const OPTIONAL_KEYS = ["anonymous", "argv_b64", "cwd_b64", "executable", "file_b64", "interpreter", "pid"];
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Long runs (CORDON_FUZZ_RUNS) get as long as fast-check may take, and two minutes more to close up. */
const PROPERTY_TIMEOUT_MS = fuzzParameters.interruptAfterTimeLimit + 120_000;

const isText = (value: unknown): value is string => typeof value === "string" && !value.includes("\0");
const isAbsoluteText = (value: unknown): value is string => isText(value) && value.startsWith("/");

/** The bytes a base64 field stands for, when it is canonical base64 of bytes without NUL; otherwise null. */
function exactBytes(value: unknown): Buffer | null {
  if (typeof value !== "string") return null;
  const bytes = Buffer.from(value, "base64");
  if (bytes.toString("base64") !== value || bytes.includes(0)) return null;
  return bytes;
}

/** Whether the optional fields present are each of the shape the specification gives them. */
function optionalFieldsWellFormed(fields: Record<string, unknown>, argvLength: number): boolean {
  const { executable, interpreter, anonymous, pid, file_b64, cwd_b64, argv_b64 } = fields;
  if ("executable" in fields && !isAbsoluteText(executable)) return false;
  if ("interpreter" in fields && interpreter !== null && !isAbsoluteText(interpreter)) return false;
  if ("anonymous" in fields && typeof anonymous !== "boolean") return false;
  if ("pid" in fields && !(Number.isInteger(pid) && (pid as number) > 0)) return false;
  if ("file_b64" in fields && !(exactBytes(file_b64)?.length)) return false;
  if ("cwd_b64" in fields && exactBytes(cwd_b64)?.[0] !== 0x2f) return false;
  if ("argv_b64" in fields) {
    if (!Array.isArray(argv_b64) || argv_b64.length !== argvLength) return false;
    if (!argv_b64.every((element) => exactBytes(element) !== null)) return false;
  }
  return true;
}

/**
 * The oracle, written from the wire format in the specification rather than
 * from the server's schema: one UTF-8 JSON line, newline-terminated, nothing
 * after it, exactly the five fields with their types.
 */
function wellFormedRequest(frame: Uint8Array): { request_id: string } | null {
  const newline = frame.indexOf(0x0a);
  if (newline !== frame.length - 1 || newline > MAX_REQUEST_LINE_BYTES) return null;
  let message: unknown;
  try {
    message = JSON.parse(utf8.decode(frame.subarray(0, newline)));
  } catch {
    return null;
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) return null;
  const fields = message as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (!REQUEST_KEYS.every((key) => keys.includes(key))) return null;
  if (!keys.every((key) => REQUEST_KEYS.includes(key) || OPTIONAL_KEYS.includes(key))) return null;
  const { type, request_id, file, argv, cwd } = fields;
  if (type !== "exec_request" || !isText(request_id) || request_id === "" || !isText(file) || file === "") return null;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every(isText)) return null;
  if (!isAbsoluteText(cwd)) return null;
  if (!optionalFieldsWellFormed(fields, argv.length)) return null;
  return { request_id };
}

const validRequest = () =>
  `${JSON.stringify({ type: "exec_request", request_id: "4b1e0c0e-1d7a-4c1e-9a51-2b9e7a1d3c55", file: "/bin/true", argv: ["true", "a b"], cwd: "/tmp" })}\n`;

/** A request as the exec supervisor sends it: every additive field, with an argument that is not UTF-8. */
const supervisorRequest = () =>
  `${JSON.stringify({
    type: "exec_request",
    request_id: "9c7e0d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
    file: "./t\ufffd",
    argv: ["t\ufffd", "x"],
    cwd: "/tmp",
    executable: "/usr/bin/true",
    interpreter: null,
    anonymous: false,
    pid: 4242,
    file_b64: Buffer.from([0x2e, 0x2f, 0x74, 0xff]).toString("base64"),
    argv_b64: [Buffer.from([0x74, 0xff]).toString("base64"), Buffer.from("x").toString("base64")],
  })}\n`;

const encoder = new TextEncoder();

/** Splices each (at, remove, insert) into `text`. */
function mutate(text: string, mutations: Array<[number, number, string]>): string {
  for (const [at, remove, insert] of mutations) text = text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + remove);
  return text;
}

const mutations = (length: number, insert: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(fc.nat(length), fc.nat(6), insert), { minLength: 1, maxLength: 4 });

const jsonish = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom('"', "\\", "{", "}", "[", "]", ",", ":", "\n", "\0", "\\u0000", "null", "1e999", '"exec_request"', "\u00e9", "\ud800"),
);

const base64ish = fc.oneof(
  fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes).toString("base64")),
  fc.constantFrom("", "AA==", "L3Q=", "L3Q", "/w==", "_w==", "====", "L3T/", "Linull==", "dB==", "L3Rt\ncA=="),
  // Text of the base64 alphabet, padded or not: mostly what a lenient decoder takes and a canonical encoder never writes.
  fc.stringMatching(/^[A-Za-z0-9+/]{1,7}={0,2}$/),
);
const fieldValue = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("/", "/bin/true", "", "\0", "exec_request", "exec_response"),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 3 }),
  fc.array(base64ish, { maxLength: 3 }),
  base64ish,
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
);
const requestShaped = fc
  .dictionary(fc.constantFrom(...REQUEST_KEYS, ...OPTIONAL_KEYS, "action", "reason", "__proto__", "extra"), fieldValue, { maxKeys: 8 })
  .map((fields) => `${JSON.stringify(fields)}\n`);

/** A valid request with some additive fields set to arbitrary values: valid or not, the oracle says which. */
const extendedRequest = fc
  .dictionary(fc.constantFrom(...OPTIONAL_KEYS), fieldValue, { maxKeys: 4 })
  .map((extra) => `${JSON.stringify({ ...JSON.parse(validRequest()), ...extra })}\n`);

/** A valid request whose exact-bytes fields hold any base64-like text: the decoder's strictness is what decides. */
const exactBytesRequest = fc
  .record({ file_b64: base64ish, cwd_b64: base64ish, argv_b64: fc.tuple(base64ish, base64ish) }, { requiredKeys: [] })
  .map((extra) => `${JSON.stringify({ ...JSON.parse(validRequest()), ...extra })}\n`);

/** Every kind of frame: raw bytes, mutated valid lines, request-shaped objects, and valid lines (so "run" is seen). */
const frames: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  mutations(validRequest().length, jsonish).map((m) => encoder.encode(mutate(validRequest(), m))),
  mutations(supervisorRequest().length, jsonish).map((m) => encoder.encode(mutate(supervisorRequest(), m))),
  requestShaped.map((text) => encoder.encode(text)),
  extendedRequest.map((text) => encoder.encode(text)),
  exactBytesRequest.map((text) => encoder.encode(text)),
  fc.constant(encoder.encode(validRequest())),
  fc.constant(encoder.encode(supervisorRequest())),
);

describe("fuzzing the exec bridge with frames over real connections", () => {
  test("every frame gets one reply; run only for a well-formed request; every other frame is an error event", async () => {
    const asked: ExecRequest[] = [];
    const { bridge, events } = await startBridge({
      decide: (request) => (asked.push(request), { action: "run" }),
      requestTimeoutMs: LINE_TIMEOUT_MS,
    });
    const seen = new Set<string>();
    try {
      const baseline = openFdCount();
      await fc.assert(
        fc.asyncProperty(frames, fc.boolean(), async (frame, halfClose) => {
          const eventsBefore = events.length;
          const askedBefore = asked.length;
          // The peer half-closes after its frame, as the wrappers do, or (with a newline to wait for) keeps its side open.
          const ends = halfClose || !frame.includes(0x0a);
          const text = await rawExchange(bridge.socketPath, (socket) => (ends ? socket.end(frame) : socket.write(frame)));
          const answer = replies(text);
          expect(answer).toHaveLength(1);
          expect(answer[0]).toMatchObject({ type: "exec_response" });
          const expected = wellFormedRequest(frame);
          const event = events[eventsBefore];
          expect(events).toHaveLength(eventsBefore + 1);
          if (expected) {
            seen.add("run");
            expect(answer[0]).toEqual({ type: "exec_response", request_id: expected.request_id, action: "run", reason: null });
            expect(asked).toHaveLength(askedBefore + 1);
            expect(event).toMatchObject({ type: "decision", decision: { requestId: expected.request_id, action: "run" } });
            if (asked.at(-1)!.exact !== null) seen.add("exact");
          } else {
            seen.add("deny");
            expect(answer[0]).toMatchObject({ action: "deny", reason: expect.any(String) });
            expect(asked).toHaveLength(askedBefore);
            expect(event).toMatchObject({ type: "error", message: answer[0]!.reason });
          }
        }),
        fuzzParameters,
      );
      expect(seen).toEqual(new Set(["run", "deny", "exact"]));
      // Still serving, and nothing left open by all those connections.
      expect((await runWrapper(bridge.env(), "/bin/true", ["true"])).exitCode).toBe(0);
      for (let i = 0; i < 200 && openFdCount() !== baseline; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(openFdCount()).toBe(baseline);
    } finally {
      await bridge.close();
    }
  }, PROPERTY_TIMEOUT_MS);

  test("a line split across many small writes is read the same as a whole one", async () => {
    const { bridge } = await startBridge({ decide: () => ({ action: "run" }), requestTimeoutMs: LINE_TIMEOUT_MS });
    try {
      await fc.assert(
        fc.asyncProperty(frames, fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 }), async (frame, sizes) => {
          // Up to the first newline: what follows it may arrive after the server has read its line.
          const newline = frame.indexOf(0x0a);
          const line = newline === -1 ? frame : frame.subarray(0, newline + 1);
          const text = await rawExchange(bridge.socketPath, (socket) => {
            let at = 0;
            for (const size of sizes) {
              socket.write(line.subarray(at, at + size));
              at += size;
            }
            // Without a newline, end of file ends the line.
            if (newline === -1) socket.end(line.subarray(at));
            else socket.write(line.subarray(at));
          });
          const answer = replies(text);
          expect(answer).toHaveLength(1);
          expect(answer[0]!.action).toBe(wellFormedRequest(line) ? "run" : "deny");
        }),
        { ...fuzzParameters, numRuns: Math.ceil(fuzzParameters.numRuns / 2) },
      );
    } finally {
      await bridge.close();
    }
  }, PROPERTY_TIMEOUT_MS);

  test("in a session, a well-formed request is answered by its id, and any other line ends the session with an error event", async () => {
    const { bridge, events } = await startBridge({ decide: () => ({ action: "run", cache: "program" }), requestTimeoutMs: LINE_TIMEOUT_MS });
    const hello = Buffer.from(`${JSON.stringify({ type: "exec_session", version: 1 })}\n`);
    const seen = new Set<string>();
    try {
      await fc.assert(
        fc.asyncProperty(frames, async (frame) => {
          const newline = frame.indexOf(0x0a);
          const line = Buffer.concat([newline === -1 ? frame : frame.subarray(0, newline), Buffer.from("\n")]);
          const eventsBefore = events.length;
          const { text, closedByHost } = await new Promise<{ text: string; closedByHost: boolean }>((resolve) => {
            const socket = connect(bridge.socketPath);
            let received = "";
            socket.on("error", () => {});
            socket.on("connect", () => socket.write(Buffer.concat([hello, line])));
            socket.on("data", (chunk) => {
              received += chunk.toString("utf8");
              if (received.endsWith("\n")) {
                socket.destroy();
                resolve({ text: received, closedByHost: false });
              }
            });
            socket.on("close", () => resolve({ text: received, closedByHost: true }));
            // A well-formed record is neither answered nor refused: the session stays open.
            const timer = setTimeout(() => {
              socket.destroy();
              resolve({ text: received, closedByHost: false });
            }, LINE_TIMEOUT_MS);
            socket.on("close", () => clearTimeout(timer));
          });
          const expected = wellFormedRequest(line);
          if (expected) {
            seen.add("run");
            expect(replies(text)).toEqual([{ type: "exec_response", request_id: expected.request_id, action: "run", reason: null, cache: "program" }]);
          } else {
            seen.add("closed");
            expect(closedByHost).toBe(true);
            expect(text).toBe("");
            expect(events.slice(eventsBefore)).toEqual([expect.objectContaining({ type: "error" })]);
          }
        }),
        { ...fuzzParameters, numRuns: Math.ceil(fuzzParameters.numRuns / 2) },
      );
      expect(seen).toEqual(new Set(["run", "closed"]));
    } finally {
      await bridge.close();
    }
  }, PROPERTY_TIMEOUT_MS);

  test.each([
    ["a well-formed request", validRequest(), "run"],
    ["a line that is not JSON", "not json\n", "deny"],
    ["bytes without a newline", "{", "deny"],
  ])("a peer that half-closes after %s still reads the answer", async (_name, frame, action) => {
    // A decider that takes a moment, as a person does: the peer's end of file arrives before the answer.
    const { bridge, events } = await startBridge({
      decide: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { action: "run" };
      },
    });
    try {
      const text = await rawExchange(bridge.socketPath, (socket) => socket.end(frame));
      expect(replies(text)).toEqual([expect.objectContaining({ type: "exec_response", action })]);
      expect(events).toHaveLength(1);
    } finally {
      await bridge.close();
    }
  });
});

describe("fuzzing the rules parser with mutations of the shipped rules", () => {
  const file = "default.rules";
  const shipped = readFileSync(join(root, "policies", "rules", file), "utf8");
  const rulesSyntax = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.constantFrom("(", ")", "[", "]", "=", ",", '"', "'", "#", "\n", "\\", '"""', "prefix_rule(", "pattern", "decision", "forbidden", "\t", "\0", "\u00e9"),
  );

  test("mutated rules text gives a policy or a RulesError at file:line:col, nothing else", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(mutations(shipped.length, rulesSyntax), (m) => {
        const text = mutate(shipped, m);
        try {
          parseRules(text, file);
          seen.add("policy");
        } catch (error) {
          expect(error).toBeInstanceOf(RulesError);
          const position = /^default\.rules:(\d+):(\d+): /.exec((error as Error).message);
          expect(position).not.toBeNull();
          // The position lies inside the text.
          const lines = text.split("\n");
          const line = Number(position![1]);
          expect(line).toBeGreaterThanOrEqual(1);
          expect(line).toBeLessThanOrEqual(lines.length);
          expect(Number(position![2])).toBeLessThanOrEqual(lines[line - 1]!.length + 1);
          seen.add("error");
        }
      }),
      fuzzParameters,
    );
    expect(seen.has("error")).toBe(true);
  }, PROPERTY_TIMEOUT_MS);
});
