import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cordonBin, runCordon } from "../support/cli.js";

describe("cordon CLI basics", () => {
  let dir: string;
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-cli-")));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("--help lists the commands", () => {
    const result = runCordon(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/usage: cordon <command>/);
    expect(result.stdout).toMatch(/policy/);
  });

  test("--version prints the package version", () => {
    const pkg = JSON.parse(readFileSync(join(cordonBin, "..", "..", "..", "package.json"), "utf8")) as { version: string };
    const result = runCordon(["--version"]);
    expect(result).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
  });

  test("an unknown command fails with 125 and says so", () => {
    const result = runCordon(["frobnicate"]);
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UsageError: unknown command "frobnicate"/);
  });

  test("policy show prints the normalised policy and its roots", () => {
    const repo = join(dir, "repo");
    mkdirSync(join(repo, ".git"), { recursive: true });
    const policyFile = join(dir, "policy.json");
    writeFileSync(policyFile, JSON.stringify({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true }));
    const result = runCordon(["policy", "show", "--policy", policyFile, "--cwd", repo]);
    expect(result.status).toBe(0);
    const shown = JSON.parse(result.stdout);
    expect(shown.policy).toEqual({
      type: "workspace-write",
      writable_roots: [],
      network_access: false,
      exclude_tmpdir_env_var: true,
      exclude_slash_tmp: true,
      read_only_access: { type: "full-access" },
    });
    expect(shown.writableRoots).toEqual([{ root: repo, readOnlySubpaths: [join(repo, ".git"), join(repo, ".codex")] }]);
    expect(shown).toMatchObject({ fullDiskRead: true, fullDiskWrite: false, fullNetwork: false, readableRoots: null });
  });

  test("policy show reads the policy from stdin with --policy -", () => {
    const result = runCordon(["policy", "show", "--policy", "-"], { input: '{"type":"danger-full-access"}' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ policy: { type: "danger-full-access" }, fullDiskWrite: true });
  });

  test("policy show defaults to read-only", () => {
    const result = runCordon(["policy", "show"]);
    expect(JSON.parse(result.stdout).policy).toEqual({ type: "read-only", access: { type: "full-access" }, network_access: false });
  });

  test("a broken policy exits 125 naming the field", () => {
    const result = runCordon(["policy", "show", "--policy", "-"], { input: '{"type":"workspace-write","writable_roots":["rel"]}' });
    expect(result.status).toBe(125);
    expect(result.stderr).toBe("cordon: PolicyError: invalid sandbox policy: policy.writable_roots[0]: must be an absolute path\n");
  });

  test("a missing policy file exits 125", () => {
    const result = runCordon(["policy", "show", "--policy", join(dir, "nope.json")]);
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/cannot read policy file .*nope\.json/);
  });

  test("an unknown flag is a usage error", () => {
    const result = runCordon(["policy", "show", "--polcy", "x"]);
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/UsageError: Unknown option '--polcy'/);
  });
});
