/** The command-line parser the commands share (fast-check): the command after `--` is never touched, excerpts stay short. */
import fc from "fast-check";
import { excerpt, parseCommandLine } from "../../src/cli/args.js";
import { UsageError } from "../../src/errors.js";

const OPTIONS = { cwd: { type: "string" }, "dry-run": { type: "boolean" } } as const;

describe("parseCommandLine", () => {
  test("whatever follows --, flags and -- included, comes back as given", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom("--", "-c", "--cwd", "--dry-run", ""))), (command) => {
        const parsed = parseCommandLine(["--cwd", "/x", "--", ...command], OPTIONS, "usage", { carriesCommand: true });
        expect(parsed.values).toEqual({ cwd: "/x" });
        expect(parsed.rest).toEqual(command);
      }),
    );
  });

  test("the exact bytes of a command argument are carried; the same bytes in a flag's value are a usage error", () => {
    const bytes = [Buffer.from("--cwd"), Buffer.from("/x"), Buffer.from("--"), Buffer.from("touch"), Buffer.from([0x66, 0xff])];
    const args = bytes.map((arg) => arg.toString("utf8"));
    const parsed = parseCommandLine(args, OPTIONS, "usage", { bytes, carriesCommand: true });
    expect(parsed.command).toEqual(["touch", Buffer.from([0x66, 0xff])]);
    expect(() => parseCommandLine(args, OPTIONS, "usage", { bytes })).toThrow(UsageError);
    const inFlag = [Buffer.from("--cwd"), Buffer.from([0x2f, 0xff]), Buffer.from("--"), Buffer.from("true")];
    expect(() => parseCommandLine(inFlag.map((arg) => arg.toString("utf8")), OPTIONS, "usage", { bytes: inFlag, carriesCommand: true })).toThrow(
      /not valid UTF-8 and cannot be carried exactly/,
    );
  });

  test("without the exact bytes, an argument holding U+FFFD may have lost bytes: a usage error, never a changed argument", () => {
    expect(() => parseCommandLine(["--", "touch", "f\uFFFD"], OPTIONS, "usage", { carriesCommand: true })).toThrow(UsageError);
  });
});

describe("excerpt", () => {
  test("short text is kept whole; long text is cut to the limit, whole code points, saying how much is left out", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (text, max) => {
        const shown = excerpt(text, max);
        const length = Array.from(text).length;
        if (length <= max) {
          expect(shown).toBe(text);
        } else {
          expect(shown).toBe(`${Array.from(text).slice(0, max).join("")}… (${length - max} more characters)`);
        }
      }),
    );
  });
});
