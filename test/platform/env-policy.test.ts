/** The environment policy (Codex's shell_environment_policy) as a pure function, and on spawnSandboxed. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolicyError } from "../../src/errors.js";
import { applyEnvPolicy, prepareSandboxedCommand, spawnSandboxed } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";

const env = {
  HOME: "/h",
  PATH: "/bin",
  LANG: "C.UTF-8",
  LC_CTYPE: "C",
  LCX: "not a locale",
  OPENAI_API_KEY: "k",
  aws_secret_access_key: "s",
  GitHub_Token: "t",
  KEYBOARD: "matches *KEY* too",
  EDITOR: "vi",
  UNSET: undefined,
};

describe("applyEnvPolicy", () => {
  test("the default inherits everything except *KEY*, *SECRET* and *TOKEN*, case-insensitively", () => {
    expect(applyEnvPolicy(env)).toEqual({ HOME: "/h", PATH: "/bin", LANG: "C.UTF-8", LC_CTYPE: "C", LCX: "not a locale", EDITOR: "vi" });
  });

  test("core keeps HOME LOGNAME PATH SHELL USER USERNAME TMPDIR TEMP TMP LANG and LC_* only", () => {
    const all = Object.fromEntries(["HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL", "EDITOR", "LCX"].map((n) => [n, "v"]));
    expect(Object.keys(applyEnvPolicy(all, { inherit: "core" })).sort()).toEqual(
      ["HOME", "LANG", "LC_ALL", "LOGNAME", "PATH", "SHELL", "TEMP", "TMP", "TMPDIR", "USER", "USERNAME"].sort(),
    );
  });

  test("none, exclude globs, set (which the default excludes do not touch), and the opt-out of the defaults", () => {
    expect(applyEnvPolicy(env, { inherit: "none", set: { MY_TOKEN: "given on purpose" } })).toEqual({ MY_TOKEN: "given on purpose" });
    expect(applyEnvPolicy(env, { exclude: ["L?NG", "lc_*", "ed*"] })).toEqual({ HOME: "/h", PATH: "/bin", LCX: "not a locale" });
    expect(applyEnvPolicy(env, { ignoreDefaultExcludes: true, inherit: "all" })).toMatchObject({ OPENAI_API_KEY: "k", GitHub_Token: "t" });
    // Glob characters other than * and ? are literal.
    expect(applyEnvPolicy({ "A.B": "1", AXB: "2" }, { exclude: ["A.B"] })).toEqual({ AXB: "2" });
  });

  test("a variable named __proto__ stays a variable", () => {
    const hostile = JSON.parse('{"__proto__": "x", "OK": "1"}') as Record<string, string>;
    const result = applyEnvPolicy(hostile, { set: JSON.parse('{"__proto__": "y"}') as Record<string, string> });
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.entries(result)).toEqual([["__proto__", "y"], ["OK", "1"]]);
  });

  test("the result is the caller's own plain object: entries can be changed, added and deleted", () => {
    const result = applyEnvPolicy(env, { set: { EXTRA: "1" } });
    result.PATH = "/usr/bin";
    result.EXTRA = "2";
    delete result.HOME;
    result.NEW = "3";
    expect(result).toEqual({ PATH: "/usr/bin", LANG: "C.UTF-8", LC_CTYPE: "C", LCX: "not a locale", EDITOR: "vi", EXTRA: "2", NEW: "3" });
  });

  test("a malformed policy is a TypeError naming the field", () => {
    expect(() => applyEnvPolicy(env, { inherit: "some" as never })).toThrow(/^envPolicy\.inherit: /);
    expect(() => applyEnvPolicy(env, { set: { "A=B": "1" } })).toThrow(/^envPolicy\.set\.A=B: /);
    expect(() => applyEnvPolicy(env, { extra: true } as never)).toThrow(TypeError);
  });
});

describe("spawnSandboxed takes envPolicy and any policy input, and checks writable roots before spawning", () => {
  const dir = mkdtempSync(join(tmpdir(), "cordon-env-policy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the secrets of the host's environment do not reach the command by default", async () => {
    const child = spawnSandboxed(["env"], { type: "danger-full-access" }, { cwd: dir, env: { PATH: process.env.PATH, API_KEY: "k", KEPT: "1" } });
    let out = "";
    child.stdout!.on("data", (chunk) => (out += chunk));
    await new Promise((resolve) => child.once("close", resolve));
    expect(out).toContain("KEPT=1\n");
    expect(out).not.toContain("API_KEY");
  });

  test("Codex JSON text is accepted; a missing writable root is a PolicyError naming it, and nothing runs", () => {
    const missing = join(dir, "missing");
    expect(() => spawnSandboxed(["true"], JSON.stringify({ type: "workspace-write", writable_roots: [missing] }), { cwd: dir })).toThrow(
      new PolicyError(`writable root ${missing} does not exist`),
    );
    expect(() => spawnSandboxed(["true"], { type: "workspace_write" } as never, { cwd: dir })).toThrow(PolicyError);
  });

  test("planning alone (prepareSandboxedCommand) leaves the environment as given", () => {
    const plan = prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "danger-full-access" }), { cwd: dir, env: { API_KEY: "k" } });
    expect(plan.env).toMatchObject({ API_KEY: "k" });
  });
});
