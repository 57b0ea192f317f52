/**
 * `cordon policy test` (SPEC §8) reports every failing example of every rule
 * of every file, not only the first, and then exits 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCordon } from "../support/cli.js";

describe("cordon policy test", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-policy-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test("every failing example of every rule of every file is reported, then it exits 1", () => {
    const first = write(
      "first.rules",
      [
        'prefix_rule(pattern = ["git", "push"], match = ["git pull", "git fetch"], not_match = ["git push -f"])',
        'prefix_rule(pattern = ["rm"], decision = "forbidden", match = ["rmdir x"])',
        'prefix_rule(pattern = ["ls"], match = ["ls -l"])',
        "",
      ].join("\n"),
    );
    const good = write("good.rules", 'prefix_rule(pattern = ["cat"], match = ["cat a"], not_match = ["tac a"])\n');
    const second = write("second.rules", 'prefix_rule(pattern = ["make"], not_match = ["make all", "make"])\n');
    const result = runCordon(["policy", "test", "--rules", first, "--rules", good, "--rules", second]);
    expect(result.status).toBe(1);
    const failures = result.stdout.split("\n").filter((line) => line.startsWith("FAIL  "));
    expect(failures).toEqual([
      `FAIL  ${first}:1:87: not_match example "git push -f" matches prefix_rule(pattern = ["git", "push"], decision = "allow")`,
      `FAIL  ${first}:1:48: match example "git pull" does not match prefix_rule(pattern = ["git", "push"], decision = "allow")`,
      `FAIL  ${first}:1:48: match example "git fetch" does not match prefix_rule(pattern = ["git", "push"], decision = "allow")`,
      `FAIL  ${first}:2:63: match example "rmdir x" does not match prefix_rule(pattern = ["rm"], decision = "forbidden")`,
      `FAIL  ${second}:1:45: not_match example "make all" matches prefix_rule(pattern = ["make"], decision = "allow")`,
      `FAIL  ${second}:1:45: not_match example "make" matches prefix_rule(pattern = ["make"], decision = "allow")`,
    ]);
    expect(result.stdout).toContain(`ok    ${good}: 1 rules, 2 examples`);
    expect(result.stdout).toMatch(/\n2 of 3 rules files fail \(6 failures\)\n$/);
  });

  test("a file whose examples all pass exits 0", () => {
    const good = write("good.rules", 'prefix_rule(pattern = ["cat"], match = ["cat a"], not_match = ["tac a"])\n');
    const result = runCordon(["policy", "test", "--rules", good]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`ok    ${good}: 1 rules, 2 examples\nall 1 rules files pass\n`);
  });
});
