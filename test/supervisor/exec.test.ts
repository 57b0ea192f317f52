/**
 * The exec supervisor, tried the way a script would try to get around it:
 * every way of starting a program, each judged from the host side. The server
 * here denies /usr/bin/touch wherever it shows up (the program, the resolved
 * executable, the interpreter, or the program the loader is asked to load), so a denial
 * shows as the marker file touch would create being absent, the caller seeing
 * EACCES (126 from a shell), and the request the server saw naming touch.
 */
import { chmodSync, existsSync, linkSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  compile,
  compileProbe,
  hasTool,
  launch,
  scratchDir,
  shownArgv,
  startExecServer,
  supervisorUnavailable,
  type Answer,
  type ExecServer,
  type SeenRequest,
} from "./harness.js";
import { describeUnless, testUnless } from "../support/skip.js";

const unavailable = supervisorUnavailable();
if (unavailable) console.log(`exec supervisor tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

const TOUCH = "/usr/bin/touch";
const DENIAL = "touch is not allowed here";

const isLoader = (path: string | undefined) => /\/ld-linux-x86-64\.so\.2$/.test(path ?? "");
const namesTouch = (request: SeenRequest) =>
  request.executable === TOUCH || request.interpreter === TOUCH || (isLoader(request.executable) && request.argv[1] === TOUCH);
const denyTouch = (request: SeenRequest): Answer => (namesTouch(request) ? { action: "deny", reason: DENIAL } : { action: "run" });

describeHere(`exec supervisor: every way of starting a program${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let server: ExecServer;
  let probe: string;
  let marker: string;
  let dir: string;

  beforeAll(async () => {
    scratch = scratchDir();
    dir = scratch.path;
    probe = compileProbe(dir);
    server = await startExecServer(dir, denyTouch);
  });
  afterAll(async () => {
    await server.close();
    scratch.remove();
  });
  beforeEach(() => {
    server.requests.length = 0;
    marker = join(dir, `marker-${Math.random().toString(36).slice(2)}`);
  });

  const run = (command: string[]) => launch(command, { cwd: dir, execSocket: server.socketPath });
  const touchRequests = () => server.requests.filter(namesTouch);

  test("the command's own exec is asked, with the resolved executable, cwd and the launcher-side pid", async () => {
    const result = await run(["/bin/echo", "it's \"quoted\"", "new\nline", "ünï ✓"]);
    expect(result.stdout).toBe("it's \"quoted\" new\nline ünï ✓\n");
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({
      type: "exec_request",
      file: "/bin/echo",
      argv: ["/bin/echo", "it's \"quoted\"", "new\nline", "ünï ✓"],
      cwd: dir,
      executable: "/usr/bin/echo",
      interpreter: null,
      anonymous: false,
    });
    expect(request!.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(request!.pid).toBeGreaterThan(1);
    expect(request!.argv_b64).toBeUndefined();
  });

  test("a denied program does not run: the shell sees 126, and stderr says why", async () => {
    const result = await run(["bash", "-c", `${TOUCH} '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(result.stderr).toContain(`cordon: execution denied: ${TOUCH} ${marker}: ${DENIAL}\n`);
    expect(result.stderr).toContain("Permission denied");
    expect(existsSync(marker)).toBe(false);
    expect(touchRequests()).toEqual([expect.objectContaining({ file: TOUCH, argv: [TOUCH, marker], executable: TOUCH })]);
  });

  test.each([
    ["execve", "execve failed: EACCES\n"],
    ["execvp", "execvp failed: EACCES\n"],
    ["syscall-execve", "syscall-execve failed: EACCES\n"],
    ["execveat", "execveat failed: EACCES\n"],
    ["execveat-dirfd", "execveat-dirfd failed: EACCES\n"],
    ["execveat-empty-path", "execveat-empty-path failed: EACCES\n"],
    ["fexecve", "fexecve failed: EACCES\n"],
    ["vfork-execve", "exit 126\n"],
    ["posix_spawn", "posix_spawn failed: EACCES\n"],
  ])("%s of the forbidden program is denied and asked about once", async (entry, expected) => {
    const result = await run([probe, entry, TOUCH, "custom-argv0", marker]);
    expect(result.stdout).toBe(expected);
    expect(existsSync(marker)).toBe(false);
    const asked = touchRequests();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ argv: ["custom-argv0", marker], executable: TOUCH, anonymous: false });
  });

  test("execveat relative to a directory descriptor names the file in that directory", async () => {
    await run([probe, "execveat-dirfd", TOUCH, "touch", marker]);
    expect(touchRequests()[0]!.file).toBe(TOUCH);
  });

  test.each(["execve", "syscall-execve", "execveat-empty-path", "posix_spawn", "vfork-execve"])(
    "%s of an allowed program runs it with argv exact",
    async (entry) => {
      const result = await run([probe, entry, probe, "argv0 'q'", "show", "two words", ""]);
      expect(shownArgv(result.stdout)).toEqual(["argv0 'q'", "show", "two words", ""]);
      expect(server.requests.at(-1)!.argv).toEqual(["argv0 'q'", "show", "two words", ""]);
    },
  );

  test("system() runs /bin/sh, which is asked, and then its command, which is denied", async () => {
    const result = await run([probe, "system", `${TOUCH} '${marker}'`]);
    expect(result.stdout).toBe("exit 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(server.requests.map((request) => request.argv)).toContainEqual(["sh", "-c", `${TOUCH} '${marker}'`]);
    expect(touchRequests()).toHaveLength(1);
  });

  test("a symlink named innocent is judged by what it points to", async () => {
    const innocent = join(dir, "innocent");
    if (!existsSync(innocent)) symlinkSync(TOUCH, innocent);
    const result = await run(["bash", "-c", `./innocent '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(touchRequests()).toEqual([expect.objectContaining({ file: "./innocent", executable: TOUCH, cwd: dir })]);
  });

  test("execveat with AT_SYMLINK_NOFOLLOW on a symlink fails with ELOOP, as the kernel's, without asking", async () => {
    const link = join(dir, "nofollow-link");
    if (!existsSync(link)) symlinkSync(TOUCH, link);
    const result = await run([probe, "execveat-nofollow", link, "touch", marker]);
    expect(result.stdout).toBe("execveat-nofollow failed: ELOOP\n");
    expect(touchRequests()).toEqual([]);
  });

  test("the refusal line shows control characters as ? and cuts a long command", async () => {
    const long = "y".repeat(3000);
    const result = await run(["bash", "-c", `${TOUCH} $'new\\nline\\e[31m' ${long}; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    const line = result.stderr.split("\n").find((text) => text.startsWith("cordon: execution denied:"))!;
    expect(line).toMatch(new RegExp(`^cordon: execution denied: ${TOUCH} new\\?line\\?\\[31m y+\\.\\.\\.: ${DENIAL}$`));
    expect(line.length).toBeLessThan(1200);
    expect(touchRequests()[0]!.argv).toEqual([TOUCH, "new\nline\u001b[31m", long]);
  });

  test("a stderr nobody reads (a full pipe) does not hold up the refusal", async () => {
    const fifo = join(dir, "full-pipe");
    // A reader that never reads keeps the pipe open; 64 KiB fill it.
    const script = `mkfifo '${fifo}' && { sleep 30 < '${fifo}' & } && exec 4>'${fifo}' && head -c 65536 /dev/zero >&4 &&
      '${probe}' execve ${TOUCH} touch '${marker}' 2>&4; kill %1`;
    const result = await run(["bash", "-c", script]);
    expect(result.stdout).toBe("execve failed: EACCES\n");
    expect(existsSync(marker)).toBe(false);
  });

  test("a #! script naming the forbidden program is denied through its interpreter", async () => {
    const script = join(dir, "script-with-touch");
    writeFileSync(script, `#!${TOUCH} ${marker}\n`, { mode: 0o755 });
    const result = await run(["bash", "-c", `'${script}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(touchRequests()).toEqual([expect.objectContaining({ file: script, executable: script, interpreter: TOUCH })]);
  });

  test("a #! chain is followed to the program that really reads the script", async () => {
    const inner = join(dir, "inner-script");
    const outer = join(dir, "outer-script");
    writeFileSync(inner, `#!${TOUCH}\n`, { mode: 0o755 });
    writeFileSync(outer, `#!${inner}\n`, { mode: 0o755 });
    const result = await run(["bash", "-c", `'${outer}' '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(touchRequests()[0]).toMatchObject({ executable: outer, interpreter: TOUCH });
  });

  test("a PT_INTERP naming the forbidden program (through a symlink) is named as the interpreter", async () => {
    const loader = join(dir, "innocent-loader");
    if (!existsSync(loader)) symlinkSync(TOUCH, loader);
    const source = join(dir, "hello.c");
    writeFileSync(source, "int main(void) { return 0; }\n");
    const program = compile(dir, "custom-interp", source, [`-Wl,--dynamic-linker=${loader}`]);
    const result = await run(["bash", "-c", `'${program}' '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(touchRequests()).toEqual([expect.objectContaining({ executable: program, interpreter: TOUCH })]);
  });

  test("the loader run directly is asked with the program it is to load in argv", async () => {
    const result = await run(["bash", "-c", `/lib64/ld-linux-x86-64.so.2 ${TOUCH} '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    const [request] = touchRequests();
    expect(request!.argv).toEqual(["/lib64/ld-linux-x86-64.so.2", TOUCH, marker]);
    expect(request!.executable).toMatch(/\/ld-linux-x86-64\.so\.2$/);
  });

  test("a memfd exec through /proc/self/fd/N is flagged anonymous, with no executable path", async () => {
    const result = await run([probe, "memfd-proc-path", probe, "from-memory", "show"]);
    expect(shownArgv(result.stdout)).toEqual(["from-memory", "show"]);
    const request = server.requests.at(-1)!;
    expect(request.file).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(request.anonymous).toBe(true);
    expect(request.executable).toBeUndefined();
  });

  testUnless(existsSync("/bin/busybox") ? null : "/bin/busybox is not installed (busybox-static)")("a static program (busybox) cannot exec around the supervisor", async () => {
    const result = await run(["/bin/busybox", "sh", "-c", `${TOUCH} '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(touchRequests()).toHaveLength(1);
  });

  test("env -i clears nothing the supervisor depends on: the program it starts is still asked", async () => {
    const result = await run(["bash", "-c", `env -i ${TOUCH} '${marker}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 126\n");
    expect(existsSync(marker)).toBe(false);
    expect(server.requests.map((request) => request.argv[0])).toEqual(["bash", "env", TOUCH]);
  });

  testUnless(hasTool("musl-gcc") ? null : "musl-gcc is not installed (musl-tools)")("a musl-linked dynamic program starts (its loader is a system loader, not an interpreter)", async () => {
    const source = join(dir, "musl-hello.c");
    writeFileSync(source, '#include <stdio.h>\nint main(void) { puts("musl ok"); return 0; }\n');
    const program = join(dir, "musl-hello");
    const built = await launch(["musl-gcc", "-o", program, source], { cwd: dir, allowNetwork: true });
    expect(built.status).toBe(0);
    const result = await run([program]);
    expect(result.stdout).toBe("musl ok\n");
    expect(server.requests.at(-1)).toMatchObject({ executable: program, interpreter: null });
  });

  test("non-UTF-8 arguments are decided, shown replaced and carried exactly in argv_b64", async () => {
    const result = await run(["bash", "-c", `/bin/echo "$(printf 'f\\377o')" plain`]);
    expect(Buffer.from(result.stdout, "latin1").length).toBeGreaterThan(0);
    const request = server.requests.at(-1)!;
    expect(request.argv).toEqual(["/bin/echo", "f\uFFFDo", "plain"]);
    expect(request.argv_b64!.map((b64) => Buffer.from(b64, "base64"))).toEqual([
      Buffer.from("/bin/echo"),
      Buffer.from([0x66, 0xff, 0x6f]),
      Buffer.from("plain"),
    ]);
  });

  test("a non-UTF-8 working directory travels exactly in cwd_b64", async () => {
    const oddBytes = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x64, 0xe9, 0x6a])]);
    const result = await run(["bash", "-c", `mkdir -p "$(printf 'd\\351j')" && cd "$(printf 'd\\351j')" && /bin/true && echo ok`]);
    expect(result.stdout).toBe("ok\n");
    const request = server.requests.find((r) => r.argv[0] === "/bin/true")!;
    expect(Buffer.from(request.cwd_b64!, "base64")).toEqual(oddBytes);
    expect(request.cwd).toBe(`${dir}/d\uFFFDj`);
  });

  test("an argument list over 2 MiB is decided, not refused", async () => {
    // The kernel allows a quarter of the stack limit (at most 6 MiB): the script raises it first.
    const script = 'ulimit -s 32768 && set -- $(seq -f "argument-%g" 1 250000) && /bin/sh -c \'echo "$#"\' sh "$@"';
    const result = await run(["bash", "-c", script]);
    expect(result.stdout).toBe("250000\n");
    const request = server.requests.find((r) => r.argv[0] === "/bin/sh")!;
    expect(request.argv).toHaveLength(250_004);
    expect(request.argv.slice(-2)).toEqual(["argument-249999", "argument-250000"]);
    expect(Buffer.byteLength(request.argv.join("\0"))).toBeGreaterThan(2 * 1024 * 1024);
  });

  test("a file that does not exist is refused by the kernel's own errno, without asking", async () => {
    const result = await run(["bash", "-c", `'${join(dir, "missing")}'; echo "status $?"`]);
    expect(result.stdout).toBe("status 127\n");
    expect(server.requests.map((request) => request.argv[0])).toEqual(["bash"]);
  });

  test("concurrent execs do not wait for each other while one waits for a decision", async () => {
    let releaseSlow!: () => void;
    const slowHeld = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slowServer = await startExecServer(dir, async (request) => {
      if (request.argv.includes("slow")) await slowHeld;
      if (request.argv.includes("fast")) releaseSlow();
      return { action: "run" };
    });
    try {
      // Were the execs answered one at a time, "slow" would wait forever for "fast".
      const result = await launch(["bash", "-c", "/bin/echo slow & sleep 0.2; /bin/echo fast; wait"], {
        cwd: dir,
        execSocket: slowServer.socketPath,
      });
      expect(result.stdout.split("\n").sort()).toEqual(["", "fast", "slow"]);
    } finally {
      await slowServer.close();
    }
  });
});

describeHere(`exec supervisor: failing closed${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  beforeAll(() => (scratch = scratchDir()));
  afterAll(() => scratch.remove());

  test("an exec socket that is not there: the launcher refuses before anything runs (125) and names it", async () => {
    const marker = join(scratch.path, "ran");
    const missing = join(scratch.path, "no.sock");
    const result = await launch(["/usr/bin/touch", marker], { cwd: scratch.path, execSocket: missing });
    expect(result.status).toBe(125);
    expect(result.stderr).toBe(`cordon-linux-sandbox: exec-socket: opening ${missing}: No such file or directory\n`);
    expect(existsSync(marker)).toBe(false);
  });

  test("an exec server that is gone (its socket file left behind): nothing runs, 126, and stderr names the cause", async () => {
    const marker = join(scratch.path, "ran");
    const stale = join(scratch.path, "stale.sock");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(stale, resolve));
    // Closing the server would remove the file; a host that died leaves it, so it is kept by a hard link.
    linkSync(stale, `${stale}.kept`);
    await new Promise((resolve) => server.close(resolve));
    renameSync(`${stale}.kept`, stale);
    const result = await launch(["/usr/bin/touch", marker], { cwd: scratch.path, execSocket: stale });
    expect(result.status).toBe(126);
    expect(result.stderr).toContain(
      `cordon: execution denied: /usr/bin/touch ${marker}: the exec server could not be asked (cannot reach the exec server at `,
    );
    expect(result.stderr).toContain("Connection refused)\n");
    expect(existsSync(marker)).toBe(false);
  });

  test.each([
    ["not JSON", "nonsense\n", "it is not a JSON object"],
    ["another request's id", '{"type":"exec_response","request_id":"x","action":"run","reason":null}\n', "it answers a different request_id"],
    ["an unknown action", null, "its action is neither"],
    ["no reply at all", "", "closed the connection without answering"],
  ])("a reply that is %s denies the exec", async (_name, raw, problem) => {
    const marker = join(scratch.path, `ran-${Math.random()}`);
    const server = await startExecServer(scratch.path, (request) => ({
      raw: raw ?? `${JSON.stringify({ type: "exec_response", request_id: request.request_id, action: "maybe", reason: null })}\n`,
    }));
    try {
      const result = await launch(["/usr/bin/touch", marker], { cwd: scratch.path, execSocket: server.socketPath });
      expect(result.status).toBe(126);
      expect(result.stderr).toContain(problem);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await server.close();
    }
  });

  test("a server that reads the request to end of file before answering (Codex's) is answered", async () => {
    const server = await startExecServer(scratch.path, () => ({ action: "run" }), { readToEof: true });
    try {
      const result = await launch(["/bin/echo", "eof"], { cwd: scratch.path, execSocket: server.socketPath });
      expect(result.stdout).toBe("eof\n");
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  test("the command learns nothing of the exec socket: no variable, no preload", async () => {
    const server = await startExecServer(scratch.path, () => ({ action: "run" }));
    try {
      const result = await launch(["/usr/bin/env"], { cwd: scratch.path, execSocket: server.socketPath, env: { PATH: "/usr/bin:/bin" } });
      expect(result.stdout).toBe("PATH=/usr/bin:/bin\n");
      expect(result.stdout).not.toContain(server.socketPath);
    } finally {
      await server.close();
    }
  });
});

describeHere(`exec supervisor: known limit, the path is read again after approval${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  test("a sibling thread that rewrites the path after approval runs another program", async () => {
    const scratch = scratchDir();
    const dir = scratch.path;
    try {
      const probe = compileProbe(dir);
      const go = join(dir, "go");
      const done = join(dir, "swapped");
      const marker = join(dir, "marker");
      const server = await startExecServer(dir, async (request) => {
        if (request.executable !== "/usr/bin/true") return { action: "run" };
        // Approve /bin/true only once the probe's other thread has swapped the path.
        writeFileSync(go, "");
        for (let i = 0; i < 1000 && !existsSync(done); i++) await new Promise((resolve) => setTimeout(resolve, 10));
        return { action: "run" };
      });
      try {
        await launch([probe, "swap", go, done, "/bin/true", TOUCH, "true", marker], { cwd: dir, execSocket: server.socketPath });
        expect(server.requests.map((request) => request.executable)).toEqual([probe, "/usr/bin/true"]);
        // Asked about /bin/true; touch ran. The sandbox still confines it (it wrote inside the writable root).
        expect(existsSync(done)).toBe(true);
        expect(existsSync(marker)).toBe(true);
      } finally {
        await server.close();
      }
    } finally {
      scratch.remove();
    }
  });
});

describeHere(`exec supervisor: known limits, what is not an exec${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let dir: string;
  let server: ExecServer;
  let script: string;

  beforeAll(async () => {
    scratch = scratchDir();
    dir = scratch.path;
    script = join(dir, "forbidden-script");
    // The script writes its marker with a shell builtin: no exec of its own.
    writeFileSync(script, '#!/bin/sh\n: > "$1"\n', { mode: 0o755 });
    server = await startExecServer(dir, (request) =>
      request.executable === script || request.executable === TOUCH ? { action: "deny", reason: DENIAL } : { action: "run" },
    );
  });
  afterAll(async () => {
    await server.close();
    scratch.remove();
  });

  const run = (command: string) => launch(["bash", "-c", command], { cwd: dir, execSocket: server.socketPath });

  test("control: the script run as a program is denied", async () => {
    const marker = join(dir, "direct");
    expect((await run(`'${script}' '${marker}'; echo $?`)).stdout).toBe("126\n");
    expect(existsSync(marker)).toBe(false);
  });

  test("limit: an interpreter given the script as an argument is asked about the interpreter, the script only in argv", async () => {
    const marker = join(dir, "via-sh");
    await run(`sh '${script}' '${marker}'`);
    expect(existsSync(marker)).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({ executable: expect.stringMatching(/\/(dash|sh|bash)$/), argv: ["sh", script, marker] });
  });

  test("limit: `source` reads the script into the running shell, so nothing is asked", async () => {
    const marker = join(dir, "via-source");
    server.requests.length = 0;
    await run(`set -- '${marker}'; source '${script}'`);
    expect(existsSync(marker)).toBe(true);
    expect(server.requests.map((request) => request.argv[0])).toEqual(["bash"]);
  });

  test("limit: a renamed copy of a forbidden binary is judged by its new name", async () => {
    const marker = join(dir, "via-copy");
    await run(`cp ${TOUCH} ./renamed && ./renamed '${marker}'`);
    expect(existsSync(marker)).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({ file: "./renamed", executable: join(dir, "renamed") });
  });
});

const asNobody = !unavailable && process.getuid?.() === 0 && hasTool("setpriv");
const describeNobody = describeUnless(asNobody ? null : "it needs root and setpriv to run the launcher as nobody");

describeNobody("exec supervisor: launched by an unprivileged user (nobody, in a user namespace)", () => {
  test("the supervisor reads the child's execs and decides them as for root", async () => {
    const scratch = scratchDir();
    const server = await startExecServer(scratch.path, denyTouch);
    try {
      const result = await launch(["bash", "-c", `/bin/echo allowed; ${TOUCH} /nonexistent/x; echo "status $?"`], {
        cwd: scratch.path,
        execSocket: server.socketPath,
        asUser: 65534,
      });
      expect(result.stdout).toBe("allowed\nstatus 126\n");
      expect(result.stderr).toContain(`cordon: execution denied: ${TOUCH} /nonexistent/x: ${DENIAL}\n`);
      expect(server.requests.map((request) => request.executable)).toEqual(["/usr/bin/bash", "/usr/bin/echo", TOUCH]);
    } finally {
      await server.close();
      scratch.remove();
    }
  });
});

describeNobody("exec supervisor: a process it may not read", () => {
  test("an exec the supervisor cannot read is refused (nobody, no namespaces, a non-dumpable process)", async () => {
    const scratch = scratchDir();
    const out = join(scratch.path, "out");
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    const marker = join(out, "ran");
    const server = await startExecServer(scratch.path, () => ({ action: "run" }));
    try {
      // Without a user namespace of its own the launcher, as nobody, has no capability over the command, so a
      // command that makes itself non-dumpable cannot be read (process_vm_readv: EPERM).
      const script = `import ctypes, os\nctypes.CDLL(None).prctl(4, 0, 0, 0, 0)\nos.execv("${TOUCH}", ["${TOUCH}", "${marker}"])`;
      const result = await launch(["/usr/bin/python3", "-c", script], {
        cwd: scratch.path,
        execSocket: server.socketPath,
        writableRoots: [scratch.path],
        asUser: 65534,
        launcherFlags: ["--simulate-no-namespaces", ...["terminal", "network-namespace", "read-only-subpaths", "file-metadata"].flatMap((p) => ["--best-effort", p])],
      });
      // EACCES, as for any deny; the refusal line cannot reach a stderr the supervisor may not take either.
      expect(result.stderr).toContain("PermissionError: [Errno 13] Permission denied");
      expect(existsSync(marker)).toBe(false);
      // python3 itself was read and asked; touch never reached the host.
      expect(server.requests.map((request) => request.argv[0])).toEqual(["/usr/bin/python3"]);
    } finally {
      await server.close();
      scratch.remove();
    }
  });
});
