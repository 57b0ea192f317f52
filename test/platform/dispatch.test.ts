/**
 * Which backend runs a command, and the fail-closed rules (SPEC §4): every
 * refusal is checked by asking for a command that would leave a marker file
 * and seeing that none appeared.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NativeError, UnsupportedOperationError } from "../../src/errors.js";
import { landlockAbi } from "../../src/native/index.js";
import { prepareSandboxedCommand, spawnSandboxed } from "../../src/platform/index.js";
import { parseSandboxPolicy, type SandboxPolicy } from "../../src/policy/index.js";
import { outcomeOf } from "../linux/run-sandboxed.js";
import { testUnless } from "../support/skip.js";

const policies: Record<string, SandboxPolicy> = {
  "danger-full-access": parseSandboxPolicy({ type: "danger-full-access" }),
  "external-sandbox": parseSandboxPolicy({ type: "external-sandbox" }),
  "read-only": parseSandboxPolicy({ type: "read-only" }),
  "workspace-write": parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true }),
  "read-only, restricted reads": parseSandboxPolicy({ type: "read-only", access: { type: "restricted", readable_roots: ["/usr"] } }),
  "workspace-write, restricted reads": parseSandboxPolicy({ type: "workspace-write", read_only_access: { type: "restricted" } }),
};

type Expected = "direct" | "launcher" | "sandbox-exec" | RegExp;
const LINUX_RESTRICTED = /^Restricted read-only access is not yet supported by the Linux sandbox backend$/;
const WINDOWS_RESTRICTED = /^Restricted read-only access is not yet supported by the Windows sandbox backend$/;
const WINDOWS = /Windows sandbox backend cannot enforce a [a-z-]+ policy/;
const UNKNOWN = /no sandbox backend for the platform "(freebsd|aix)"/;

const matrix: Record<string, Record<string, Expected>> = {
  linux: {
    // Direct without an exec socket; with one, see "a policy that confines nothing" below.
    "danger-full-access": "direct",
    "external-sandbox": "direct",
    "read-only": "launcher",
    "workspace-write": "launcher",
    "read-only, restricted reads": LINUX_RESTRICTED,
    "workspace-write, restricted reads": LINUX_RESTRICTED,
  },
  darwin: {
    "danger-full-access": "direct",
    "external-sandbox": "direct",
    "read-only": "sandbox-exec",
    "workspace-write": "sandbox-exec",
    "read-only, restricted reads": "sandbox-exec",
    "workspace-write, restricted reads": "sandbox-exec",
  },
  win32: {
    "danger-full-access": "direct",
    "external-sandbox": WINDOWS,
    "read-only": WINDOWS,
    "workspace-write": WINDOWS,
    "read-only, restricted reads": WINDOWS_RESTRICTED,
    "workspace-write, restricted reads": WINDOWS_RESTRICTED,
  },
  freebsd: Object.fromEntries(Object.keys(policies).map((name) => [name, UNKNOWN])),
  aix: Object.fromEntries(Object.keys(policies).map((name) => [name, UNKNOWN])),
};

const cases = Object.entries(matrix).flatMap(([platform, row]) =>
  Object.entries(row).map(([policy, expected]) => [platform, policy, expected] as const),
);

function landlockMissing(): string | null {
  if (process.platform !== "linux") return "not a Linux host";
  const probe = landlockAbi();
  return probe.abi >= 3 ? null : `Landlock ABI ${probe.abi} cannot confine writes (${probe.reason ?? "too old"})`;
}

describe("prepareSandboxedCommand and spawnSandboxed: the platform × policy matrix", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-platform-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refusals = cases.filter(([, , expected]) => expected instanceof RegExp);
  test.each(refusals)("%s, %s: refused with UnsupportedOperationError and nothing runs", (platform, policy, expected) => {
    const marker = join(dir, "marker");
    let caught: unknown;
    try {
      spawnSandboxed(["sh", "-c", `touch "${marker}"`], policies[policy]!, { cwd: dir, platform: platform as NodeJS.Platform });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnsupportedOperationError);
    expect(caught).toMatchObject({ name: "UnsupportedOperation", code: "ERR_CORDON_UNSUPPORTED" });
    expect((caught as Error).message).toMatch(expected as RegExp);
    expect(existsSync(marker)).toBe(false);
  });

  const plans = cases.filter(([, , expected]) => !(expected instanceof RegExp));
  for (const [platform, policy, expected] of plans) testUnless(expected === "launcher" && platform === process.platform ? landlockMissing() : null)(`${platform}, ${policy}: planned as ${expected}`, () => {
    const plan = prepareSandboxedCommand(["sh", "-c", "exit 0"], policies[policy]!, { cwd: dir, platform: platform as NodeJS.Platform });
    if (expected === "direct") expect(plan).toMatchObject({ program: "sh", args: ["-c", "exit 0"] });
    if (expected === "sandbox-exec") expect(plan.program).toBe("/usr/bin/sandbox-exec");
    if (expected === "launcher") {
      expect(plan.program).toMatch(/\/cordon-linux-sandbox$/);
      expect(plan.args.slice(-4)).toEqual(["--", "sh", "-c", "exit 0"]);
    }
  });

  for (const name of ["danger-full-access", "external-sandbox", "workspace-write"]) {
    testUnless(name === "workspace-write" ? landlockMissing() : null)(`a command spawned on this host with ${name} does run`, async () => {
      const marker = join(dir, `marker-${name}`);
      const outcome = await outcomeOf(spawnSandboxed(["sh", "-c", `touch "${marker}"`], policies[name]!, { cwd: dir }));
      expect(outcome.code).toBe(0);
      expect(existsSync(marker)).toBe(true);
    });
  }
});

const onLinux = process.platform === "linux";
(onLinux ? describe : describe.skip)(
  `a policy that confines nothing, with an exec socket (approvals without a sandbox)${onLinux ? "" : " (skipped: the exec socket is checked on the Linux host that runs the plan)"}`,
  () => {
    let dir: string;
    let server: Server;
    let execSocket: string;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "cordon-unconfined-plan-"));
      execSocket = join(dir, "exec.sock");
      server = createServer();
      server.listen(execSocket);
      await once(server, "listening");
    });
    afterEach(async () => {
      server.close();
      await once(server, "close");
      rmSync(dir, { recursive: true, force: true });
    });

    test.each(["danger-full-access", "external-sandbox"])("%s: the launcher runs with the exec supervisor alone, and with nothing else", (name) => {
      const plan = prepareSandboxedCommand(["sh", "-c", "exit 0"], policies[name]!, { cwd: dir, execSocket });
      expect(plan.program).toMatch(/\/cordon-linux-sandbox$/);
      expect(plan.args.slice(0, 4)).toEqual(["--supervise-only", "--exec-socket", execSocket, "--exec-socket-id"]);
      expect(plan.args.slice(5)).toEqual(["--limit-if-possible", "pids=4096", "--", "sh", "-c", "exit 0"]);
      // Without an exec socket there is nothing to supervise: the command runs directly.
      expect(prepareSandboxedCommand(["sh", "-c", "exit 0"], policies[name]!, { cwd: dir })).toMatchObject({ program: "sh" });
    });

    test("the launcher refuses --supervise-only together with anything that would confine", () => {
      const launcher = prepareSandboxedCommand(["true"], policies["danger-full-access"]!, { cwd: dir, execSocket }).program;
      const marker = join(dir, "marker");
      for (const extra of [["--writable-root", dir], ["--best-effort", "landlock"], ["--allow-network"]]) {
        const result = spawnSync(launcher, ["--supervise-only", ...extra, "--exec-socket", execSocket, "--", "touch", marker], { encoding: "utf8" });
        expect({ extra, status: result.status }).toEqual({ extra, status: 125 });
        expect(result.stderr).toContain("--supervise-only takes no paths, protections or simulations");
      }
      const withoutSocket = spawnSync(launcher, ["--supervise-only", "--", "touch", marker], { encoding: "utf8" });
      expect(withoutSocket.status).toBe(125);
      expect(withoutSocket.stderr).toContain("--supervise-only needs --exec-socket");
      expect(existsSync(marker)).toBe(false);
    });
  },
);

describe("the environment a sandboxed command gets", () => {
  test("the caller's variables plus CORDON_SANDBOX and, without network, CORDON_SANDBOX_NETWORK_DISABLED", () => {
    const env = { PATH: "/usr/bin:/bin", KEEP: "me" };
    const linux = prepareSandboxedCommand(["true"], policies["read-only"]!, { cwd: "/", env, platform: "linux", linux: { landlock: "best-effort" } });
    expect(linux.env).toEqual({ ...env, CORDON_SANDBOX: "linux", CORDON_SANDBOX_NETWORK_DISABLED: "1" });
    const darwin = prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "read-only", network_access: true }), {
      cwd: "/",
      env,
      platform: "darwin",
    });
    expect(darwin.env).toEqual({ ...env, CORDON_SANDBOX: "seatbelt" });
    const direct = prepareSandboxedCommand(["true"], policies["danger-full-access"]!, { cwd: "/", env, platform: "win32" });
    expect(direct.env).toEqual(env);
    const external = prepareSandboxedCommand(["true"], policies["external-sandbox"]!, { cwd: "/", env, platform: "linux" });
    expect(external.env).toEqual({ ...env, CORDON_SANDBOX_NETWORK_DISABLED: "1" });
    expect(env).toEqual({ PATH: "/usr/bin:/bin", KEEP: "me" });
  });
});

describe("bad input", () => {
  test("an empty command or one with a NUL byte is rejected before anything runs", () => {
    const policy = policies["danger-full-access"]!;
    expect(() => prepareSandboxedCommand([], policy, { cwd: "/" })).toThrow(/non-empty array/);
    expect(() => prepareSandboxedCommand(["echo", "a\0b"], policy, { cwd: "/" })).toThrow(/NUL/);
  });

  testUnless(process.platform === "linux" ? null : "the launcher is looked up only when planning for this host, which is not Linux")("a missing launcher is a NativeError naming it, and nothing runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "cordon-platform-"));
    try {
      const marker = join(dir, "marker");
      const launcherPath = join(dir, "no-launcher-here");
      const spawn = () => spawnSandboxed(["touch", marker], policies["workspace-write"]!, { cwd: dir, linux: { launcherPath } });
      expect(spawn).toThrow(NativeError);
      expect(spawn).toThrow(launcherPath);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
