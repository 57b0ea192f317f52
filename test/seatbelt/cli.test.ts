import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSeatbeltProfile } from "../../src/seatbelt/index.js";
import { runCordon } from "../support/cli.js";
import { readSandboxExecArgs } from "./support.js";

// The built `cordon` executable (dist/), run as a user would.

let dir: string;
beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-seatbelt-cli-")));
  mkdirSync(join(dir, "repo", ".git"), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function printed(stdout: string): { program: string; args: string[] } {
  const lines = stdout.split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe("");
  return JSON.parse(lines[0]!) as { program: string; args: string[] };
}

describe("cordon seatbelt", () => {
  test("prints the sandbox-exec program and arguments; the default policy is read-only", () => {
    const result = runCordon(["seatbelt", "--", "ls", "--policy", "-p", "a b"], { cwd: dir });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    const { program, args } = printed(result.stdout);
    expect(program).toBe("/usr/bin/sandbox-exec");
    expect(checkSeatbeltProfile(args)).toEqual([]);
    const { parameters, command, profile } = readSandboxExecArgs(args);
    expect(parameters).toEqual([]);
    expect(command).toEqual(["ls", "--policy", "-p", "a b"]);
    expect(profile).not.toContain("file-write* (");
  });

  test("--policy FILE, --cwd relative to the current folder, repeated --allow-unix-socket", () => {
    const policyFile = join(dir, "policy.json");
    writeFileSync(policyFile, JSON.stringify({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true }));
    const result = runCordon(
      ["seatbelt", "--policy", policyFile, "--cwd", "repo", "--allow-unix-socket", "a.sock", "--allow-unix-socket", "/run/b (1).sock", "--", "make"],
      { cwd: dir, env: { ...process.env, TMPDIR: "" } },
    );
    expect(result).toMatchObject({ status: 0, stderr: "" });
    const { args } = printed(result.stdout);
    expect(checkSeatbeltProfile(args)).toEqual([]);
    const repo = join(dir, "repo");
    expect(readSandboxExecArgs(args).parameters).toEqual([
      ["WRITABLE_ROOT_0", repo],
      ["WRITABLE_ROOT_0_RO_0", join(repo, ".git")],
      ["WRITABLE_ROOT_0_RO_1", join(repo, ".codex")],
      ["ALLOWED_UNIX_SOCKET_0", join(dir, "a.sock")],
      ["ALLOWED_UNIX_SOCKET_1", "/run/b (1).sock"],
    ]);
  });

  test("--policy - reads the policy from stdin", () => {
    const input = JSON.stringify({ type: "read-only", network_access: true });
    const result = runCordon(["seatbelt", "--policy", "-", "--", "curl", "example.com"], { cwd: dir, input });
    expect(result.status).toBe(0);
    expect(readSandboxExecArgs(printed(result.stdout).args).profile).toMatch(/^\(allow network-outbound\)$/m);
  });

  test.each([
    [
      "a broken policy",
      ["--policy", "-", "--", "ls"],
      '{"type":"read-only","bogus":1}',
      /^cordon: PolicyError: invalid sandbox policy: policy: unknown field "bogus"\n$/,
    ],
    ["no command", ["--"], "", /^cordon: UsageError: no command given after --\nusage: cordon seatbelt /],
    ["an unknown flag", ["--polcy", "p.json", "--", "ls"], "", /^cordon: UsageError: Unknown option '--polcy'/],
    ["a flag without its value", ["--cwd"], "", /^cordon: UsageError: Option '--cwd <value>' argument missing/],
  ])("%s: exit 125, the cause on stderr, nothing on stdout", (_name, args, input, message) => {
    const result = runCordon(["seatbelt", ...args], { cwd: dir, input });
    expect(result.status).toBe(125);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  test("--help shows the synopsis, and cordon --help lists the command", () => {
    expect(runCordon(["seatbelt", "--help"]).stdout).toBe(
      "usage: cordon seatbelt [--policy FILE] [--cwd DIR] [--allow-unix-socket PATH]... -- CMD...\n",
    );
    expect(runCordon(["--help"]).stdout).toMatch(/^ {2}seatbelt +print the macOS sandbox-exec/m);
  });
});
