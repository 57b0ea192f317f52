/**
 * judgedCommands: every command one exec is judged as, exactly, and nothing
 * more. Pure, so checked case by case and over generated hostile arguments.
 */
import fc from "fast-check";
import { isSystemLoader, judgedCommands, type ExecProgram } from "../../src/approval/index.js";

const exec = (extra: Partial<ExecProgram>): ExecProgram => ({ file: "/usr/bin/tool", argv: ["tool", "a"], cwd: "/work", ...extra });
const commands = (extra: Partial<ExecProgram>) => judgedCommands(exec(extra)).map(({ command, weight }) => [weight, ...command]);

describe("judgedCommands", () => {
  test("the program as given, resolved against cwd, with full weight; argv[0] is replaced by it", () => {
    expect(commands({ file: "bin/tool", argv: ["whatever", "a"] })).toEqual([["full", "/work/bin/tool", "a"]]);
    expect(commands({})).toEqual([["full", "/usr/bin/tool", "a"]]);
  });

  test("the resolved executable is added with rules weight, unless it is the program itself", () => {
    expect(commands({ executable: "/usr/bin/tool" })).toEqual([["full", "/usr/bin/tool", "a"]]);
    expect(commands({ executable: null })).toEqual([["full", "/usr/bin/tool", "a"]]);
    expect(commands({ executable: "/opt/real" })).toEqual([
      ["full", "/usr/bin/tool", "a"],
      ["rules", "/opt/real", "a"],
    ]);
  });

  test("an interpreter runs the file as given, with rules weight", () => {
    expect(commands({ interpreter: "/bin/sh", executable: "/opt/real" })).toEqual([
      ["full", "/usr/bin/tool", "a"],
      ["rules", "/opt/real", "a"],
      ["rules", "/bin/sh", "/usr/bin/tool", "a"],
    ]);
    expect(commands({ interpreter: "" })).toEqual([["full", "/usr/bin/tool", "a"]]);
  });

  test.each([
    [["ld.so", "/usr/bin/rm", "-rf", "x"], ["/usr/bin/rm", "-rf", "x"]],
    [["ld.so", "--list", "--verify", "rm", "x"], ["rm", "x"]],
    [["ld.so", "--library-path", "/l", "rm"], ["rm"]],
    [["ld.so", "--inhibit-rpath", "/l", "rm"], ["rm"]],
    [["ld.so", "--audit", "/l", "rm"], ["rm"]],
    [["ld.so", "--preload", "/l", "rm"], ["rm"]],
    [["ld.so", "--argv0", "name", "rm"], ["rm"]],
    [["ld.so", "--glibc-hwcaps-prepend", "x", "rm"], ["rm"]],
    [["ld.so", "--glibc-hwcaps-mask", "x", "rm"], ["rm"]],
    [["ld.so", "--", "--odd-name", "y"], ["--odd-name", "y"]],
    [["ld.so", "./rm", "x"], ["/work/rm", "x"]],
    [["ld.so", "sub/rm"], ["/work/sub/rm"]],
  ])("the loader run directly, %j, is judged as the program it loads: %j", (argv, loaded) => {
    const judged = judgedCommands(exec({ file: "/lib64/ld-linux-x86-64.so.2", argv }));
    expect(judged).toHaveLength(2);
    expect(judged[1]).toEqual({ command: loaded, weight: "full" });
  });

  test.each([[["ld.so"]], [["ld.so", "--list"]], [["ld.so", "--library-path"]], [["ld.so", "--", ""]], [["ld.so", ""]]])(
    "a loader given no program, %j, adds nothing",
    (argv) => {
      expect(judgedCommands(exec({ file: "/lib64/ld-linux-x86-64.so.2", argv }))).toHaveLength(1);
    },
  );

  test("a loader reached through a link counts as the loader", () => {
    expect(commands({ file: "/usr/bin/loader", executable: "/lib/ld-musl-x86_64.so.1", argv: ["loader", "rm"] })).toEqual([
      ["full", "/usr/bin/loader", "rm"],
      ["rules", "/lib/ld-musl-x86_64.so.1", "rm"],
      ["full", "rm"],
    ]);
  });

  test("hostile arguments (quotes, newlines, non-ASCII, replacement characters) are carried exactly into every command", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 6 }), fc.string({ unit: "binary" }), (args, argv0) => {
        const judged = judgedCommands({ file: "/bin/x", argv: [argv0, ...args], cwd: "/", executable: "/opt/y", interpreter: "/bin/sh" });
        expect(judged.map(({ command }) => command)).toEqual([
          ["/bin/x", ...args],
          ["/opt/y", ...args],
          ["/bin/sh", "/bin/x", ...args],
        ]);
      }),
    );
  });
});

describe("isSystemLoader", () => {
  test.each(["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux.so.2", "/lib/ld-musl-x86_64.so.1", "/usr/bin/ld.so", "ld.so.1"])(
    "%s is a loader",
    (path) => expect(isSystemLoader(path)).toBe(true),
  );
  test.each(["/usr/bin/ld", "/opt/ld-linuxish", "/lib/ld-linux-x86-64.so.2/x", "/usr/bin/ld.so.x", "/x/ld.sox", "/x/my-ld.so", "/x/ld-linux"])(
    "%s is not",
    (path) => expect(isSystemLoader(path)).toBe(false),
  );
});
