/**
 * Real shells and tools under the supervisor: every exec they make is asked
 * once, output and statuses are as without it, and what the environment says
 * (cleared, rewritten) changes nothing.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testUnless } from "../support/skip.js";
import { hasTool, launch, scratchDir, startExecServer, supervisorUnavailable, type ExecServer } from "./harness.js";

const unavailable = supervisorUnavailable();
if (unavailable) console.log(`exec supervisor tool tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

describeHere(`exec supervisor: shells and tools${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let dir: string;
  let server: ExecServer;

  beforeAll(async () => {
    scratch = scratchDir();
    dir = scratch.path;
    // Denies the program "forbidden", however it is started.
    server = await startExecServer(dir, (request) =>
      request.executable?.endsWith("/forbidden") ? { action: "deny", reason: "forbidden here" } : { action: "run" },
    );
    writeFileSync(join(dir, "forbidden"), "#!/bin/sh\ntouch \"$(dirname \"$0\")/forbidden-ran\"\n", { mode: 0o755 });
  });
  afterAll(async () => {
    await server.close();
    scratch.remove();
  });
  beforeEach(() => (server.requests.length = 0));

  const run = (script: string, shell = "bash") =>
    launch([shell, "-c", script], { cwd: dir, execSocket: server.socketPath, env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir } });
  const asked = () => server.requests.slice(1).map((request) => request.argv);
  const ran = () => existsSync(join(dir, "forbidden-ran"));

  test("a && b | c: three execs, each asked once, output and status intact", async () => {
    const result = await run("/bin/echo one && /bin/echo two | /usr/bin/tr a-z A-Z; exit 3");
    expect(result.stdout).toBe("one\nTWO\n");
    expect(result.status).toBe(3);
    expect(asked().sort()).toEqual([["/bin/echo", "one"], ["/bin/echo", "two"], ["/usr/bin/tr", "a-z", "A-Z"]]);
  });

  test("nested shells are asked at every level, and a denial deep inside stops only that command", async () => {
    const result = await run(`sh -c 'bash -c "./forbidden; echo inner \\$?"'; echo outer $?`);
    expect(result.stdout).toBe("inner 126\nouter 0\n");
    expect(asked().map((argv) => argv[0])).toEqual(["sh", "bash", "./forbidden"]);
    expect(ran()).toBe(false);
  });

  for (const shell of ["sh", "zsh"]) {
    testUnless(hasTool(shell) ? null : `${shell} is not installed`)(`${shell} is decided the same way`, async () => {
      const result = await run("./forbidden; echo $?", shell);
      expect(result.stdout).toBe("126\n");
      expect(ran()).toBe(false);
    });
  }

  testUnless(hasTool("make") ? null : "make is not installed")("make -j2: recipes run concurrently, each asked, output as without the supervisor", async () => {
    writeFileSync(join(dir, "Makefile"), "all: a b\na:\n\t@/bin/echo built-a\nb:\n\t@/bin/echo built-b\n");
    const result = await run("make -s -j2 all");
    expect(result.stdout.split("\n").sort()).toEqual(["", "built-a", "built-b"]);
    expect(asked().map((argv) => argv.join(" ")).sort()).toEqual(["/bin/echo built-a", "/bin/echo built-b", "make -s -j2 all"]);
  });

  test("xargs and find -exec: one decision per command they build", async () => {
    const result = await run("printf 'x\\ny\\n' | xargs -n1 /bin/echo got; find . -maxdepth 1 -name Makefile -exec /bin/echo found {} \\;");
    expect(result.stdout).toBe("got x\ngot y\nfound ./Makefile\n");
    expect(asked().filter((argv) => argv[0] === "/bin/echo")).toEqual([
      ["/bin/echo", "got", "x"],
      ["/bin/echo", "got", "y"],
      ["/bin/echo", "found", "./Makefile"],
    ]);
  });

  testUnless(hasTool("python3") ? null : "python3 is not installed")("python: os.system, subprocess with env={}, os.execv and a raw syscall through ctypes are all decided", async () => {
    const script = [
      "import ctypes, os, subprocess",
      "print('system', os.system('./forbidden') >> 8, flush=True)",
      "try: subprocess.run(['./forbidden'], env={})",
      "except PermissionError as e: print('run', e.errno, flush=True)",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "argv = (ctypes.c_char_p * 2)(b'./forbidden', None)",
      "print('syscall', libc.syscall(59, b'./forbidden', argv, None), ctypes.get_errno(), flush=True)",
      "os.execv('./forbidden', ['./forbidden'])",
    ].join("\n");
    const result = await launch(["python3", "-c", script], { cwd: dir, execSocket: server.socketPath });
    expect(result.stdout).toBe("system 126\nrun 13\nsyscall -1 13\n");
    expect(result.stderr).toMatch(/PermissionError/);
    expect(ran()).toBe(false);
    expect(server.requests.filter((request) => request.file === "./forbidden")).toHaveLength(4);
  });

  testUnless(hasTool("perl") ? null : "perl is not installed")("perl's syscall and node's spawnSync with an empty environment are decided", async () => {
    const perl = await run(`perl -e 'my $p = "./forbidden"; my $r = syscall(59, $p, 0, 0); print "$r $!\\n"'`);
    expect(perl.stdout).toBe("-1 Permission denied\n");
    const node = await launch(
      [process.execPath, "-e", "const r = require('child_process').spawnSync('./forbidden', { env: {} }); console.log(r.error.code)"],
      { cwd: dir, execSocket: server.socketPath },
    );
    expect(node.stdout).toBe("EACCES\n");
    expect(ran()).toBe(false);
  });

  describe("the same transcript as without approvals, with an allow-all server", () => {
    const transcript = async (script: string, withApprovals: boolean, cwd: string) => {
      const result = await launch(["bash", "-c", script], {
        cwd,
        execSocket: withApprovals ? server.socketPath : undefined,
        env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", LANG: "C" },
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };

    const transcripts: Array<[name: string, tool: string, script: string]> = [
      [
        "git commit with a hook",
        "git",
        `rm -rf repo && git init -q repo && cd repo && git config user.email a@b.c && git config user.name n &&
         printf '#!/bin/sh\necho hook ran: $(git rev-parse --abbrev-ref HEAD)\n' > .git/hooks/pre-commit &&
         chmod +x .git/hooks/pre-commit && echo x > f && git add f && git commit -q -m "line1
line2" && git log --format=%B -1`,
      ],
      ["npm run", "npm", `printf '{"name":"p","version":"1.0.0","scripts":{"hi":"echo hi from $npm_lifecycle_event"}}' > package.json && npm run --silent hi`],
      ["python -m venv", "python3", "rm -rf venv && python3 -m venv --without-pip venv && venv/bin/python -c 'import sys; print(sys.prefix != sys.base_prefix)'"],
    ];
    for (const [name, tool, script] of transcripts) {
      testUnless(hasTool(tool) ? null : `${tool} is not installed`)(name, async () => {
        const plain = await transcript(script, false, dir);
        const approved = await transcript(script, true, dir);
        expect(plain.status).toBe(0);
        expect(approved).toEqual(plain);
        expect(server.requests.length).toBeGreaterThan(2);
      });
    }
  });
});
