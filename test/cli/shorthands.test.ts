/**
 * The policy shorthands of `cordon run` and `cordon shell` (SPEC §8):
 * `--sandbox`, `--writable-root` and `--network` stand for a policy file in
 * simple cases. Judged from the host: which files exist afterwards, which
 * connections arrived.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { landlockAbi } from "../../src/native/index.js";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordon } from "../support/cli.js";
import { startCountingServer, type CountingServer } from "../support/counting-server.js";
import { testEnv } from "../support/env.js";

function sandboxMissing(): string | null {
  if (process.platform !== "linux") return "the Linux sandbox runs only on Linux";
  const probe = landlockAbi();
  return probe.abi >= 3 ? null : `Landlock ABI ${probe.abi} cannot confine writes`;
}

const missing = sandboxMissing();
const describeConfined = missing ? describe.skip : describe;

describeConfined(`policy shorthands, enforced${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let dir: string;
  let work: string;
  let extra: string;
  let outside: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-shorthand-")));
    work = join(dir, "work");
    extra = join(dir, "extra dir; (x)");
    for (const d of [work, extra]) mkdirSync(d);
    // Not under /tmp, which workspace-write keeps writable.
    outside = realpathSync(mkdtempSync("/var/tmp/cordon-shorthand-outside-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const writeEverywhere = (workDir: string) =>
    `echo w > "${workDir}/w"; echo e > "${extra}/e"; echo o > "${outside}/o"; true`;

  test("run --sandbox workspace-write --writable-root: writes the cwd and the extra root (given relatively), nothing else", () => {
    const result = runCordon(["run", "--sandbox", "workspace-write", "--writable-root", "../extra dir; (x)", "--", "sh", "-c", writeEverywhere(work)], {
      cwd: work,
      env: testEnv({ TMPDIR: work }),
    });
    expect(result.status).toBe(0);
    expect(readFileSync(join(work, "w"), "utf8")).toBe("w\n");
    expect(readFileSync(join(extra, "e"), "utf8")).toBe("e\n");
    expect(existsSync(join(outside, "o"))).toBe(false);
    expect(result.stderr).toMatch(/Read-only file system|Permission denied/);
  });

  test("run --sandbox read-only writes nothing, not even the cwd", () => {
    const result = runCordon(["run", "--sandbox", "read-only", "--", "sh", "-c", writeEverywhere(work)], { cwd: work });
    expect(result.status).toBe(0);
    for (const file of [join(work, "w"), join(extra, "e"), join(outside, "o")]) expect(existsSync(file)).toBe(false);
  });

  test("run --sandbox danger-full-access writes anywhere", () => {
    const result = runCordon(["run", "--sandbox", "danger-full-access", "--", "sh", "-c", writeEverywhere(work)], { cwd: work });
    expect(result.status).toBe(0);
    expect(existsSync(join(outside, "o"))).toBe(true);
  });

  describe("--network", () => {
    let server: CountingServer;
    let port: number;
    beforeEach(async () => {
      server = await startCountingServer();
      port = server.port;
    });
    afterEach(() => server.close());

    const connect = () => `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`;
    // The CLI runs synchronously, so the server accepts what arrived only afterwards.
    const arrived = async (count: number) => {
      while (server.connections() < count) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    /** How many connections the sandboxed command made: a connection from here, accepted in order after them, marks the end. */
    const connectionsFromSandbox = async () => {
      const before = server.connections();
      connectTcp(port, "127.0.0.1").on("error", () => {});
      await arrived(before + 1);
      return server.connections() - 1;
    };

    test("without it, a TCP connect fails and nothing arrives", async () => {
      const result = runCordon(["run", "--sandbox", "workspace-write", "--", "bash", "-c", connect()], { cwd: work });
      expect(result.status).not.toBe(0);
      expect(result.stdout).toBe("");
      expect(await connectionsFromSandbox()).toBe(0);
    });

    test("with it, the connection arrives (read-only and workspace-write)", async () => {
      for (const mode of ["read-only", "workspace-write"]) {
        const result = runCordon(["run", "--sandbox", mode, "--network", "--", "bash", "-c", connect()], { cwd: work });
        expect({ mode, status: result.status, stdout: result.stdout }).toEqual({ mode, status: 0, stdout: "connected\n" });
      }
      expect(await connectionsFromSandbox()).toBe(2);
    });

    test("alone, it means read-only with the network: the connection arrives, the cwd stays unwritten", async () => {
      const result = runCordon(["run", "--network", "--", "bash", "-c", `${connect()}; echo w > w`], { cwd: work });
      expect(result.stdout).toBe("connected\n");
      expect(await connectionsFromSandbox()).toBe(1);
      expect(existsSync(join(work, "w"))).toBe(false);
    });
  });
});

const shellMissing = missing ?? interceptedShellUnavailable();
const describeShell = shellMissing ? describe.skip : describe;

describeShell(`cordon shell with the shorthands${shellMissing ? ` (skipped: ${shellMissing})` : ""}`, () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-shorthand-shell-")));
    mkdirSync(join(dir, "work"));
    mkdirSync(join(dir, "extra"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("--sandbox workspace-write --writable-root writes both roots; --sandbox read-only writes neither", () => {
    const script = `echo w > "${dir}/work/w" && echo e > "${dir}/extra/e"`;
    const confined = runCordon(["shell", "--sandbox", "read-only", "-c", script], { cwd: join(dir, "work") });
    expect(confined.status).not.toBe(0);
    expect(existsSync(join(dir, "work", "w"))).toBe(false);

    const result = runCordon(["shell", "--sandbox", "workspace-write", "--writable-root", join(dir, "extra"), "-c", script], { cwd: join(dir, "work") });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(readFileSync(join(dir, "work", "w"), "utf8")).toBe("w\n");
    expect(readFileSync(join(dir, "extra", "e"), "utf8")).toBe("e\n");
  });
});

describe("policy shorthands that do not fit together", () => {
  let dir: string;
  let marker: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-shorthand-bad-"));
    marker = join(dir, "marker");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    [["--policy", "/dev/null", "--sandbox", "workspace-write"], "--policy and --sandbox exclude each other: give the whole policy in the file"],
    [["--policy", "-", "--network"], "--policy and --network exclude each other: give the whole policy in the file"],
    [["--sandbox", "workspace"], '--sandbox: expected one of read-only, workspace-write, danger-full-access, got "workspace"'],
    [["--writable-root", "/tmp"], "--writable-root needs --sandbox workspace-write (the sandbox is read-only)"],
    [["--sandbox", "danger-full-access", "--writable-root", "/tmp"], "--writable-root needs --sandbox workspace-write (the sandbox is danger-full-access)"],
    [["--sandbox", "workspace-write", "--writable-root="], "--writable-root: the directory name is empty"],
  ])("%j exits 125 (run and shell) and runs nothing", (flags, message) => {
    for (const command of [["run", ...flags, "--", "touch", marker], ["shell", ...flags, "-c", `touch '${marker}'`]]) {
      const result = runCordon(command, { cwd: dir, input: '{"type":"danger-full-access"}' });
      expect({ command, status: result.status, stderr: result.stderr }).toEqual({ command, status: 125, stderr: `cordon: UsageError: ${message}\n` });
      expect(existsSync(marker)).toBe(false);
    }
  });
});
