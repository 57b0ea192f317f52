/**
 * Ordinary, unpatched programs with the interposer preloaded: every exec they
 * make goes through the wrapper exactly once, with argv0 intact, and the real
 * program still runs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox, hasTool, interposerUnavailable, type RoutedExec, type Sandbox } from "./harness.js";

const unavailable = interposerUnavailable();
const describeHere = unavailable ? describe.skip : describe;
if (unavailable) console.log(`exec interposer tool tests skipped: ${unavailable}`);

// A fixed PATH, so the files the shells find are known.
const PATH = "/usr/bin:/bin";

describeHere("exec interposer: shells and tools", () => {
  let sandbox: Sandbox;
  const run = (program: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
    sandbox.run(program, args, { env: sandbox.env({ PATH, ...extra }) });
  const byFile = (execs: RoutedExec[]) => [...execs].sort((a, b) => a.file.localeCompare(b.file));

  beforeAll(() => {
    sandbox = createSandbox();
  });
  afterAll(() => sandbox.cleanup());
  beforeEach(() => sandbox.clearLog());

  test("bash -c: each command is routed once, with its output and exit status intact", () => {
    const result = run("bash", ["-c", '/bin/echo "a  b"; ls -d / >/dev/null; exit 3']);
    expect(result.stdout).toBe("a  b\n");
    expect(result.status).toBe(3);
    expect(sandbox.routed()).toEqual([
      { file: "/bin/echo", argv: ["/bin/echo", "a  b"] },
      { file: "/usr/bin/ls", argv: ["ls", "-d", "/"] },
    ]);
  });

  test("bash exec -a: argv0 reaches the program unchanged", () => {
    const result = run("bash", ["-c", 'exec -a renamed /bin/sh -c "echo \\$0"']);
    expect(result.stdout).toBe("renamed\n");
    expect(sandbox.routed()).toEqual([{ file: "/bin/sh", argv: ["renamed", "-c", "echo $0"] }]);
  });

  test("sh -c tries each PATH candidate with execve; only the one that exists is routed", () => {
    const result = run("sh", ["-c", "ls -d /; echo done"], { PATH: `/nonexistent:${sandbox.dir}:${PATH}` });
    expect(result.stdout).toBe("/\ndone\n");
    expect(sandbox.routed()).toEqual([{ file: "/usr/bin/ls", argv: ["ls", "-d", "/"] }]);
  });

  test("a && b | c: three execs, three routings", () => {
    const result = run("bash", ["-c", "/bin/true && /bin/echo x | /usr/bin/tr x y"]);
    expect(result.stdout).toBe("y\n");
    expect(byFile(sandbox.routed())).toEqual([
      { file: "/bin/echo", argv: ["/bin/echo", "x"] },
      { file: "/bin/true", argv: ["/bin/true"] },
      { file: "/usr/bin/tr", argv: ["/usr/bin/tr", "x", "y"] },
    ]);
  });

  test("nested bash -c 'sh -c ...' is routed at every level", () => {
    const result = run("bash", ["-c", `bash -c 'sh -c "/bin/echo deep"'`]);
    expect(result.stdout).toBe("deep\n");
    expect(sandbox.routed()).toEqual([
      { file: "/usr/bin/bash", argv: ["bash", "-c", 'sh -c "/bin/echo deep"'] },
      { file: "/usr/bin/sh", argv: ["sh", "-c", "/bin/echo deep"] },
      { file: "/bin/echo", argv: ["/bin/echo", "deep"] },
    ]);
  });

  test("bash runs a script without #! itself, and the commands inside it are routed", () => {
    const script = join(sandbox.dir, "plain-script");
    writeFileSync(script, "/bin/echo inside \"$1\"\n", { mode: 0o755 });
    const result = run("bash", ["-c", `'${script}' arg; echo "status $?"`]);
    expect(result.stdout).toBe("inside arg\nstatus 0\n");
    expect(sandbox.routed()).toEqual([{ file: "/bin/echo", argv: ["/bin/echo", "inside", "arg"] }]);
  });

  test("make: recipe lines run directly and through /bin/sh are both routed", () => {
    if (!hasTool("make")) return console.log("make test skipped: make is not installed");
    const project = join(sandbox.dir, "make-project");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "Makefile"), "all:\n\t/bin/echo one\n\techo two > out.txt\n");
    const result = sandbox.run("make", ["-s"], { env: sandbox.env({ PATH }), cwd: project });
    expect(result.stdout).toBe("one\n");
    expect(existsSync(join(project, "out.txt"))).toBe(true);
    expect(sandbox.routed()).toEqual([
      { file: "/bin/echo", argv: ["/bin/echo", "one"] },
      { file: "/bin/sh", argv: ["/bin/sh", "-c", "echo two > out.txt"] },
    ]);
  });

  test("xargs: one routing per command it builds", () => {
    const result = sandbox.run("xargs", ["-n1", "/bin/echo"], { env: sandbox.env({ PATH }), input: "a\nb\n" });
    expect(result.stdout).toBe("a\nb\n");
    expect(sandbox.routed()).toEqual([
      { file: "/bin/echo", argv: ["/bin/echo", "a"] },
      { file: "/bin/echo", argv: ["/bin/echo", "b"] },
    ]);
  });

  test("find -exec: one routing per match", () => {
    const tree = join(sandbox.dir, "find-tree");
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, "one.txt"), "");
    writeFileSync(join(tree, "two.txt"), "");
    const result = run("find", [tree, "-name", "*.txt", "-exec", "/bin/echo", "found", "{}", ";"]);
    expect(result.stdout.split("\n").sort()).toEqual(["", `found ${tree}/one.txt`, `found ${tree}/two.txt`]);
    expect(byFile(sandbox.routed()).map((exec) => exec.argv[0])).toEqual(["/bin/echo", "/bin/echo"]);
  });

  test("env: the program it starts is routed, found through PATH", () => {
    const result = run("env", ["FOO=bar", "printenv", "FOO"]);
    expect(result.stdout).toBe("bar\n");
    expect(sandbox.routed()).toEqual([{ file: "/usr/bin/printenv", argv: ["printenv", "FOO"] }]);
  });

  test("python: os.system, subprocess.run and os.execv are routed", () => {
    const located = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
    if (located.status !== 0) return console.log("python test skipped: python3 is not installed");
    const python = located.stdout.trim();
    const script = [
      "import os, subprocess",
      "os.system('/bin/echo from-system')",
      "subprocess.run(['echo', 'from-subprocess'])",
      "os.execv('/bin/echo', ['renamed-echo', 'from-execv'])",
    ].join("\n");
    const result = run(python, ["-c", script]);
    expect(result.stdout).toBe("from-system\nfrom-subprocess\nfrom-execv\n");
    expect(sandbox.routed()).toEqual([
      { file: "/bin/sh", argv: ["sh", "-c", "/bin/echo from-system"] },
      { file: "/bin/echo", argv: ["/bin/echo", "from-system"] },
      { file: "/usr/bin/echo", argv: ["echo", "from-subprocess"] },
      { file: "/bin/echo", argv: ["renamed-echo", "from-execv"] },
    ]);
  });

  test("node: child_process.spawnSync with a bare name and with a path is routed", () => {
    const script = `
      const { spawnSync } = require("node:child_process");
      spawnSync("echo", ["by-name"], { stdio: "inherit" });
      spawnSync("/bin/echo", ["by-path"], { stdio: "inherit", argv0: "custom" });
    `;
    const result = run(process.execPath, ["-e", script]);
    expect(result.stdout).toBe("by-name\nby-path\n");
    expect(sandbox.routed()).toEqual([
      { file: "/usr/bin/echo", argv: ["echo", "by-name"] },
      { file: "/bin/echo", argv: ["custom", "by-path"] },
    ]);
  });

  test("a shell running the wrapper itself does not wrap it again", () => {
    const result = run("bash", ["-c", `"$0" /bin/echo custom-argv0 direct`, sandbox.wrapper]);
    expect(result.stdout).toBe("direct\n");
    expect(sandbox.routed()).toEqual([{ file: "/bin/echo", argv: ["custom-argv0", "direct"] }]);
  });

  test("without EXEC_WRAPPER (unset or empty) the preloaded shell runs everything itself", () => {
    const withoutWrapper = sandbox.env({ PATH });
    delete withoutWrapper.EXEC_WRAPPER;
    for (const env of [withoutWrapper, sandbox.env({ PATH, EXEC_WRAPPER: "" })]) {
      const result = sandbox.run("bash", ["-c", "/bin/echo a | tr a b; sh -c 'ls -d /'"], { env });
      expect(result.stdout).toBe("b\n/\n");
    }
    expect(sandbox.routed()).toEqual([]);
  });

  test("a wrapper that cannot start fails every exec closed: the command's side effect is absent", () => {
    const marker = join(sandbox.dir, "must-not-exist");
    const result = run("bash", ["-c", `touch '${marker}'`], { EXEC_WRAPPER: join(sandbox.dir, "missing-wrapper") });
    expect(result.status).toBe(127);
    // bash sees execve fail with ENOENT for a file that exists.
    expect(result.stderr).toMatch(/touch: cannot execute: required file not found/);
    expect(existsSync(marker)).toBe(false);
  });
});
