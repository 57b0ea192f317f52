import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import tmp from "tmp";
import { packageRoot } from "../../src/native/index.js";

// The CLI runs from the build (`npm test` builds first).
const main = join(packageRoot, "dist", "cli", "main.js");
const defaultRules = join(packageRoot, "policies", "rules", "default.rules");

let dir: tmp.DirResult;
beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run compile\` first`);
  dir = tmp.dirSync({ unsafeCleanup: true, prefix: "cordon-cli-rules-" });
});
afterAll(() => dir.removeCallback());

function cordon(...args: string[]) {
  return execa("node", [main, ...args], { reject: false, stdin: "ignore" });
}

function writeRules(name: string, text: string): string {
  const file = join(dir.name, name);
  writeFileSync(file, text);
  return file;
}

describe("cordon policy check", () => {
  test("prints the evaluation of a match and exits 0", async () => {
    const result = await cordon("policy", "check", "--rules", defaultRules, "--", "git", "push", "origin", "main");
    expect(result.exitCode).toBe(0);
    const pushMatch = {
      prefixRuleMatch: {
        matchedPrefix: ["git", "push"],
        decision: "prompt",
        justification: "git push changes a remote repository",
      },
    };
    expect(JSON.parse(result.stdout)).toEqual({
      matchedRules: [pushMatch],
      decision: "prompt",
      canonicalForms: [],
      combinedMatchedRules: [pushMatch],
      combinedDecision: "prompt",
    });
    expect(result.stdout).not.toContain("\n");
  });

  test("keeps Codex's evaluation of the argv as written, and adds the canonical form and the combined decision", async () => {
    const result = await cordon("policy", "check", "--rules", defaultRules, "--", "git", "-C", ".", "push", "origin", "main");
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      matchedRules: [],
      canonicalForms: [["git", "push", "origin", "main"]],
      combinedMatchedRules: [
        { prefixRuleMatch: { matchedPrefix: ["git", "push"], decision: "prompt", justification: "git push changes a remote repository" } },
      ],
      combinedDecision: "prompt",
    });
  });

  test("prints an empty match list for no match, and exits 0", async () => {
    const result = await cordon("policy", "check", "--rules", defaultRules, "--", "ls", "-la");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('{"matchedRules":[],"canonicalForms":[],"combinedMatchedRules":[]}');
  });

  test("exits 0 for a forbidden command too", async () => {
    const result = await cordon("policy", "check", "--rules", defaultRules, "--", "rm", "-rf", "/");
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).decision).toBe("forbidden");
  });

  test("--resolve-host-executables and --pretty, with several rules files", async () => {
    const hosts = writeRules("hosts.rules", 'host_executable(name = "git", paths = ["/usr/bin/git"])\n');
    const plain = await cordon("policy", "check", "--rules", defaultRules, "--rules", hosts, "--", "/usr/bin/git", "push");
    expect(JSON.parse(plain.stdout).matchedRules).toEqual([]);
    const resolved = await cordon(
      "policy", "check", "--rules", defaultRules, hosts, "--resolve-host-executables", "--pretty", "--", "/usr/bin/git", "push",
    );
    expect(resolved.exitCode).toBe(0);
    expect(resolved.stdout.split("\n").length).toBeGreaterThan(5);
    expect(JSON.parse(resolved.stdout).matchedRules[0].prefixRuleMatch.resolvedProgram).toBe("/usr/bin/git");
    const elsewhere = await cordon("policy", "check", "--rules", defaultRules, hosts, "--resolve-host-executables", "--", "/tmp/git", "push");
    expect(JSON.parse(elsewhere.stdout).combinedMatchedRules).toEqual([]);
  });

  test("the command's own flags and odd characters are carried verbatim after --", async () => {
    const rules = writeRules("odd.rules", 'prefix_rule(pattern = ["tool", "--rules", "a b;(c)\\n"], decision = "forbidden")\n');
    const result = await cordon("policy", "check", "--rules", rules, "--", "tool", "--rules", "a b;(c)\n", "--pretty");
    expect(JSON.parse(result.stdout).decision).toBe("forbidden");
  });

  test.each([
    [["policy", "check", "--", "ls"], "cordon: UsageError: --rules FILE is required"],
    [["policy", "check", "--rules", "x.rules"], "cordon: UsageError: no command to check"],
    [["policy", "check", "--rules", "x.rules", "--bogus", "--", "ls"], "cordon: UsageError: Unknown option '--bogus'"],
    [["policy", "check", "--rules", "/nonexistent/x.rules", "--", "ls"], "cordon: RulesError: cannot read rules file /nonexistent/x.rules"],
  ])("%j fails with 125 and says why", async (args, message) => {
    const result = await cordon(...args);
    expect(result.exitCode).toBe(125);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
  });

  test("a rules file that does not parse fails with 125 and its location", async () => {
    const bad = writeRules("syntax.rules", 'prefix_rule(pattern = ["ls"], decision = "sometimes")\n');
    const result = await cordon("policy", "check", "--rules", bad, "--", "ls");
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe(`cordon: RulesError: ${bad}:1:42: invalid decision: "sometimes" (expected "allow", "prompt" or "forbidden")`);
  });
});

describe("cordon policy test", () => {
  test("passes the shipped default rules", async () => {
    const result = await cordon("policy", "test", "--rules", defaultRules);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ok {4}.*default\.rules: \d+ rules, \d+ examples\nall 1 rules files pass$/);
  });

  test("exits 1 naming the rule and the example when an example fails", async () => {
    const failing = writeRules("failing.rules", 'prefix_rule(\n  pattern = ["git", "push"],\n  match = ["git pull"],\n)\n');
    const result = await cordon("policy", "test", "--rules", defaultRules, "--rules", failing);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `FAIL  ${failing}:3:11: match example "git pull" does not match prefix_rule(pattern = ["git", "push"], decision = "allow")`,
    );
    expect(result.stdout).toContain("1 of 2 rules files fail");
  });

  test("exits 1 with file:line:col when a file does not parse", async () => {
    const broken = writeRules("broken.rules", "prefix_rule(pattern = ['ls'],\n  decision = allow)\n");
    const result = await cordon("policy", "test", "--rules", broken);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${broken}:2:14: expected a string or a list, found name allow`);
  });

  test("without --rules it is a usage error", async () => {
    const result = await cordon("policy", "test");
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toContain("--rules FILE is required");
  });
});
