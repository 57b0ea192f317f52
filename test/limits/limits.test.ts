/**
 * Resource limits, enforced by the real kernel on real processes (SPEC §12).
 * Every attack runs through `cordon run` inside an outer cage this suite makes
 * first, as root and as an unprivileged user; the host side then looks at
 * what was left (files, cgroups, processes).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cordonBin } from "../support/cli.js";
import { makeCage } from "./cage.js";

const work = realpathSync(mkdtempSync(join(tmpdir(), "cordon-limits-")));
// The unprivileged runs work (and write) there too.
chmodSync(work, 0o777);
const cageOrReason = process.platform === "linux" ? makeCage(`cordon-test-cage-${process.pid}`, 6000, 8 * 1024 ** 3) : "resource limits are enforced on Linux";
const cage = typeof cageOrReason === "string" ? null : cageOrReason;
const skip = typeof cageOrReason === "string" ? cageOrReason : null;
afterAll(() => {
  cage?.remove();
  rmSync(work, { recursive: true, force: true });
});

/** Forks up to N children that sleep, counting the forks that succeed; prints "<made> <errno name>" and exits at once. */
const FORKER = [
  "import os, sys, time, errno",
  "made, failure = 0, None",
  "for _ in range(int(sys.argv[1])):",
  "    try: pid = os.fork()",
  "    except OSError as e: failure = errno.errorcode[e.errno]; break",
  "    if pid == 0: time.sleep(5); os._exit(0)",
  "    made += 1",
  "print(made, failure, flush=True)",
  "os._exit(0)",
].join("\n");

function cordonRun(args: string[], command: string[], user?: "nobody") {
  const argv = cage!.command([process.execPath, cordonBin, "run", "--sandbox", "workspace-write", "--cwd", work, ...args, "--", ...command], user);
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: work, encoding: "utf8", timeout: 120_000 });
  if (result.error) throw result.error;
  return result;
}

const describeCaged = skip ? describe.skip : describe;

for (const user of [undefined, "nobody"] as const) {
  const as = user ?? "root";
  describeCaged(`limits of a run, as ${as}${skip ? ` (skipped: ${skip})` : ""}`, () => {
    afterEach(() => expect(cage!.leftovers()).toEqual([]));

    test("a fork bomb under pids=64: forks fail with EAGAIN before 64, and the run ends when the command does", () => {
      const result = cordonRun(["--limit", "pids=64"], ["python3", "-c", FORKER, "500"], user);
      const [made, failure] = result.stdout.trim().split(" ");
      expect(failure).toBe("EAGAIN");
      expect(Number(made)).toBeLessThan(64);
      expect(Number(made)).toBeGreaterThan(10);
      expect(result.status).toBe(0);
      // No sleeper outlived the run.
      expect(spawnSync("pgrep", ["-f", "time.sleep\\(5\\)"]).status).toBe(1);
    });

    test("the default pids limit (4,096) holds against 5,000 forks", () => {
      const result = cordonRun([], ["python3", "-c", FORKER, "5000"], user);
      const [made, failure] = result.stdout.trim().split(" ");
      expect({ failure, stderr: failure === "EAGAIN" ? "" : result.stderr }).toEqual({ failure: "EAGAIN", stderr: "" });
      expect(Number(made)).toBeLessThan(4096);
      expect(Number(made)).toBeGreaterThan(1000);
    }, 120_000);

    test("open-files=64: the 62nd open fails with EMFILE", () => {
      const script = "import os\nfds = []\ntry:\n    while True: fds.append(os.open('/dev/null', os.O_RDONLY))\nexcept OSError as e: print(len(fds) + 3, e.errno)";
      const result = cordonRun(["--limit", "open-files=64"], ["python3", "-c", script], user);
      expect(result.stdout).toBe("64 24\n");
    });

    test("file-size=1M: writing 3 MB leaves at most 1 MiB on disk, and the run says why it ended", () => {
      const file = join(work, `big-${as}`);
      const result = cordonRun(["--limit", "file-size=1M"], ["sh", "-c", `head -c 3000000 /dev/zero > '${file}'`], user);
      expect(statSync(file).size).toBeLessThanOrEqual(1024 * 1024);
      expect(result.stderr).toContain("cordon: the run exceeded its file-size limit (1 MiB)");
      expect(result.status).toBe(128 + 25);
      rmSync(file);
    });

    test("cpu=1s: a spinner ends with SIGXCPU, and the run says why", () => {
      const result = cordonRun(["--limit", "cpu=1s"], ["sh", "-c", "while :; do :; done"], user);
      expect(result.stderr).toContain("cordon: the run exceeded its cpu limit (1 s)");
      expect(result.signal).toBe("SIGXCPU");
    });
  });
}

