/**
 * `cordon run` (SPEC §8), run as the real `cordon` executable from dist/:
 * the command's own exit status and signal, 125 for cordon's own failures,
 * and the dry-run plan.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { landlockAbi } from "../../src/native/index.js";
import { testUnless } from "../support/skip.js";
import { testEnv } from "../support/env.js";

const cordon = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "cli", "main.js");
const otherPlatform = process.platform === "darwin" ? "linux" : "darwin";

function landlockMissing(): string | null {
  if (process.platform !== "linux") return "not a Linux host";
  const probe = landlockAbi();
  return probe.abi >= 3 ? null : `Landlock ABI ${probe.abi} cannot confine writes`;
}

describe("cordon run", () => {
  let dir: string;
  let marker: string;
  const run = (args: string[], env: NodeJS.ProcessEnv = testEnv()) =>
    spawnSync(process.execPath, [cordon, "run", ...args], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
  const policyFile = (policy: unknown) => {
    const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, typeof policy === "string" ? policy : JSON.stringify(policy));
    return path;
  };

  beforeAll(() => {
    if (!existsSync(cordon)) throw new Error(`${cordon} is missing: run \`npm run compile\` first`);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-run-"));
    marker = join(dir, "marker");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("exits with the command's own status, and its output passes through", () => {
    const result = run(["--policy", policyFile({ type: "danger-full-access" }), "--", "sh", "-c", "echo out; echo err >&2; exit 7"]);
    expect(result).toMatchObject({ status: 7, stdout: "out\n", stderr: "err\n" });
  });

  // SIGPIPE too, although Node itself ignores it.
  test.each(["SIGTERM", "SIGPIPE"])("a command killed by %s makes cordon die of the same signal", (signal) => {
    const result = run(["--policy", policyFile({ type: "danger-full-access" }), "--", "sh", "-c", `kill -${signal.slice(3)} $$`]);
    expect(result).toMatchObject({ status: null, signal });
  });

  testUnless(landlockMissing())("under workspace-write the command writes its workspace, not outside it", () => {
    const outside = mkdtempSync(join(tmpdir(), "cordon-outside-"));
    try {
      const policy = policyFile({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
      const result = run(["--policy", policy, "--cwd", dir, "--", "sh", "-c", `echo in > inside; echo out > "${outside}/x"; exit 3`]);
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(/Read-only file system/);
      expect(readFileSync(join(dir, "inside"), "utf8")).toBe("in\n");
      expect(existsSync(join(outside, "x"))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  testUnless(landlockMissing())("SIGTERM sent to cordon reaches the command, and cordon dies of it", async () => {
    const policy = policyFile({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
    const child = spawn(process.execPath, [cordon, "run", "--policy", policy, "--", "sh", "-c", "echo started; exec sleep 30"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "inherit"],
    });
    await once(child.stdout!, "data");
    child.kill("SIGTERM");
    const [code, signal] = await once(child, "close");
    expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
  });

  test("a command that does not exist exits 127", () => {
    const result = run(["--policy", policyFile({ type: "danger-full-access" }), "--", "no-such-command-here"]);
    expect(result.status).toBe(127);
    expect(result.stderr).toMatch(/no-such-command-here/);
  });

  test.each([
    ["a broken policy", () => ["--policy", "BROKEN"], /^cordon: PolicyError: invalid sandbox policy/],
    ["an unknown option", () => ["--frobnicate"], /^cordon: UsageError: /],
    ["a missing --cwd", () => ["--cwd", "/nonexistent/dir"], /^cordon: UsageError: --cwd/],
    ["restricted reads on Linux", () => ["--platform", "linux", "--policy", "RESTRICTED"], /^cordon: UnsupportedOperation: Restricted read-only access/],
    ["Windows with a sandboxing policy", () => ["--platform", "win32", "--policy", "WORKSPACE"], /^cordon: UnsupportedOperation: .*Windows/],
    ["an unknown platform", () => ["--platform", "freebsd"], /^cordon: UnsupportedOperation: .*freebsd/],
  ])("%s exits 125 with the cause, and nothing runs", (_name, args, message) => {
    const expanded = args().map((arg) =>
      arg === "BROKEN"
        ? policyFile('{"type":"workspace-write","writable_roots":["relative"]}')
        : arg === "RESTRICTED"
          ? policyFile({ type: "read-only", access: { type: "restricted", readable_roots: ["/usr"] } })
          : arg === "WORKSPACE"
            ? policyFile({ type: "workspace-write" })
            : arg,
    );
    const result = run([...expanded, "--", "sh", "-c", `touch "${marker}"`]);
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(message);
    expect(existsSync(marker)).toBe(false);
  });

  test("no command is a usage error", () => {
    const result = run(["--policy", policyFile({ type: "read-only" })]);
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/no command given/);
  });

  testUnless(landlockMissing())("--dry-run prints the plan with only the variables it adds, and runs nothing", () => {
    const result = run(["--dry-run", "--policy", policyFile({ type: "workspace-write" }), "--", "touch", marker], testEnv({ SECRET_TOKEN: "do-not-print" }));
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("do-not-print");
    const plan = JSON.parse(result.stdout) as { program: string; args: string[]; env: Record<string, string> };
    expect(Object.keys(plan).sort()).toEqual(["args", "env", "program"]);
    expect(plan.program).toMatch(/cordon-linux-sandbox$/);
    expect(plan.args.slice(-2)).toEqual(["touch", marker]);
    expect(plan.env).toEqual({ CORDON_SANDBOX: "linux", CORDON_SANDBOX_NETWORK_DISABLED: "1" });
    expect(existsSync(marker)).toBe(false);
  });

  test("--dry-run with --platform of another OS prints that OS's plan, even for a command that would run directly", () => {
    const sandboxed = run(["--dry-run", "--platform", otherPlatform, "--policy", policyFile({ type: "read-only" }), "--", "touch", marker]);
    expect(sandboxed.status).toBe(0);
    const plan = JSON.parse(sandboxed.stdout) as { program: string; args: string[] };
    expect(plan.args.slice(-2)).toEqual(["touch", marker]);

    const direct = run(["--dry-run", "--platform", "win32", "--policy", policyFile({ type: "danger-full-access" }), "--", "touch", marker]);
    expect(direct.status).toBe(0);
    expect(JSON.parse(direct.stdout)).toEqual({ program: "touch", args: [marker], env: {} });
    expect(existsSync(marker)).toBe(false);
  });
});
