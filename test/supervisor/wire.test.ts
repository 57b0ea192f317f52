/**
 * The request line the shared wire library builds (the wrapper and the
 * supervisor link the same code), checked against a real server: any bytes
 * in argv and cwd travel exactly in the _b64 siblings, and the plain members
 * show them with each invalid byte replaced by U+FFFD.
 */
import fc from "fast-check";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { nativeArtifactPath } from "../../src/native/index.js";
import { scratchDir, startExecServer, supervisorUnavailable } from "./harness.js";

const wrapper = nativeArtifactPath("cordon-exec-wrapper");
const unavailable = supervisorUnavailable();
const describeHere = unavailable ? describe.skip : describe;

/** The text of `bytes` as the wire shows it: valid UTF-8 kept, every other byte U+FFFD. */
function shown(bytes: Buffer): string {
  let text = "";
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const [length, min] = lead < 0x80 ? [1, 0] : (lead & 0xe0) === 0xc0 ? [2, 0x80] : (lead & 0xf0) === 0xe0 ? [3, 0x800] : (lead & 0xf8) === 0xf0 ? [4, 0x10000] : [0, 0];
    let code = length === 1 ? lead : length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
    let valid = length > 0 && i + length <= bytes.length;
    for (let k = 1; valid && k < length; k++) {
      const next = bytes[i + k]!;
      valid = (next & 0xc0) === 0x80;
      code = (code << 6) | (next & 0x3f);
    }
    valid = valid && code >= min && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    text += valid ? String.fromCodePoint(code) : "\uFFFD";
    i += valid ? length : 1;
  }
  return text;
}

/** Runs the wrapper with argv bytes made by printf (Node can only pass UTF-8 arguments). */
function runWrapper(socket: string, args: Buffer[], cwd: string): Promise<number | null> {
  const escaped = args.map((arg) => `"$(printf '${[...arg].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("")}x')"`);
  // Each argument carries a trailing x so that command substitution keeps trailing newlines; it is cut again here.
  const script = `set -- ${escaped.join(" ")}; for a; do set -- "$@" "\${a%x}"; shift; done; exec "${wrapper}" /bin/true "$@"`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd, env: { CORDON_EXEC_SOCKET: socket }, stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (status) => resolve(status));
  });
}

describeHere(`exec wire format: lossless bytes${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  test("argv of any bytes but NUL arrives exactly in argv_b64, and shown with U+FFFD for each invalid byte", async () => {
    const scratch = scratchDir();
    const server = await startExecServer(scratch.path, () => ({ action: "run" }));
    try {
      const argument = fc.uint8Array({ minLength: 0, maxLength: 12 }).map((bytes) => Buffer.from(bytes.map((b) => (b === 0 ? 1 : b))));
      await fc.assert(
        fc.asyncProperty(fc.array(argument, { minLength: 1, maxLength: 4 }), async (args) => {
          server.requests.length = 0;
          expect(await runWrapper(server.socketPath, args, scratch.path)).toBe(0);
          const [request] = server.requests;
          const utf8 = args.every((arg) => shown(arg) === arg.toString("utf8") && Buffer.from(arg.toString("utf8")).equals(arg));
          expect(request!.argv).toEqual(args.map(shown));
          if (utf8) {
            expect(request!.argv_b64).toBeUndefined();
          } else {
            expect(request!.argv_b64!.map((b64) => Buffer.from(b64, "base64"))).toEqual(args);
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await server.close();
      scratch.remove();
    }
  });

  test("a working directory that is not UTF-8 arrives exactly in cwd_b64", async () => {
    const scratch = scratchDir();
    const server = await startExecServer(scratch.path, () => ({ action: "run" }));
    try {
      const name = Buffer.from([0x61, 0xc3, 0x28, 0xff]);
      const cwd = Buffer.concat([Buffer.from(`${scratch.path}/`), name]);
      mkdirSync(cwd);
      // Node takes only UTF-8 paths for a cwd: the shell enters the directory.
      const child = spawn("bash", ["-c", `cd "$(printf 'a\\303(\\377')" && exec "${wrapper}" /bin/true true`], {
        cwd: scratch.path,
        env: { CORDON_EXEC_SOCKET: server.socketPath },
      });
      await new Promise((resolve) => child.on("close", resolve));
      const request = server.requests.at(-1)!;
      expect(Buffer.from(request.cwd_b64!, "base64")).toEqual(cwd);
      expect(request.cwd).toBe(shown(cwd));
    } finally {
      await server.close();
      scratch.remove();
    }
  });
});
