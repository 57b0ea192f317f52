/**
 * Arguments that are not UTF-8 reach the program byte for byte (SPEC §8):
 * exactCommand's script is run by the real /bin/sh and the program prints
 * what it got, for arbitrary bytes (fast-check) and for the awkward ones.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { exactCommand, inexactBytes } from "../../src/platform/index.js";

// Prints each argument after its argv[0], NUL-terminated, exactly.
const PRINTER = ["/bin/sh", "-c", 'printf "%s\\000" "$0" "$@"'];

function received(command: string[]): Buffer {
  const result = spawnSync(command[0]!, command.slice(1));
  if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr}`);
  return result.stdout;
}

const expected = (args: Buffer[]) => Buffer.concat(args.map((arg) => Buffer.concat([arg, Buffer.from([0])])));

describe("exactCommand", () => {
  test("a command of text is left as it is", () => {
    expect(exactCommand(["touch", "plain é"])).toEqual(["touch", "plain é"]);
    expect(exactCommand(["touch", Buffer.from("bytes that are UTF-8 ✓")])).toEqual(["touch", "bytes that are UTF-8 ✓"]);
    expect(inexactBytes(Buffer.from("ok"))).toBeNull();
    expect(inexactBytes(Buffer.from([0xff]))).toEqual(Buffer.from([0xff]));
  });

  test("awkward bytes arrive exactly: a leading dash, %, backslashes, quotes, newlines, trailing newlines, empty", () => {
    const args = [
      Buffer.from([0x2d, 0x6e, 0xff]),
      Buffer.from("%s %d \\n \\\\ ' \" $(x) `y`\n\xfe", "latin1"),
      Buffer.from([0xc3, 0x28, 0x0a, 0x0a]),
      Buffer.from([0x80]),
      Buffer.from(""),
      Buffer.from("text among bytes"),
    ];
    expect(received(exactCommand([...PRINTER, "argv0", ...args]))).toEqual(expected([Buffer.from("argv0"), ...args]));
  });

  test("any bytes but NUL arrive exactly, with text arguments around them", () => {
    const argument = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 40 }).map((bytes) => Buffer.from(bytes.filter((byte) => byte !== 0))),
      fc.string({ maxLength: 20 }).filter((text) => !text.includes("\0")),
    );
    fc.assert(
      fc.property(fc.array(argument, { minLength: 1, maxLength: 6 }), (args) => {
        const bytes = args.map((arg) => (typeof arg === "string" ? Buffer.from(arg) : arg));
        expect(received(exactCommand([...PRINTER, "argv0", ...args]))).toEqual(expected([Buffer.from("argv0"), ...bytes]));
      }),
      { numRuns: 60 },
    );
  });

  test("the program is looked up in PATH, and a missing one exits 127 as a shell reports it", () => {
    const echo = exactCommand(["printf", "%s", Buffer.from([0xff])]);
    expect(received(echo)).toEqual(Buffer.from([0xff]));
    const [shell, ...args] = exactCommand(["no-such-program-here", Buffer.from([0xff])]);
    // A PATH of directories anyone may search: one the caller may not search makes it 126, as for a shell.
    expect(spawnSync(shell!, args, { env: { PATH: "/usr/bin:/bin" } }).status).toBe(127);
  });

  test("bytes too long to carry in one script are refused, never cut", () => {
    expect(() => exactCommand(["true", Buffer.alloc(64 * 1024, 0xff)])).toThrow(RangeError);
  });
});
