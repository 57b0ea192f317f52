/**
 * The host never trusts a file a sandbox could have written. A command can
 * plant things where a bridge keeps its state (a fake dead host's directory
 * with an owner that is a FIFO, a link to /dev/zero, a subdirectory swapped
 * for a symlink while the host cleans up) or reach for another bridge's
 * socket and wrapper. Judged from the host: the bridge starts, its memory
 * stays inside the cage, files outside every root survive, and the other
 * bridge's files are the ones it made.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ExecBridge } from "../../src/bridge/index.js";
import { RulesError } from "../../src/errors.js";
import { openAt, packageRoot, unlinkAt } from "../../src/native/index.js";
import { defaultStateParent } from "../../src/bridge/private-dir.js";
import { loadPolicy } from "../../src/rules/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { cageUnavailable, makeCage } from "./cage.js";
import { interceptedShellUnavailable, scratchDir } from "./support.js";

const startBridgeScript = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "start-bridge.mjs");
const policy = parseSandboxPolicy({ type: "workspace-write" });
/** A dead host's owner record: a pid that has exited (and a start time no process has). */
const deadOwner = () => `${spawnSync("true").pid} 0\n`;

/** The base directory where bridges started with `socketDir` keep their private directories, found by starting one. */
async function baseIn(socketDir: string): Promise<string> {
  const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir });
  await bridge.close();
  return dirname(dirname(bridge.socketPath));
}

/**
 * Runs the start-bridge fixture, in a cage (256 MiB, 64 pids) when it may
 * exhaust memory; what it printed, how it ended, or that it hung.
 */
function startHost(socketDir: string, timeoutMs: number, caged: boolean): Promise<{ stdout: string; code: number | null; signal: string | null; hung: boolean }> {
  const cage = caged ? makeCage({ memoryBytes: 256 * 1024 * 1024, pids: 64 }) : null;
  const [program, args] = cage?.wrap(process.execPath, [startBridgeScript, socketDir]) ?? [process.execPath, [startBridgeScript, socketDir]];
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    let hung = false;
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      cage?.remove();
      resolve({ stdout, code, signal, hung });
    });
  });
}

const noCage = cageUnavailable();

describe("a bridge starting where a sandbox planted a fake dead host's directory", () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    scratch = scratchDir();
  });
  afterEach(() => scratch.remove());

  test("an owner that is a FIFO does not hang the start", async () => {
    const planted = join(await baseIn(scratch.path), "cordon-exec-fifo");
    mkdirSync(planted);
    expect(spawnSync("mkfifo", [join(planted, "owner")]).status).toBe(0);
    const result = await startHost(scratch.path, 15_000, false);
    expect(result).toMatchObject({ stdout: "started\n", code: 0, hung: false });
    expect(lstatSync(join(planted, "owner")).isFIFO()).toBe(true);
  }, 30_000);

  (noCage ? test.skip : test)(`an owner linked to /dev/zero does not exhaust the host's memory${noCage ? ` (skipped: ${noCage})` : ""}`, async () => {
    const planted = join(await baseIn(scratch.path), "cordon-exec-zero");
    mkdirSync(planted);
    symlinkSync("/dev/zero", join(planted, "owner"));
    const result = await startHost(scratch.path, 15_000, true);
    expect(result).toMatchObject({ stdout: "started\n", code: 0, hung: false });
    expect(existsSync(planted)).toBe(true);
  }, 30_000);

  test("a planted directory that is a symlink is not followed: the directory it names keeps its files", async () => {
    const victim = join(scratch.path, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "owner"), deadOwner());
    writeFileSync(join(victim, "precious"), "keep me");
    const base = await baseIn(join(scratch.path));
    symlinkSync(victim, join(base, "cordon-exec-link"));
    const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir: scratch.path });
    await bridge.close();
    expect(readdirSync(victim).sort()).toEqual(["owner", "precious"]);
  });

  test("a subdirectory swapped for a symlink while the host cleans up: every file outside survives", async () => {
    const victim = join(scratch.path, "victim");
    mkdirSync(victim);
    const names = Array.from({ length: 1900 }, (_, i) => `file-${i}`);
    for (const name of names) writeFileSync(join(victim, name), "");
    const stale = join(await baseIn(scratch.path), "cordon-exec-stale");
    mkdirSync(join(stale, "sub"), { recursive: true });
    writeFileSync(join(stale, "owner"), deadOwner());
    for (const name of names) writeFileSync(join(stale, "sub", name), "");
    // The attacker waits until the host starts deleting inside sub, then puts a symlink to the victim in its place.
    const swapper = spawn(
      "python3",
      [
        "-c",
        `import os, sys
stale, victim, moved = sys.argv[1:]
print("watching", flush=True)
while os.path.exists(stale + "/sub/file-0") and os.path.exists(stale + "/sub/file-1"):
    pass
os.rename(stale + "/sub", moved)
os.symlink(victim, stale + "/sub")`,
        stale,
        victim,
        join(scratch.path, "moved"),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise((resolve) => swapper.stdout.once("data", resolve));
      const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir: scratch.path });
      await bridge.close();
    } finally {
      swapper.kill("SIGKILL");
    }
    expect(readdirSync(victim).sort()).toEqual([...names].sort());
  }, 30_000);

  test("a dead host's directory is removed; one whose owner record is far too long, or not a regular file, is not", async () => {
    const base = await baseIn(scratch.path);
    const dead = join(base, "cordon-exec-dead");
    mkdirSync(dead);
    writeFileSync(join(dead, "owner"), deadOwner());
    writeFileSync(join(dead, "exec.sock"), "");
    const long = join(base, "cordon-exec-long");
    mkdirSync(long);
    writeFileSync(join(long, "owner"), `${deadOwner().trim()}${" ".repeat(1 << 20)}\n`);
    const directory = join(base, "cordon-exec-directory");
    mkdirSync(join(directory, "owner"), { recursive: true });
    const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir: scratch.path });
    await bridge.close();
    expect([existsSync(dead), existsSync(long), existsSync(directory)]).toEqual([false, true, true]);
  });
});

