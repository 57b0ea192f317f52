/**
 * Faults, made to happen for real: the host closing the bridge while a
 * sandboxed command waits for a decision, a wrapper killed mid-request, the
 * launcher missing or not executable, and Landlock unavailable. Each case
 * checks that the error is clear and that nothing ran that should not have.
 */
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { once } from "node:events";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecBridge } from "../../src/bridge/index.js";
import { NativeError, UnsupportedOperationError } from "../../src/errors.js";
import { LINUX_LAUNCHER_NAME } from "../../src/linux/index.js";
import { landlockAbi, nativeArtifactPath, packageRoot } from "../../src/native/index.js";
import { prepareSandboxedCommand, spawnSandboxed } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { openFdCount, runWrapper, startBridge, wrapperPath } from "../bridge/support.js";
import { testUnless } from "../support/skip.js";
import { testEnv } from "../support/env.js";

const WORKSPACE_ONLY = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });

function linuxSandboxMissing(): string | null {
  if (process.platform !== "linux") return "the Linux sandbox runs only on Linux";
  const probe = landlockAbi();
  if (probe.abi < 3) return `this host's Landlock cannot confine writes (ABI ${probe.abi})`;
  return null;
}

/** Resolves once `check` holds, polling; rejects with `what` after a generous bound. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

let dir: string;
let marker: string;
const env = testEnv({ TMPDIR: undefined });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cordon-faults-"));
  marker = join(dir, "marker");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the host closes the bridge mid-request", () => {
  const missing = linuxSandboxMissing();

  testUnless(missing)("the run waiting on that request is aborted, and the program does not run", async () => {
    let asked!: () => void;
    const askedPromise = new Promise<void>((resolve) => (asked = resolve));
    const bridge = await ExecBridge.start({ decide: () => (asked(), new Promise(() => {})) });
    try {
      const running = bridge.run({
        script: `/usr/bin/touch '${marker}'; echo "touch: $?"`,
        shell: "bash",
        cwd: dir,
        policy: WORKSPACE_ONLY,
        env,
        timeoutMs: 20_000,
      });
      await askedPromise;
      let settled = false;
      void running.then(() => (settled = true));
      await bridge.close();
      // close() ends the run it owns as an abort, and resolves once the run has settled: nothing after the pending exec runs.
      expect(settled).toBe(true);
      const result = await running;
      expect(result).toMatchObject({ exitCode: null, aborted: true, timedOut: false, stdout: "", decisions: [] });
      expect(existsSync(marker)).toBe(false);
    } finally {
      await bridge.close();
    }
  });

  test("after close, a new run is refused before anything starts", async () => {
    const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }) });
    await bridge.close();
    await expect(bridge.run({ script: `touch '${marker}'`, cwd: dir, policy: WORKSPACE_ONLY, env })).rejects.toThrow(/exec bridge is closed/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("a wrapper killed mid-request", () => {
  test("the server stays healthy: the event is reported, the next request is answered, no fd is left open", async () => {
    let release!: () => void;
    let asked!: () => void;
    const askedPromise = new Promise<void>((resolve) => (asked = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const { bridge, events } = await startBridge({
      decide: async () => {
        if (++calls === 1) {
          asked();
          await held;
        }
        return { action: "run" };
      },
    });
    try {
      const baseline = openFdCount();
      const victim = spawn(wrapperPath, ["/usr/bin/touch", "touch", marker], {
        env: { PATH: process.env.PATH, ...bridge.env() },
        stdio: "ignore",
      });
      await askedPromise;
      victim.kill("SIGKILL");
      const [code, signal] = await once(victim, "close");
      expect({ code, signal }).toEqual({ code: null, signal: "SIGKILL" });
      // The host answers after the wrapper is gone: the reply has no reader, and nothing breaks.
      release();
      await eventually(() => events.length === 1, "the killed wrapper's request reported");
      expect(events[0]).toMatchObject({ type: "decision", decision: { action: "run", argv: ["touch", marker] } });
      expect(existsSync(marker)).toBe(false);

      const next = await runWrapper(bridge.env(), "/usr/bin/touch", ["touch", marker]);
      expect(next).toMatchObject({ exitCode: 0, stderr: "" });
      expect(existsSync(marker)).toBe(true);
      expect(events.map((event) => event.type)).toEqual(["decision", "decision"]);
      await eventually(() => openFdCount() === baseline, `open fds back to ${baseline}`);
    } finally {
      release();
      await bridge.close();
    }
  });

  test("a peer gone halfway through its request line leaves an eof error event, and the server goes on", async () => {
    const { bridge, events, errors } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const baseline = openFdCount();
      const peer = connect(bridge.socketPath);
      await once(peer, "connect");
      peer.write('{"type":"exec_request","request_id":"cut","file":"/usr/bin/tou');
      peer.destroy();
      await eventually(() => errors().length === 1, "the cut request reported");
      expect(errors()[0]).toMatchObject({ kind: "eof" });
      const next = await runWrapper(bridge.env(), "/bin/true", ["true"]);
      expect(next.exitCode).toBe(0);
      expect(events.filter((event) => event.type === "decision")).toHaveLength(1);
      await eventually(() => openFdCount() === baseline, `open fds back to ${baseline}`);
    } finally {
      await bridge.close();
    }
  });
});

describe("the launcher is missing or not executable", () => {
  /**
   * A copy of the package as installed (dist, policies, package.json, the addon) with
   * only the native executables named, each executable or not; dependencies
   * come from this checkout.
   */
  function packageCopy(artifacts: Record<string, "executable" | "not executable">): string {
    const root = join(dir, "package");
    rmSync(root, { recursive: true, force: true });
    const release = join(root, "build", "Release");
    mkdirSync(release, { recursive: true });
    cpSync(join(packageRoot, "dist"), join(root, "dist"), { recursive: true });
    cpSync(join(packageRoot, "policies"), join(root, "policies"), { recursive: true });
    copyFileSync(join(packageRoot, "package.json"), join(root, "package.json"));
    symlinkSync(join(packageRoot, "node_modules"), join(root, "node_modules"));
    copyFileSync(nativeArtifactPath("cordon.node"), join(release, "cordon.node"));
    for (const [name, mode] of Object.entries(artifacts)) {
      copyFileSync(nativeArtifactPath(name), join(release, name));
      chmodSync(join(release, name), mode === "executable" ? 0o755 : 0o644);
    }
    return root;
  }

  const linuxOnly = testUnless(process.platform === "linux" ? null : "the Linux launcher runs only on Linux");

  linuxOnly.each(["missing", "not executable"] as const)("launcher %s: `cordon run` exits 125 naming it, and nothing runs", (launcher) => {
    if (!existsSync(join(packageRoot, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run compile` first");
    const root = packageCopy(launcher === "missing" ? {} : { [LINUX_LAUNCHER_NAME]: "not executable" });
    const policy = join(dir, "policy.json");
    writeFileSync(policy, JSON.stringify({ type: "workspace-write" }));
    const result = spawnSync(process.execPath, [join(root, "dist", "cli", "main.js"), "run", "--policy", policy, "--", "touch", marker], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/^cordon: NativeError: /);
    expect(result.stderr).toContain(join(root, "build", "Release", LINUX_LAUNCHER_NAME));
    expect(result.stderr).toContain(launcher);
    expect(result.status).toBe(125);
    expect(existsSync(marker)).toBe(false);
  });

  linuxOnly("launcher missing: `cordon shell --sandbox danger-full-access` (the exec supervisor alone) exits 125 naming it, and nothing runs", () => {
    if (!existsSync(join(packageRoot, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run compile` first");
    // The exec bridge's own wrapper is there; only the launcher is missing.
    const root = packageCopy({ "cordon-exec-wrapper": "executable" });
    const result = spawnSync(process.execPath, [join(root, "dist", "cli", "main.js"), "shell", "--sandbox", "danger-full-access", "-c", `touch '${marker}'`], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/^cordon: NativeError: /);
    expect(result.stderr).toContain(join(root, "build", "Release", LINUX_LAUNCHER_NAME));
    expect(result.status).toBe(125);
    expect(existsSync(marker)).toBe(false);
  });

  linuxOnly("a launcher path that is not executable is refused by the library before anything is spawned", () => {
    const launcherPath = join(dir, "launcher");
    copyFileSync(nativeArtifactPath(LINUX_LAUNCHER_NAME), launcherPath);
    chmodSync(launcherPath, 0o644);
    const plan = () => prepareSandboxedCommand(["touch", marker], WORKSPACE_ONLY, { cwd: dir, env, linux: { launcherPath } });
    expect(plan).toThrow(NativeError);
    expect(plan).toThrow(/not executable/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("Landlock unavailable (simulated through the launcher's pretend-ABI option)", () => {
  const missing = linuxSandboxMissing();

  testUnless(missing).each([0, 2])("ABI %i: a shell run is refused naming Landlock, nothing runs, no exec is asked", async (abi) => {
    const { bridge, events } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const run = bridge.run({
        script: `touch '${marker}'`,
        cwd: dir,
        policy: WORKSPACE_ONLY,
        env,
        sandbox: { linux: { simulateLandlockAbi: abi } },
      });
      await expect(run).rejects.toThrow(UnsupportedOperationError);
      await expect(run).rejects.toThrow(/Landlock/);
      expect(existsSync(marker)).toBe(false);
      expect(events).toEqual([]);
    } finally {
      await bridge.close();
    }
  });

  testUnless(missing).each([0, 2])("ABI %i with the explicit best-effort opt-out: the command runs, with a warning naming landlock", async (abi) => {
    const { bridge, events } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const result = await bridge.run({
        script: `/usr/bin/touch '${marker}'`,
        cwd: dir,
        policy: WORKSPACE_ONLY,
        env,
        sandbox: { linux: { simulateLandlockAbi: abi, landlock: "best-effort" } },
      });
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toMatch(/^cordon-linux-sandbox: warning: landlock: .*Landlock.*\ncordon-linux-sandbox: warning: continuing without full landlock protection \(best-effort\)\n$/);
      expect(existsSync(marker)).toBe(true);
      expect(events.map((event) => event.type === "decision" && event.decision.argv)).toEqual([["/usr/bin/touch", marker]]);
    } finally {
      await bridge.close();
    }
  });

  testUnless(missing)("spawnSandboxed refuses as well, and the opt-out of another protection does not stand in for it", () => {
    const spawnWith = (linux: object) =>
      spawnSandboxed(["touch", marker], WORKSPACE_ONLY, { cwd: dir, env, linux: { simulateLandlockAbi: 0, ...linux } });
    expect(() => spawnWith({})).toThrow(/needs Landlock/);
    expect(() => spawnWith({ seccomp: "best-effort", readOnlySubpaths: "best-effort" })).toThrow(/needs Landlock/);
    expect(existsSync(marker)).toBe(false);
  });
});
