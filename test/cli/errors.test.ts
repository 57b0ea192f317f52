/**
 * Errors that agree (SPEC §8): the same PolicyError for a missing writable
 * root in every command, a clear usage error for a missing --cwd or an empty
 * command name, usage errors that quote only an excerpt of what they were
 * given, and the error names the README documents. Each exits 125 and runs
 * nothing (judged by a marker file).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCordon } from "../support/cli.js";

describe("errors that agree", () => {
  let dir: string;
  let marker: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-errors-"));
    marker = join(dir, "marker");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const missingRoot = "/nonexistent/w";

  test.each([
    ["a policy file", () => {
      const file = join(dir, "policy.json");
      writeFileSync(file, JSON.stringify({ type: "workspace-write", writable_roots: [missingRoot] }));
      return ["--policy", file];
    }],
    ["the shorthands", () => ["--sandbox", "workspace-write", "--writable-root", missingRoot]],
  ])("a missing writable root, from %s: the same PolicyError from run, shell and policy show", (_name, flags) => {
    const given = flags();
    const commands = [
      ["run", ...given, "--", "touch", marker],
      ["shell", ...given, "-c", `touch '${marker}'`],
      // policy show takes no shorthands: the policy file only.
      ...(given[0] === "--policy" ? [["policy", "show", ...given]] : []),
    ];
    for (const command of commands) {
      const result = runCordon(command, { cwd: dir });
      expect({ command, status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
        command,
        status: 125,
        stdout: "",
        stderr: `cordon: PolicyError: writable root ${missingRoot} does not exist\n`,
      });
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("a --cwd that does not exist is the same usage error for run, shell and policy show", () => {
    for (const command of [
      ["run", "--cwd", "/nonexistent", "--", "touch", marker],
      ["shell", "--cwd", "/nonexistent", "-c", `touch '${marker}'`],
      ["policy", "show", "--cwd", "/nonexistent"],
    ]) {
      const result = runCordon(command, { cwd: dir });
      expect({ command, status: result.status, stderr: result.stderr }).toEqual({
        command,
        status: 125,
        stderr: "cordon: UsageError: --cwd: /nonexistent is not a directory\n",
      });
    }
    expect(existsSync(marker)).toBe(false);
  });

  test('run -- "" is a usage error, also without a sandbox', () => {
    for (const sandbox of [[], ["--sandbox", "danger-full-access"]]) {
      const result = runCordon(["run", ...sandbox, "--", "", marker], { cwd: dir });
      expect(result.status).toBe(125);
      expect(result.stderr).toMatch(/^cordon: UsageError: the command name after -- is empty\nusage: cordon run /);
    }
  });

  test("a usage error quotes only an excerpt of a long argument list", () => {
    // 24 arguments of 64 KiB: 1.5 MiB in all (one argument may hold at most 128 KiB).
    const long = Array.from({ length: 24 }, (_, i) => `${i}`.padEnd(64 * 1024, "x"));
    for (const command of [
      ["shell", "-c", `touch '${marker}'`, ...long],
      ["shell", "--shell", long[0]!, "-c", `touch '${marker}'`],
      ["run", `--${long[0]!}`, "--", "touch", marker],
    ]) {
      const result = runCordon(command, { cwd: dir });
      expect(result.status).toBe(125);
      expect(result.stderr).toMatch(/^cordon: UsageError: .*… \(\d+ more characters\)/);
      expect(result.stderr.length).toBeLessThan(1500);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("an unsupported operation is named UnsupportedOperation, as the README says", () => {
    const file = join(dir, "restricted.json");
    writeFileSync(file, JSON.stringify({ type: "read-only", access: { type: "restricted", readable_roots: ["/usr"] } }));
    const result = runCordon(["run", "--policy", file, "--platform", "win32", "--dry-run", "--", "touch", marker], { cwd: dir });
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UnsupportedOperation: Restricted read-only access is not yet supported by the Windows sandbox backend/);
    expect(existsSync(marker)).toBe(false);
  });
});