describe("where the state lives", () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    scratch = scratchDir();
  });
  afterEach(() => scratch.remove());

  test("the user's runtime directory when it is private to this user; otherwise /run for root, the temporary directory for others", () => {
    const fallback = process.getuid!() === 0 ? "/run" : tmpdir();
    const runtime = join(scratch.path, "runtime");
    mkdirSync(runtime, { mode: 0o700 });
    expect(defaultStateParent({ XDG_RUNTIME_DIR: runtime })).toBe(runtime);
    chmodSync(runtime, 0o755);
    expect(defaultStateParent({ XDG_RUNTIME_DIR: runtime })).toBe(fallback);
    expect(defaultStateParent({ XDG_RUNTIME_DIR: "relative/dir" })).toBe(fallback);
    expect(defaultStateParent({ XDG_RUNTIME_DIR: join(scratch.path, "missing") })).toBe(fallback);
    expect(defaultStateParent({})).toBe(fallback);
  });

  test("descriptor-relative calls take one name, never a path that could leave the directory", () => {
    const fd = openSync(scratch.path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (const name of ["..", ".", "a/b", "", "../etc"]) {
        expect(() => openAt(fd, name, constants.O_RDONLY)).toThrow(/one path component/);
        expect(() => unlinkAt(fd, name, false)).toThrow(/one path component/);
      }
    } finally {
      closeSync(fd);
    }
  });
});

describe("the host's other reader of files a command can write: rules files in the workspace", () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    scratch = scratchDir();
  });
  afterEach(() => scratch.remove());

  test("a rules file replaced by a FIFO is refused at once, not waited on", async () => {
    const fifo = join(scratch.path, "project.rules");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        loadPolicy([fifo]).then(
          () => "loaded",
          (error: Error) => error,
        ),
        new Promise((resolve) => (timer = setTimeout(() => resolve("hung"), 5_000))),
      ]);
      expect(outcome).toBeInstanceOf(RulesError);
      expect((outcome as Error).message).toBe(`cannot read rules file ${fifo}: it is not a regular file`);
    } finally {
      clearTimeout(timer);
      // A reader that did block gets its end of file, so nothing stays stuck after the test.
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: no reader is waiting.
      }
    }
  });

  (noCage ? test.skip : test)(`a rules file linked to /dev/zero is refused without reading it${noCage ? ` (skipped: ${noCage})` : ""}`, async () => {
    const rules = join(scratch.path, "project.rules");
    symlinkSync("/dev/zero", rules);
    const cage = makeCage({ memoryBytes: 256 * 1024 * 1024, pids: 64 });
    try {
      const load = `import("${pathToFileURL(join(packageRoot, "dist", "index.js")).href}").then(({ loadPolicy }) => loadPolicy([process.argv[1]])).catch((error) => console.log(error.message))`;
      const [program, args] = cage.wrap(process.execPath, ["-e", load, rules]);
      const result = spawnSync(program, args, { encoding: "utf8", timeout: 20_000 });
      expect(result.stdout).toBe(`cannot read rules file ${rules}: it is not a regular file\n`);
      expect(result.status).toBe(0);
    } finally {
      cage.remove();
    }
  }, 30_000);
});

const unavailable = interceptedShellUnavailable();

(unavailable ? describe.skip : describe)(`one bridge's run and another bridge's state${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    scratch = scratchDir();
  });
  afterEach(() => scratch.remove());

  test("a command cannot replace another bridge's socket or Node wrapper, or plant anything by them, though they lie under its writable root", async () => {
    const other = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir: scratch.path, wrapper: "node" });
    const running = await ExecBridge.start({ decide: () => ({ action: "run" }), socketDir: scratch.path });
    try {
      const socket = other.socketPath;
      const wrapper = other.env().EXEC_WRAPPER!;
      const wrapperText = readFileSync(wrapper, "utf8");
      const socketInode = lstatSync(socket).ino;
      const script = [
        `mv '${socket}' '${socket}.moved'`,
        `echo 'exec "$@"' > '${wrapper}'`,
        `rm -f '${wrapper}'`,
        `: > '${dirname(socket)}/planted'`,
        `mkdir '${dirname(dirname(socket))}/cordon-exec-planted'`,
        "echo done",
      ].join("; ");
      const result = await running.run({ script, cwd: scratch.path, policy });
      expect(result.stdout).toBe("done\n");
      expect(result.stderr).toMatch(/Read-only file system/);
      expect(lstatSync(socket).ino).toBe(socketInode);
      expect(readFileSync(wrapper, "utf8")).toBe(wrapperText);
      expect(existsSync(`${socket}.moved`)).toBe(false);
      expect(existsSync(join(dirname(socket), "planted"))).toBe(false);
      expect(existsSync(join(dirname(dirname(socket)), "cordon-exec-planted"))).toBe(false);
    } finally {
      await running.close();
      await other.close();
    }
  });
});
