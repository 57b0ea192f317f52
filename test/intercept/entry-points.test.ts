/**
 * Each exec entry point of libc, called by a small C program (the exec probe),
 * with the interposer preloaded: routed once through the wrapper with argv0
 * intact, and failing exactly as libc's own call fails.
 */
import fc from "fast-check";
import { join } from "node:path";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { compileProbe, createSandbox, interposerUnavailable, shownArgv, type Sandbox } from "./harness.js";

const unavailable = interposerUnavailable();
const describeHere = unavailable ? describe.skip : describe;
if (unavailable) console.log(`exec interposer entry-point tests skipped: ${unavailable}`);

describeHere("exec interposer: libc entry points", () => {
  let sandbox: Sandbox;
  let probe: string;
  // The probe is found on PATH by its name for the searching entry points.
  let searchPath: string;

  beforeAll(() => {
    sandbox = createSandbox();
    probe = compileProbe(sandbox.dir);
    searchPath = `${sandbox.dir}:/usr/bin:/bin`;
  });
  afterAll(() => sandbox.cleanup());
  beforeEach(() => sandbox.clearLog());

  const routedEnv = () => sandbox.env({ PATH: searchPath });
  const libcEnv = () => ({ ...process.env, PATH: searchPath });

  const pathEntries = ["execve", "execv", "execl", "execle", "execveat", "execveat-dirfd", "execveat-nofollow",
    "execveat-empty-path", "fexecve", "vfork-execve", "posix_spawn"];
  const searchingEntries = ["execvp", "execvpe", "execlp", "posix_spawnp"];

  test.each(pathEntries)("%s runs the program through the wrapper once, argv0 intact", (entry) => {
    const result = sandbox.run(probe, [entry, probe, "custom-argv0", "show", "two words"], { env: routedEnv() });
    expect(result.stderr).toBe("");
    expect(shownArgv(result.stdout)).toEqual(["custom-argv0", "show", "two words"]);
    expect(sandbox.routed()).toEqual([{ file: probe, argv: ["custom-argv0", "show", "two words"] }]);
  });

  test.each(searchingEntries)("%s hands the wrapper the file its PATH search found", (entry) => {
    const result = sandbox.run(probe, [entry, "exec-probe", "custom-argv0", "show"], { env: routedEnv() });
    expect(shownArgv(result.stdout)).toEqual(["custom-argv0", "show"]);
    expect(sandbox.routed()).toEqual([{ file: probe, argv: ["custom-argv0", "show"] }]);
  });

  test("fexecve of a memfd (no path but /proc/self/fd) is still routed and runs", () => {
    const result = sandbox.run(probe, ["fexecve-memfd", probe, "from-memory", "show"], { env: routedEnv() });
    expect(shownArgv(result.stdout)).toEqual(["from-memory", "show"]);
    const routed = sandbox.routed();
    expect(routed).toHaveLength(1);
    expect(routed[0].file).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(routed[0].argv).toEqual(["from-memory", "show"]);
  });

  test("system runs sh -c through the wrapper and returns the shell's status", () => {
    const result = sandbox.run(probe, ["system", "echo from-system; exit 4"], { env: routedEnv() });
    expect(result.stdout).toContain("from-system\nexit 4\n");
    expect(sandbox.routed()).toEqual([{ file: "/bin/sh", argv: ["sh", "-c", "echo from-system; exit 4"] }]);
  });

  test("system ignores SIGINT and SIGQUIT in the caller while the command runs, as libc's does", () => {
    const routed = sandbox.run(probe, ["system-signals"], { env: routedEnv() });
    const libc = sandbox.run(probe, ["system-signals"], { env: libcEnv() });
    expect(routed.stdout).toBe("survived, SIGINT default\nexit 3\n");
    expect(routed.stdout).toBe(libc.stdout);
    expect(routed.signal).toBeNull();
  });

  test.each([
    ["popen-r", "echo from-popen", "cloexec 0\nread: from-popen\nexit 0\n"],
    ["popen-re", "echo from-popen; exit 5", "cloexec 1\nread: from-popen\nexit 5\n"],
    ["popen-w", "cat", "cloexec 0\nto the child\nexit 0\n"],
  ])("%s keeps libc's pipe, close-on-exec and status semantics", (entry, command, expected) => {
    const routed = sandbox.run(probe, [entry, command], { env: routedEnv() });
    expect(routed.stdout).toBe(expected);
    expect(sandbox.routed()[0]).toEqual({ file: "/bin/sh", argv: ["sh", "-c", command] });
    const libc = sandbox.run(probe, [entry, command], { env: libcEnv() });
    expect(libc.stdout).toBe(expected);
  });

  test("popen's child does not inherit earlier popen streams (a reader sees end of input)", () => {
    // Two writers at once: were the first stream's pipe inherited by the
    // second child, the first `cat` would never see end of input and pclose
    // would hang.
    const program = join(sandbox.dir, "two-popens.c");
    writeFileSync(
      program,
      `#include <stdio.h>
       int main(void) {
         FILE* first = popen("cat > first.out", "w");
         FILE* second = popen("cat > second.out", "w");
         if (!first || !second) return 1;
         fputs("one\\n", first);
         fputs("two\\n", second);
         int a = pclose(first), b = pclose(second);
         printf("%d %d\\n", a, b);
         return 0;
       }`,
    );
    const binary = join(sandbox.dir, "two-popens");
    const cc = sandbox.run("cc", ["-Wall", "-Werror", "-o", binary, program], { env: process.env });
    expect(cc.stderr).toBe("");
    const result = sandbox.run(binary, [], { env: routedEnv() });
    expect(result.stdout).toBe("0 0\n");
    expect(sandbox.routed().filter((exec) => exec.file === "/bin/sh")).toHaveLength(2);
  });

  test("the wrapper itself is never wrapped: exec of $EXEC_WRAPPER is logged once, not looped", () => {
    const result = sandbox.run(probe, ["execve", sandbox.wrapper, sandbox.wrapper, probe, "direct", "show"], {
      env: routedEnv(),
    });
    expect(shownArgv(result.stdout)).toEqual(["direct", "show"]);
    expect(sandbox.routed()).toEqual([{ file: probe, argv: ["direct", "show"] }]);
  });

  test("with EXEC_WRAPPER unset or empty every entry point is libc's own", () => {
    for (const env of [sandbox.env({ PATH: searchPath, EXEC_WRAPPER: "" }), { ...libcEnv(), LD_PRELOAD: sandbox.env().LD_PRELOAD }]) {
      for (const entry of [...pathEntries, "fexecve-memfd"]) {
        const result = sandbox.run(probe, [entry, probe, "plain", "show"], { env });
        expect(shownArgv(result.stdout)).toEqual(["plain", "show"]);
      }
      for (const entry of searchingEntries) {
        expect(shownArgv(sandbox.run(probe, [entry, "exec-probe", "plain", "show"], { env }).stdout)).toEqual([
          "plain",
          "show",
        ]);
      }
      expect(sandbox.run(probe, ["system", "echo sh"], { env }).stdout).toBe("sh\nexit 0\n");
    }
    expect(sandbox.routed()).toEqual([]);
  });

  test("a wrapper that cannot be started fails the exec closed: ENOENT, and the program never runs", () => {
    const env = sandbox.env({ PATH: searchPath, EXEC_WRAPPER: join(sandbox.dir, "no-such-wrapper") });
    const marker = join(sandbox.dir, "ran-anyway");
    for (const entry of ["execve", "execvp", "posix_spawn"]) {
      const file = entry === "execvp" ? "touch" : "/usr/bin/touch";
      const result = sandbox.run(probe, [entry, file, "touch", marker], { env });
      expect(result.stdout).toMatch(new RegExp(`^${entry} failed: ENOENT`));
    }
    const system = sandbox.run(probe, ["system", `touch ${marker}`], { env });
    expect(system.stdout).toBe("exit 127\n");
    expect(existsSync(marker)).toBe(false);
  });

  test("an argv too large to copy on the stack fails with E2BIG instead of overflowing", () => {
    const result = sandbox.run(probe, ["many-args", "/bin/true"], { env: routedEnv() });
    expect(result.stdout).toBe("execv failed: E2BIG\n");
    expect(result.signal).toBeNull();
    expect(sandbox.routed()).toEqual([]);
  });

  test("hostile but legal arguments reach the wrapper and the program byte for byte", () => {
    const argument = fc.string({ unit: "grapheme", maxLength: 12 }).filter((text) => !text.includes("\0"));
    const special = fc.constantFrom("", " ", "'", '"', "$(rm -rf x)", "a;b", "(x)", "line\nbreak", "naïve ✓", "-c");
    fc.assert(
      fc.property(fc.array(fc.oneof(argument, special), { maxLength: 5 }), (args) => {
        sandbox.clearLog();
        const result = sandbox.run(probe, ["execv", probe, "argv0 'quoted'", "show", ...args], { env: routedEnv() });
        const expected = ["argv0 'quoted'", "show", ...args];
        expect(shownArgv(result.stdout)).toEqual(expected);
        expect(sandbox.routed()).toEqual([{ file: probe, argv: expected }]);
      }),
      { numRuns: 25 },
    );
  });

  describe("PATH search matches libc's, candidate by candidate", () => {
    // dirs: a non-executable `tool`, a directory named `tool`, an executable
    // `tool`, and a regular file `notadir` that PATH may wrongly name.
    let dirs: { noexec: string; isdir: string; exec: string; file: string };

    beforeAll(() => {
      const root = join(sandbox.dir, "search");
      dirs = {
        noexec: join(root, "noexec"),
        isdir: join(root, "isdir"),
        exec: join(root, "exec dir (odd; name 'q')"),
        file: join(root, "notadir"),
      };
      mkdirSync(dirs.noexec, { recursive: true });
      mkdirSync(join(dirs.isdir, "tool"), { recursive: true });
      mkdirSync(dirs.exec, { recursive: true });
      writeFileSync(join(dirs.noexec, "tool"), "#!/bin/sh\necho noexec\n", { mode: 0o644 });
      writeFileSync(join(dirs.exec, "tool"), "#!/bin/sh\necho exec-tool\n", { mode: 0o755 });
      writeFileSync(dirs.file, "");
      chmodSync(join(dirs.noexec, "tool"), 0o644);
    });

    interface Case {
      name: string;
      path: string | undefined;
      file: string;
      cwd?: () => string;
      routedFile: (() => string) | null;
    }
    const cases: Case[] = [
      { name: "skips a non-executable file and a directory", path: "$noexec:$isdir:$exec", file: "tool", routedFile: () => join(dirs.exec, "tool") },
      { name: "reports EACCES when only unusable candidates exist", path: "$noexec:$isdir", file: "tool", routedFile: null },
      { name: "reports EACCES even when a later element is missing", path: "$noexec:/nonexistent", file: "tool", routedFile: null },
      { name: "reports ENOENT when nothing is found", path: "/nonexistent:$exec", file: "missing-tool", routedFile: null },
      { name: "goes past ENOTDIR", path: "$file:$exec", file: "tool", routedFile: () => join(dirs.exec, "tool") },
      { name: "uses /bin:/usr/bin when PATH is unset", path: undefined, file: "echo", routedFile: () => "/bin/echo" },
      { name: "treats an empty element as the current directory", path: ":/nonexistent", file: "tool", cwd: () => dirs.exec, routedFile: () => "tool" },
      { name: "uses a name with a slash as given", path: "/nonexistent", file: "./tool", cwd: () => dirs.exec, routedFile: () => "./tool" },
      { name: "rejects an empty name with ENOENT", path: "$exec", file: "", routedFile: null },
      { name: "rejects an over-long name with ENAMETOOLONG", path: "$exec", file: "t".repeat(300), routedFile: null },
    ];

    const expand = (path: string) =>
      path.replace(/\$(noexec|isdir|exec|file)/g, (_, key: keyof typeof dirs) => dirs[key]);

    for (const entry of ["execvp", "posix_spawnp"]) {
      test.each(cases)(`${entry} $name`, ({ path, file, cwd, routedFile }) => {
        sandbox.clearLog();
        const base: NodeJS.ProcessEnv = { ...process.env };
        delete base.PATH;
        if (path !== undefined) base.PATH = expand(path);
        const options = { cwd: cwd?.() ?? sandbox.dir };
        const libc = sandbox.run(probe, [entry, file, "searched"], { ...options, env: base });
        const routed = sandbox.run(probe, [entry, file, "searched"], {
          ...options,
          env: { ...base, LD_PRELOAD: sandbox.env().LD_PRELOAD, EXEC_WRAPPER: sandbox.wrapper },
        });
        expect(routed.stdout).toBe(libc.stdout);
        expect(routed.status).toBe(libc.status);
        expect(sandbox.routed()).toEqual(routedFile ? [{ file: routedFile(), argv: ["searched"] }] : []);
        if (!routedFile) expect(routed.stdout).toMatch(/failed: E(ACCES|NOENT|NAMETOOLONG)\n$/);
      });
    }
  });

  test("execve reports ENOENT, EACCES and ELOOP itself, as the kernel would, without starting the wrapper", () => {
    const link = join(sandbox.dir, "probe-link");
    sandbox.run("ln", ["-sf", probe, link], { env: process.env });
    const checks: [string[], string][] = [
      [["execve", join(sandbox.dir, "missing"), "x"], "execve failed: ENOENT\n"],
      [["execve", sandbox.dir, "x"], "execve failed: EACCES\n"],
      [["execve", join(sandbox.dir, "exec.log"), "x"], "execve failed: EACCES\n"],
      [["execveat-nofollow", link, "x"], "execveat-nofollow failed: ELOOP\n"],
      [["posix_spawn", join(sandbox.dir, "missing"), "x"], "posix_spawn failed: ENOENT\n"],
    ];
    for (const [args, expected] of checks) {
      expect(sandbox.run(probe, args, { env: routedEnv() }).stdout).toBe(expected);
      expect(sandbox.run(probe, args, { env: libcEnv() }).stdout).toBe(expected);
    }
    expect(sandbox.routed()).toEqual([]);
  });

  test("a file that is neither ELF nor #! fails with ENOEXEC, except through execvp's /bin/sh fallback", () => {
    const script = join(sandbox.dir, "no-shebang");
    writeFileSync(script, 'echo "no-shebang ran: $*"\n', { mode: 0o755 });
    const expectations: [string, string, RegExp][] = [
      ["execve", script, /^execve failed: ENOEXEC\n$/],
      ["posix_spawn", script, /^posix_spawn failed: ENOEXEC\n$/],
      ["posix_spawnp", "no-shebang", /^posix_spawnp failed: ENOEXEC\n$/],
      ["execveat", script, /^execveat failed: ENOEXEC\n$/],
      ["execvp", "no-shebang", /^no-shebang ran: one two\n$/],
      ["execlp", script, /^no-shebang ran: one two\n$/],
    ];
    for (const [entry, file, expected] of expectations) {
      const libc = sandbox.run(probe, [entry, file, "argv0", "one", "two"], { env: libcEnv() });
      expect(libc.stdout).toMatch(expected);
      const routed = sandbox.run(probe, [entry, file, "argv0", "one", "two"], { env: routedEnv() });
      expect(routed.stdout).toBe(libc.stdout);
    }
    expect(sandbox.routed()).toEqual([
      { file: "/bin/sh", argv: ["/bin/sh", script, "one", "two"] },
      { file: "/bin/sh", argv: ["/bin/sh", script, "one", "two"] },
    ]);
  });

  test("a program on a noexec mount fails with EACCES, as the kernel reports it", () => {
    if (process.getuid?.() !== 0) return console.log("noexec test skipped: mounting a noexec tmpfs needs root");
    const mountPoint = join(sandbox.dir, "noexec-mount");
    mkdirSync(mountPoint, { recursive: true });
    // In a private mount namespace, so the mount vanishes with the command.
    const script = `mount -t tmpfs -o noexec tmpfs "$0" && cp "$1" "$0/copy" && "$1" execve "$0/copy" copy show`;
    const args = ["--mount", "sh", "-c", script, mountPoint, probe];
    const libc = sandbox.run("unshare", args, { env: libcEnv() });
    if (libc.status !== 0 && !libc.stdout) return console.log(`noexec test skipped: ${libc.stderr.trim()}`);
    expect(libc.stdout).toBe("execve failed: EACCES\n");
    const routed = sandbox.run("unshare", args, { env: routedEnv() });
    expect(routed.stdout).toBe("execve failed: EACCES\n");
    expect(sandbox.routed().map((exec) => exec.argv[0])).not.toContain("copy");
  });
});
