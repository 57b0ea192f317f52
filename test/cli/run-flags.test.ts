/**
 * `--env-inherit` and `--enforce-restricted-reads` on `cordon run` and
 * `cordon shell`: what reaches the command is read back from inside, and
 * what must not run is judged from the host (no marker file, exit 125).
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { landlockAbi } from "../../src/native/index.js";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordon } from "../support/cli.js";
import { testUnless } from "../support/skip.js";

const missing = process.platform !== "linux" ? "the Linux sandbox runs only on Linux" : landlockAbi().abi >= 3 ? null : "Landlock cannot confine writes here";
const shellMissing = missing ?? interceptedShellUnavailable();
const env = { PATH: process.env.PATH, HOME: "/nonexistent", LANG: "C.UTF-8", OPENAI_API_KEY: "sk-secret", PLAIN_SETTING: "kept" };

describe("--env-inherit and the default environment policy", () => {
  testUnless(missing)("run: the default drops names with KEY, SECRET or TOKEN and keeps the rest", () => {
    const printed = runCordon(["run", "--", "env"], { env });
    expect(printed.stdout).toContain("PLAIN_SETTING=kept\n");
    expect(printed.stdout).not.toContain("OPENAI_API_KEY");
  });

  testUnless(missing)("run: core keeps PATH, HOME and LANG only (besides what cordon adds); none keeps nothing of the caller's", () => {
    const core = runCordon(["run", "--env-inherit", "core", "--", "/usr/bin/env"], { env });
    expect(core.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("CORDON_")).sort()).toEqual(
      ["HOME=/nonexistent", "LANG=C.UTF-8", `PATH=${process.env.PATH}`].sort(),
    );
    const none = runCordon(["run", "--env-inherit", "none", "--", "/usr/bin/env"], { env });
    expect(none.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("CORDON_"))).toEqual([]);
  });

  test("an unknown mode is a usage error: 125 and nothing runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "cordon-env-flag-"));
    try {
      for (const command of ["run", "shell"]) {
        const args = command === "run" ? ["run", "--env-inherit", "some", "--", "touch", "ran"] : ["shell", "--env-inherit", "some", "-c", "touch ran"];
        const result = runCordon(args, { cwd: dir, env });
        expect({ command, status: result.status }).toEqual({ command, status: 125 });
        expect(result.stderr).toContain('--env-inherit: expected one of all, core, none, got "some"');
        expect(existsSync(join(dir, "ran"))).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (shellMissing ? test.skip : test)(`shell: the script sees the same policy${shellMissing ? ` (skipped: ${shellMissing})` : ""}`, () => {
    const result = runCordon(["shell", "--env-inherit", "core", "-c", "/usr/bin/env"], { env });
    expect(result.stdout).not.toContain("PLAIN_SETTING");
    expect(result.stdout).not.toContain("OPENAI_API_KEY");
    expect(result.stdout).toContain("LANG=C.UTF-8\n");
  });
});

(missing ? describe.skip : describe)(`--enforce-restricted-reads${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let base: string;
  let workspace: string;
  let secret: string;
  let policy: string;
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "cordon-reads-flag-")));
    workspace = join(base, "W");
    mkdirSync(workspace);
    writeFileSync(join(workspace, "notes.txt"), "notes\n");
    secret = join(base, "id_ed25519");
    writeFileSync(secret, "SECRET\n");
    policy = join(base, "policy.json");
    writeFileSync(policy, JSON.stringify({ type: "read-only", access: { type: "restricted", readable_roots: [workspace] } }));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test("without it a restricted policy is refused: 125 naming UnsupportedOperation, nothing runs", () => {
    const result = runCordon(["run", "--policy", policy, "--", "sh", "-c", `echo ran > '${join(base, "ran")}'`], { cwd: workspace });
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UnsupportedOperation: Restricted read-only access/);
    expect(existsSync(join(base, "ran"))).toBe(false);
  });

  test("with it the workspace reads and the secret beside it does not", () => {
    const result = runCordon(["run", "--policy", policy, "--enforce-restricted-reads", "--", "bash", "-c", `cat notes.txt; cat '${secret}'`], { cwd: workspace });
    expect(result.stdout).toBe("notes\n");
    expect(result.stderr).toContain(secret);
    expect(result.stderr).not.toContain("SECRET");
    expect(result.status).toBe(1);
  });
});