describeCaged(`limits only a cgroup can enforce${skip ? ` (skipped: ${skip})` : ""}`, () => {
  afterEach(() => expect(cage!.leftovers()).toEqual([]));

  test("memory=256M: a 1 GiB allocation is killed, and the run says the memory limit ended it", () => {
    const result = cordonRun(["--limit", "memory=256M"], ["python3", "-c", "b = bytearray(1 << 30); print('allocated')"]);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("cordon: the run exceeded its memory limit (256 MiB)");
    expect(result.signal).toBe("SIGKILL");
  });

  test("as an unprivileged user, a memory limit no cgroup can enforce is refused (125), and nothing runs", () => {
    const marker = join(work, "memory-refused");
    const result = cordonRun(["--limit", "memory=256M"], ["touch", marker], "nobody");
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/the memory limit cannot be enforced on this host/);
    expect(existsSync(marker)).toBe(false);
  });

  test("the command cannot leave the run's cgroup, raise a limit or change one", () => {
    const script = [
      "import os, resource, errno, ctypes",
      "def attempt(name, call):",
      "    try: call(); print(name, 'done')",
      "    except OSError as e: print(name, errno.errorcode[e.errno])",
      "    except ValueError as e: print(name, 'refused')",
      "def write(path, text):",
      "    with open(path, 'w') as f: f.write(text)",
      "attempt('leave', lambda: write('/sys/fs/cgroup/pids/cgroup.procs', str(os.getpid())))",
      "attempt('raise-nofile', lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (10**6, 10**6)))",
      "attempt('pids.max', lambda: [write(os.path.join(r, d, 'pids.max'), 'max') for r, ds, _ in os.walk('/sys/fs/cgroup/pids') for d in ds if d.startswith('cordon-run-')] or (_ for _ in ()).throw(OSError(errno.ENOENT, 'none')))",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "args = (ctypes.c_uint64 * 11)(0x200000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
      "r = libc.syscall(435, args, 88)",
      "print('clone3', errno.errorcode.get(ctypes.get_errno()) if r < 0 else 'done')",
    ].join("\n");
    const result = cordonRun(["--limit", "pids=64", "--limit", "open-files=64"], ["python3", "-c", script]);
    expect(result.stdout).toMatch(/^leave E(ROFS|ACCES|PERM)$/m);
    expect(result.stdout).toMatch(/^raise-nofile (refused|EPERM)$/m);
    expect(result.stdout).toMatch(/^pids\.max E(ROFS|ACCES|PERM|NOENT)$/m);
    expect(result.stdout).toMatch(/^clone3 ENOSYS$/m);
  });

  test("spawnSandboxed and bridge.run carry limitExceeded; the command's own exit status is unchanged", () => {
    const host = join(work, "host.mjs");
    const dist = join(cordonBin, "..", "..", "index.js");
    writeFileSync(
      host,
      [
        `import { ExecBridge, spawnSandboxed } from ${JSON.stringify(dist)};`,
        `const cwd = ${JSON.stringify(work)};`,
        'const child = spawnSandboxed(["python3", "-c", "b = bytearray(1 << 30)"], { type: "workspace-write" }, { cwd, stdio: "ignore", limits: { memoryBytes: 256 << 20 } });',
        'const [code, signal] = await new Promise((done) => child.on("close", (...ended) => done(ended)));',
        'const bridge = await ExecBridge.start({ decide: async () => ({ action: "run" }) });',
        'const result = await bridge.run({ script: "head -c 3000000 /dev/zero > api-big", cwd, policy: { type: "workspace-write" }, limits: { fileSizeBytes: 1 << 20 } });',
        "await bridge.close();",
        "console.log(JSON.stringify({ spawn: [child.limitExceeded, code, signal], run: [result.limitExceeded, result.exitCode, result.stdout] }));",
      ].join("\n"),
    );
    const argv = cage!.command([process.execPath, host]);
    const result = spawnSync(argv[0]!, argv.slice(1), { cwd: work, encoding: "utf8", timeout: 120_000 });
    expect(JSON.parse(result.stdout)).toEqual({ spawn: ["memory", null, "SIGKILL"], run: ["file-size", 153, ""] });
  });

  test("after a SIGKILL of the host, no cgroup and no process of the run is left", async () => {
    const argv = cage!.command([process.execPath, cordonBin, "run", "--sandbox", "workspace-write", "--cwd", work, "--limit", "pids=64", "--", "sleep", "271.5"]);
    const host = spawn(argv[0]!, argv.slice(1), { cwd: work, stdio: "ignore" });
    const running = () => spawnSync("pgrep", ["-f", "sleep 271.5"]).status === 0;
    for (let i = 0; i < 100 && !running(); i++) await new Promise((done) => setTimeout(done, 50));
    expect(running()).toBe(true);
    host.kill("SIGKILL");
    for (let i = 0; i < 100 && (running() || cage!.leftovers().length > 0); i++) await new Promise((done) => setTimeout(done, 50));
    expect(running()).toBe(false);
  });
});
