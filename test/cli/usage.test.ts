/**
 * How the command line fails and helps (SPEC §8): every usage error exits 125
 * with the cause on stderr and runs nothing; `--help` of a command explains
 * its choices.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APPROVAL_POLICIES } from "../../src/approval/index.js";
import { runCordon } from "../support/cli.js";

describe("cordon usage", () => {
  let dir: string;
  let marker: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-usage-"));
    marker = join(dir, "marker");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("bare cordon is a usage error: 125, the usage on stderr, nothing on stdout", () => {
    const result = runCordon([]);
    expect(result.status).toBe(125);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^cordon: UsageError: no command given\nusage: cordon <command>/);
    expect(result.stderr).toMatch(/^ {2}shell /m);
  });

  test.each([
    ["run without a command", () => ["run", "--sandbox", "workspace-write"]],
    ["run with an unknown flag", () => ["run", "--frobnicate", "--", "touch", marker]],
    ["shell without -c", () => ["shell", "--sandbox", "workspace-write"]],
    ["shell with a shell it does not know", () => ["shell", "--shell", "fish", "-c", `touch '${marker}'`]],
    ["shell with an unknown approval policy", () => ["shell", "--approval-policy", "sometimes", "-c", `touch '${marker}'`]],
    ["shell with words after the script", () => ["shell", "-c", `touch '${marker}'`, "extra"]],
    ["policy without a subcommand", () => ["policy"]],
    ["policy check without rules", () => ["policy", "check", "--", "touch", marker]],
    ["policy test without rules", () => ["policy", "test"]],
    ["seatbelt without a command", () => ["seatbelt"]],
    ["a command name that is an Object property", () => ["toString"]],
  ])("%s exits 125 with a UsageError, and nothing runs", (_name, args) => {
    const result = runCordon(args(), { cwd: dir });
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UsageError: /);
    expect(existsSync(marker)).toBe(false);
  });

  test("shell --help lists every approval mode and every shell", () => {
    const result = runCordon(["shell", "--help"]);
    expect(result.status).toBe(0);
    for (const mode of APPROVAL_POLICIES) expect(result.stdout).toMatch(new RegExp(`^ +${mode} +\\S`, "m"));
    expect(result.stdout).toMatch(/--shell SHELL +bash \| sh \| zsh/);
    expect(result.stdout).toMatch(/--sandbox MODE +read-only \| workspace-write \| danger-full-access/);
  });

  test("run --help shows the policy shorthands and what --platform needs", () => {
    const result = runCordon(["run", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--writable-root DIR/);
    expect(result.stdout).toMatch(/--network/);
    expect(result.stdout).toMatch(/--platform OS +build the plan for another OS; needs --dry-run/);
  });

  test("run --platform of another OS without --dry-run exits 125 saying so, and nothing runs", () => {
    const other = process.platform === "darwin" ? "linux" : "darwin";
    const result = runCordon(["run", "--platform", other, "--", "touch", marker], { cwd: dir });
    expect(result.status).toBe(125);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`cordon: UsageError: --platform ${other}: cannot run here on ${process.platform}; add --dry-run to print the plan instead\n`);
    expect(existsSync(marker)).toBe(false);
  });

  test("run --platform of this OS runs the command", () => {
    const result = runCordon(["run", "--platform", process.platform, "--sandbox", "danger-full-access", "--", "touch", marker], { cwd: dir });
    expect(result.status).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});
