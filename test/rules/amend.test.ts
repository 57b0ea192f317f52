import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tmp from "tmp";
import { RulesError } from "../../src/errors.js";
import { appendAllowPrefixRule, evaluate, loadPolicy } from "../../src/rules/index.js";

let dir: tmp.DirResult;
beforeEach(() => {
  dir = tmp.dirSync({ unsafeCleanup: true, prefix: "cordon-amend-" });
});
afterEach(() => dir.removeCallback());

describe("appendAllowPrefixRule: Codex's amend tests (codex-rs/execpolicy/src/amend.rs, tests/basic.rs)", () => {
  test("appends_rule_and_creates_directories: the exact line Codex writes", async () => {
    const file = join(dir.name, "rules", "default.rules");
    await appendAllowPrefixRule(file, ["echo", "Hello, world!"]);
    expect(readFileSync(file, "utf8")).toBe('prefix_rule(pattern=["echo", "Hello, world!"], decision="allow")\n');
  });

  test("appends_rule_without_duplicate_newline", async () => {
    const file = join(dir.name, "default.rules");
    writeFileSync(file, 'prefix_rule(pattern=["ls"], decision="allow")\n');
    await appendAllowPrefixRule(file, ["echo", "Hello, world!"]);
    expect(readFileSync(file, "utf8")).toBe(
      'prefix_rule(pattern=["ls"], decision="allow")\nprefix_rule(pattern=["echo", "Hello, world!"], decision="allow")\n',
    );
  });

  test("inserts_newline_when_missing_before_append", async () => {
    const file = join(dir.name, "default.rules");
    writeFileSync(file, 'prefix_rule(pattern=["ls"], decision="allow")');
    await appendAllowPrefixRule(file, ["echo", "Hello, world!"]);
    expect(readFileSync(file, "utf8")).toBe(
      'prefix_rule(pattern=["ls"], decision="allow")\nprefix_rule(pattern=["echo", "Hello, world!"], decision="allow")\n',
    );
  });

  test("append_allow_prefix_rule_dedupes_existing_rule", async () => {
    const file = join(dir.name, "rules", "default.rules");
    await appendAllowPrefixRule(file, ["python3"]);
    await appendAllowPrefixRule(file, ["python3"]);
    expect(readFileSync(file, "utf8")).toBe('prefix_rule(pattern=["python3"], decision="allow")\n');
  });

  test.each([
    ["cordon's earlier spelling", 'prefix_rule(pattern = ["git", "push"], decision = "allow")\n'],
    ["Codex's spelling", 'prefix_rule(pattern=["git", "push"], decision="allow")\n'],
    ["the decision left to its default", "prefix_rule(pattern = ['git', 'push'])\n"],
    ["one-item alternatives, over several lines", 'prefix_rule(\n    pattern = [["git"], ["push"]],\n    decision = "allow",\n)\n'],
  ])("an allow rule already there in %s is not added again", async (_name, text) => {
    const file = join(dir.name, "default.rules");
    writeFileSync(file, text);
    expect(await appendAllowPrefixRule(file, ["git", "push"])).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  test("a prompt rule, a longer or a shorter pattern is not the same rule", async () => {
    const file = join(dir.name, "default.rules");
    const text = 'prefix_rule(pattern=["git", "push"], decision="prompt")\nprefix_rule(pattern=["git"], decision="allow")\nprefix_rule(pattern=["git", "push", "-f"])\n';
    writeFileSync(file, text);
    expect(await appendAllowPrefixRule(file, ["git", "push"])).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(`${text}prefix_rule(pattern=["git", "push"], decision="allow")\n`);
  });
});

describe("appendAllowPrefixRule", () => {
  test("creates the file (and its directory) with one allow rule that loads", async () => {
    const file = join(dir.name, "rules", "user.rules");
    expect(await appendAllowPrefixRule(file, ["python3", "-m", "pytest"])).toBe(true);
    expect(readFileSync(file, "utf8")).toBe('prefix_rule(pattern=["python3", "-m", "pytest"], decision="allow")\n');
    const policy = await loadPolicy([file]);
    expect(evaluate(policy, ["python3", "-m", "pytest", "-q"]).decision).toBe("allow");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  test("does not add a rule the file already has", async () => {
    const file = join(dir.name, "user.rules");
    expect(await appendAllowPrefixRule(file, ["make"])).toBe(true);
    expect(await appendAllowPrefixRule(file, ["make"])).toBe(false);
    expect(await appendAllowPrefixRule(file, ["make", "test"])).toBe(true);
    expect(readFileSync(file, "utf8").split("\n")).toEqual([
      'prefix_rule(pattern=["make"], decision="allow")',
      'prefix_rule(pattern=["make", "test"], decision="allow")',
      "",
    ]);
  });

  test("ends a last line that has no newline before appending", async () => {
    const file = join(dir.name, "user.rules");
    writeFileSync(file, '# mine\nprefix_rule(pattern = ["ls"])');
    await appendAllowPrefixRule(file, ["pwd"]);
    expect(readFileSync(file, "utf8")).toBe(
      '# mine\nprefix_rule(pattern = ["ls"])\nprefix_rule(pattern=["pwd"], decision="allow")\n',
    );
  });

  test("carries hostile tokens exactly", async () => {
    const file = join(dir.name, "user.rules");
    const prefix = ["tool", 'a "quoted" (arg); rm -rf /', "line\nbreak", "ünï", "back\\slash"];
    await appendAllowPrefixRule(file, prefix);
    const policy = await loadPolicy([file]);
    expect(evaluate(policy, prefix).matchedRules[0]?.prefixRuleMatch.matchedPrefix).toEqual(prefix);
    expect(readFileSync(file, "utf8").split("\n")).toHaveLength(2);
  });

  test("concurrent writers neither lose nor duplicate rules", async () => {
    const file = join(dir.name, "user.rules");
    const prefixes = Array.from({ length: 12 }, (_, i) => ["tool", String(i % 6)]);
    const added = await Promise.all(prefixes.map((prefix) => appendAllowPrefixRule(file, prefix)));
    expect(added.filter(Boolean)).toHaveLength(6);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(new Set(lines).size).toBe(6);
    expect(lines).toHaveLength(6);
  });

  test("refuses to add to a file that does not load, and leaves it as it was", async () => {
    const file = join(dir.name, "user.rules");
    writeFileSync(file, "prefix_rule(pattern = [\n");
    await expect(appendAllowPrefixRule(file, ["ls"])).rejects.toThrow(/^not adding a rule to .*user\.rules, which does not load: .*user\.rules:2:1: /);
    expect(readFileSync(file, "utf8")).toBe("prefix_rule(pattern = [\n");
  });

  test("rejects an empty prefix or NUL bytes before touching the file", async () => {
    const file = join(dir.name, "user.rules");
    await expect(appendAllowPrefixRule(file, [])).rejects.toThrow(new RulesError("allow rule for []: invalid pattern element: pattern cannot be empty"));
    await expect(appendAllowPrefixRule(file, ["a\0b"])).rejects.toThrow("pattern tokens cannot contain NUL bytes");
    expect(existsSync(file)).toBe(false);
  });

  test("waits for a held lock, gives up with a clear error, and removes a stale one", async () => {
    const file = join(dir.name, "user.rules");
    writeFileSync(`${file}.lock`, "12345\n");
    await expect(appendAllowPrefixRule(file, ["ls"], { lockTimeoutMs: 100 })).rejects.toThrow(
      `cannot lock ${file}.lock: another writer holds it`,
    );
    expect(existsSync(file)).toBe(false);
    const longAgo = new Date(Date.now() - 3600_000);
    utimesSync(`${file}.lock`, longAgo, longAgo);
    expect(await appendAllowPrefixRule(file, ["ls"], { lockTimeoutMs: 100 })).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
