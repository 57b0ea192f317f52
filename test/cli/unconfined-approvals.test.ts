/**
 * Approvals without a sandbox (SPEC §5): under `--sandbox danger-full-access`
 * (or an external-sandbox policy) `cordon shell` still decides every exec,
 * through the launcher's exec supervisor alone. Judged from the host: the
 * forbidden program left no file, the allowed one wrote outside the workspace.
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordon } from "../support/cli.js";

const unavailable = interceptedShellUnavailable();

(unavailable ? describe.skip : describe)(`cordon shell without a sandbox${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let work: string;
  let outside: string;
  let rules: string;
  beforeEach(() => {
    work = realpathSync(mkdtempSync(join(tmpdir(), "cordon-unconfined-")));
    // Outside the workspace and outside /tmp: writable only without a sandbox.
    outside = realpathSync(mkdtempSync("/var/tmp/cordon-unconfined-outside-"));
    rules = join(work, "forbid.rules");
    writeFileSync(rules, 'prefix_rule(pattern = ["touch"], decision = "forbidden", justification = "no touching")\n');
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const script = () => `touch '${outside}/forbidden'; echo touch=$?; /bin/sh -c 'echo allowed > "$1"' sh '${outside}/allowed'`;

  test.each([
    ["--sandbox danger-full-access", ["--sandbox", "danger-full-access"]],
    ["--policy of an external sandbox", ["--policy", "-"]],
    ["--sandbox danger-full-access --approvals best-effort", ["--sandbox", "danger-full-access", "--approvals", "best-effort"]],
  ])("%s: the forbidden program is denied, the allowed one writes outside the workspace", (_name, flags) => {
    const input = flags.includes("-") ? '{"type":"external-sandbox","network_access":"enabled"}' : "";
    const result = runCordon(["shell", ...flags, "--rules", rules, "-c", script()], { cwd: work, input });
    expect(result.stderr).toContain(`cordon: execution denied: touch ${outside}/forbidden: no touching`);
    expect(result.stdout).toBe("touch=126\n");
    expect(result.status).toBe(0);
    expect(existsSync(join(outside, "forbidden"))).toBe(false);
    expect(readFileSync(join(outside, "allowed"), "utf8")).toBe("allowed\n");
    // On Linux nothing goes unasked, best-effort or not.
    expect(result.stderr).not.toContain("not asked");
  });

  test("--approvals takes only required or best-effort", () => {
    const result = runCordon(["shell", "--approvals", "sometimes", "-c", `touch '${outside}/x'`], { cwd: work });
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UsageError: --approvals: expected one of required, best-effort, got "sometimes"/);
    expect(existsSync(join(outside, "x"))).toBe(false);
  });
});
