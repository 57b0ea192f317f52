import { writeFileSync } from "node:fs";
import { join } from "node:path";
import tmp from "tmp";
import { RulesError } from "../../src/errors.js";
import {
  evaluate,
  expectPolicy,
  formatRulesTestReport,
  loadPolicy,
  parseRules,
  policyFromJson,
  rulesJsonSchema,
  testRulesFiles,
} from "../../src/rules/index.js";
import { parseError, rulesError } from "./support.js";

let dir: tmp.DirResult;
beforeAll(() => {
  dir = tmp.dirSync({ unsafeCleanup: true, prefix: "cordon-rules-" });
});
afterAll(() => dir.removeCallback());

/** The message of what `fn` throws, to compare whole. */
const thrownMessage = (fn: () => unknown): string => rulesError(fn).message;

function writeRules(name: string, text: string): string {
  const file = join(dir.name, name);
  writeFileSync(file, text);
  return file;
}

describe("matching", () => {
  test("alternatives in the first token become one rule per program", () => {
    const policy = parseRules('prefix_rule(pattern = [["bash", "sh"], ["-c", "-l"]], decision = "prompt")', "alt.rules");
    expect([...policy.rulesByProgram.keys()]).toEqual(["bash", "sh"]);
    expect(evaluate(policy, ["bash", "-c", "echo", "hi"])).toEqual({
      matchedRules: [{ prefixRuleMatch: { matchedPrefix: ["bash", "-c"], decision: "prompt" } }],
      decision: "prompt",
    });
    expect(evaluate(policy, ["sh", "-l"]).decision).toBe("prompt");
    expect(evaluate(policy, ["zsh", "-c"]).matchedRules).toEqual([]);
  });

  test("alternatives in later tokens match any one of them, position by position", () => {
    const policy = parseRules('prefix_rule(pattern = ["npm", ["i", "install"], ["--legacy-peer-deps", "--no-save"]])', "npm.rules");
    expect(evaluate(policy, ["npm", "i", "--legacy-peer-deps"]).matchedRules).toEqual([
      { prefixRuleMatch: { matchedPrefix: ["npm", "i", "--legacy-peer-deps"], decision: "allow" } },
    ]);
    expect(evaluate(policy, ["npm", "install", "--no-save", "leftpad"]).decision).toBe("allow");
    expect(evaluate(policy, ["npm", "install"]).decision).toBeUndefined();
    expect(evaluate(policy, ["npm", "--no-save", "install"]).decision).toBeUndefined();
  });

  test("tokens are exact: no globs, no case folding, no partial words", () => {
    const policy = parseRules('prefix_rule(pattern = ["git", "st*"], decision = "forbidden")', "exact.rules");
    expect(evaluate(policy, ["git", "status"]).decision).toBeUndefined();
    expect(evaluate(policy, ["git", "st*"]).decision).toBe("forbidden");
    expect(evaluate(policy, ["Git", "st*"]).decision).toBeUndefined();
    expect(evaluate(policy, ["git"]).decision).toBeUndefined();
    expect(evaluate(policy, []).matchedRules).toEqual([]);
  });

  test("every matching rule is reported and the strictest decision wins", () => {
    const policy = parseRules(
      [
        'prefix_rule(pattern = ["git"], decision = "prompt")',
        'prefix_rule(pattern = ["git", "commit"], decision = "forbidden", justification = "no commits here")',
        'prefix_rule(pattern = ["git", "commit", "-m"])',
      ].join("\n"),
      "strict.rules",
    );
    expect(evaluate(policy, ["git", "commit", "-m", "hi"])).toEqual({
      matchedRules: [
        { prefixRuleMatch: { matchedPrefix: ["git"], decision: "prompt" } },
        { prefixRuleMatch: { matchedPrefix: ["git", "commit"], decision: "forbidden", justification: "no commits here" } },
        { prefixRuleMatch: { matchedPrefix: ["git", "commit", "-m"], decision: "allow" } },
      ],
      decision: "forbidden",
    });
  });

  test("strictest wins across files, whatever their order", async () => {
    const lenient = writeRules("lenient.rules", 'prefix_rule(pattern = ["git", "push"], decision = "allow")\n');
    const strict = writeRules("strict.rules", 'prefix_rule(pattern = ["git"], decision = "prompt")\n');
    const forbidding = writeRules("forbid.rules", 'prefix_rule(pattern = ["git", "push", "--force"], decision = "forbidden")\n');
    for (const files of [
      [lenient, strict, forbidding],
      [forbidding, strict, lenient],
    ]) {
      const policy = await loadPolicy(files);
      expect(policy.ruleCount).toBe(3);
      expect(evaluate(policy, ["git", "push", "origin"]).decision).toBe("prompt");
      expect(evaluate(policy, ["git", "push", "--force"]).decision).toBe("forbidden");
      expect(evaluate(policy, ["git", "push", "--force"]).matchedRules).toHaveLength(3);
    }
  });

  test("rules are indexed by program", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `prefix_rule(pattern = ["tool${i}", "run"], decision = "prompt")`);
    const policy = parseRules(lines.join("\n"), "many.rules");
    expect(policy.rulesByProgram.size).toBe(50);
    expect(policy.rulesByProgram.get("tool7")).toHaveLength(1);
    expect(evaluate(policy, ["tool7", "run"]).decision).toBe("prompt");
  });
});

describe("the basename fallback for absolute programs", () => {
  const rules = 'prefix_rule(pattern = ["git", "status"], decision = "prompt")\n';

  test("an empty command matches nothing, with or without the fallback", () => {
    const policy = parseRules(rules, "fallback.rules");
    expect(evaluate(policy, [], { resolveHostExecutables: true })).toStrictEqual({ matchedRules: [] });
  });

  test("rules for the absolute path that do not match leave the fallback open", () => {
    const policy = parseRules(`${rules}prefix_rule(pattern = ["/usr/bin/git", "push"], decision = "forbidden")\n`, "both.rules");
    expect(evaluate(policy, ["/usr/bin/git", "status"], { resolveHostExecutables: true })).toStrictEqual({
      matchedRules: [{ prefixRuleMatch: { matchedPrefix: ["git", "status"], decision: "prompt", resolvedProgram: "/usr/bin/git" } }],
      decision: "prompt",
    });
  });

  test("a match names no resolvedProgram or justification it does not have (not even as undefined)", () => {
    const policy = parseRules(rules, "fallback.rules");
    const [match] = evaluate(policy, ["git", "status"], { resolveHostExecutables: true }).matchedRules;
    expect(Object.keys(match!.prefixRuleMatch)).toEqual(["matchedPrefix", "decision"]);
  });

  test("without host_executable, any absolute path falls back to the basename's rules, when asked to", () => {
    const policy = parseRules(rules, "fallback.rules");
    expect(evaluate(policy, ["/usr/bin/git", "status"]).matchedRules).toEqual([]);
    expect(evaluate(policy, ["/usr/bin/git", "status"], { resolveHostExecutables: true })).toEqual({
      matchedRules: [
        { prefixRuleMatch: { matchedPrefix: ["git", "status"], decision: "prompt", resolvedProgram: "/usr/bin/git" } },
      ],
      decision: "prompt",
    });
    expect(evaluate(policy, ["bin/git", "status"], { resolveHostExecutables: true }).matchedRules).toEqual([]);
  });

  test("host_executable limits the fallback to the listed paths (normalised)", () => {
    const policy = parseRules(`${rules}host_executable(name = "git", paths = ["/usr/bin/git", "/opt/homebrew/bin/git"])`, "hosts.rules");
    const resolve = { resolveHostExecutables: true };
    expect(evaluate(policy, ["/usr/bin/git", "status"], resolve).decision).toBe("prompt");
    expect(evaluate(policy, ["/usr/bin/../bin/git", "status"], resolve).matchedRules[0]?.prefixRuleMatch.resolvedProgram).toBe(
      "/usr/bin/git",
    );
    expect(evaluate(policy, ["/tmp/evil/git", "status"], resolve).matchedRules).toEqual([]);
  });

  test("an empty paths list blocks the fallback", () => {
    const policy = parseRules(`${rules}host_executable(name = "git", paths = [])`, "blocked.rules");
    expect(evaluate(policy, ["/usr/bin/git", "status"], { resolveHostExecutables: true }).matchedRules).toEqual([]);
    expect(evaluate(policy, ["git", "status"], { resolveHostExecutables: true }).decision).toBe("prompt");
  });

  test("an exact rule for the absolute path wins over the fallback", () => {
    const policy = parseRules(`${rules}prefix_rule(pattern = ["/usr/bin/git"])`, "exact.rules");
    expect(evaluate(policy, ["/usr/bin/git", "status"], { resolveHostExecutables: true })).toEqual({
      matchedRules: [{ prefixRuleMatch: { matchedPrefix: ["/usr/bin/git"], decision: "allow" } }],
      decision: "allow",
    });
  });

  test("a later file's host_executable replaces an earlier one", async () => {
    const first = writeRules("hosts-1.rules", `${rules}host_executable(name = "git", paths = ["/usr/bin/git"])\n`);
    const second = writeRules("hosts-2.rules", 'host_executable(name = "git", paths = ["/opt/bin/git"])\n');
    const policy = await loadPolicy([first, second]);
    expect(policy.hostExecutables.get("git")).toEqual(["/opt/bin/git"]);
    expect(evaluate(policy, ["/usr/bin/git", "status"], { resolveHostExecutables: true }).matchedRules).toEqual([]);
    expect(evaluate(policy, ["/opt/bin/git", "status"], { resolveHostExecutables: true }).decision).toBe("prompt");
  });
});

describe("examples", () => {
  test("passing examples load, and count", () => {
    const policy = parseRules(
      'prefix_rule(pattern = ["git", "status"], match = [["git", "status"], "git status --short"], not_match = ["git log status"])',
      "examples.rules",
    );
    expect(policy.exampleCount).toBe(3);
  });

  test("a match example that does not match names the rule and the example", () => {
    expect(() =>
      parseRules('prefix_rule(\n    pattern = ["git", "push"],\n    decision = "prompt",\n    match = ["git pull"],\n)', "m.rules"),
    ).toThrow(
      new RulesError('m.rules:4:13: match example "git pull" does not match prefix_rule(pattern = ["git", "push"], decision = "prompt")'),
    );
  });

  test("a not_match example that matches names the rule and the example", () => {
    expect(() =>
      parseRules('prefix_rule(pattern = [["git", "hub"], "push"], not_match = [["hub", "push", "-f"]])', "n.rules"),
    ).toThrow(
      new RulesError(
        'n.rules:1:61: not_match example ["hub", "push", "-f"] matches prefix_rule(pattern = [["git", "hub"], "push"], decision = "allow")',
      ),
    );
  });

  test("every failing example of every rule is reported, one problem each, the message one per line", () => {
    const error = parseError('prefix_rule(pattern = ["a"], match = ["b"])\nprefix_rule(pattern = ["c"], match = ["d"], not_match = ["c x"])', "two.rules");
    const problems = [
      'two.rules:1:38: match example "b" does not match prefix_rule(pattern = ["a"], decision = "allow")',
      'two.rules:2:57: not_match example "c x" matches prefix_rule(pattern = ["c"], decision = "allow")',
      'two.rules:2:38: match example "d" does not match prefix_rule(pattern = ["c"], decision = "allow")',
    ];
    expect(error.problems).toEqual(problems);
    expect(error.message).toBe(problems.join("\n"));
  });

  test("examples use the basename fallback, limited by host_executable", () => {
    const rule = 'prefix_rule(pattern = ["git"], match = ["/usr/bin/git status"])';
    expect(parseRules(rule, "ok.rules").exampleCount).toBe(1);
    expect(() => parseRules(`${rule}\nhost_executable(name = "git", paths = ["/opt/bin/git"])`, "x.rules")).toThrow(
      'x.rules:1:40: match example "/usr/bin/git status" does not match',
    );
  });

  test("a file whose examples fail does not load, and policy test reports it while the others pass", async () => {
    const good = writeRules("good.rules", 'prefix_rule(pattern = ["ls"], match = ["ls -l"])\n');
    const bad = writeRules("bad.rules", 'prefix_rule(pattern = ["ls"], not_match = ["ls -l"])\n');
    await expect(loadPolicy([good, bad])).rejects.toThrow(`${bad}:1:43: not_match example "ls -l" matches`);
    const reports = await testRulesFiles([good, bad, join(dir.name, "missing.rules")]);
    expect(reports.map((report) => [report.failures.length === 0, report.rules, report.examples])).toEqual([
      [true, 1, 1],
      [false, 0, 0],
      [false, 0, 0],
    ]);
    expect(reports[2]!.failures.join("\n")).toContain("cannot read rules file");
  });

  test("each file counts its own rules and examples; the report has a line per file or failure and a summary", async () => {
    const first = writeRules("first.rules", 'prefix_rule(pattern = ["ls"], match = ["ls -l"])\n');
    const second = writeRules("second.rules", 'prefix_rule(pattern = ["cat"], match = ["cat x", "cat y"])\nprefix_rule(pattern = ["pwd"])\n');
    const bad = writeRules("bad2.rules", 'prefix_rule(pattern = ["ls"], not_match = ["ls -l"])\n');
    const reports = await testRulesFiles([first, second, bad]);
    expect(reports.map((report) => [report.rules, report.examples])).toEqual([[1, 1], [2, 2], [0, 0]]);
    const lines = formatRulesTestReport(reports).split("\n");
    expect(lines.slice(0, 2)).toEqual([`ok    ${first}: 1 rules, 1 examples`, `ok    ${second}: 2 rules, 2 examples`]);
    expect(lines[2]).toMatch(new RegExp(`^FAIL  ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:43: not_match example "ls -l" matches`));
    expect(lines.slice(3)).toEqual(["1 of 3 rules files fail (1 failure)", ""]);
    expect(formatRulesTestReport(reports.slice(0, 2))).toBe(`ok    ${first}: 1 rules, 1 examples\nok    ${second}: 2 rules, 2 examples\nall 2 rules files pass\n`);
    const twice = [{ file: "x", failures: ["a", "b"], rules: 0, examples: 0 }];
    expect(formatRulesTestReport(twice)).toBe("FAIL  a\nFAIL  b\n1 of 1 rules files fail (2 failures)\n");
  });
});

describe("evaluation JSON", () => {
  const policy = () => parseRules('prefix_rule(pattern = ["git", ["push", "fetch"]], decision = "prompt", justification = "talks to remotes")', "j.rules");

  test("a match has matchedRules and the decision (Codex's shape)", () => {
    expect(JSON.stringify(evaluate(policy(), ["git", "push", "origin"]))).toBe(
      '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","push"],"decision":"prompt","justification":"talks to remotes"}}],"decision":"prompt"}',
    );
  });

  test("no match is an empty matchedRules and no decision", () => {
    expect(JSON.stringify(evaluate(policy(), ["git", "status"]))).toBe('{"matchedRules":[]}');
  });
});

describe("the JSON form", () => {
  test("builds the same policy as the text form", () => {
    const fromJson = policyFromJson({
      prefixRules: [{ pattern: ["git", ["push", "fetch"]], decision: "prompt", match: ["git push"], notMatch: [["git", "status"]] }],
      hostExecutables: [{ name: "git", paths: ["/usr/bin/git"] }],
    });
    const fromText = parseRules(
      'prefix_rule(pattern = ["git", ["push", "fetch"]], decision = "prompt", match = ["git push"], not_match = [["git", "status"]])\n' +
        'host_executable(name = "git", paths = ["/usr/bin/git"])',
      "same.rules",
    );
    expect(fromJson).toEqual(fromText);
  });

  test("shape errors name the field, meaning errors name the rule", () => {
    expect(() => policyFromJson({ prefixRules: [{ pattern: ["ls"], decison: "allow" }] }, "host.json")).toThrow(
      /^host\.json: prefixRules\[0\]: Unrecognized key/,
    );
    expect(() => policyFromJson({ prefixRules: [{ pattern: [] }] }, "host.json")).toThrow(
      new RulesError("host.json: prefixRules[0].pattern: invalid pattern element: pattern cannot be empty"),
    );
    expect(thrownMessage(() => policyFromJson({ prefixRules: [{ pattern: "ls" }] }, "host.json"))).toBe(
      "host.json: prefixRules[0].pattern: must be a list",
    );
    expect(thrownMessage(() => policyFromJson({ prefixRules: [{ pattern: ["ls"], decision: "yes" }] }, "host.json"))).toBe(
      'host.json: prefixRules[0].decision: must be "allow", "prompt" or "forbidden"',
    );
    expect(() => policyFromJson({ prefixRules: [{ pattern: ["ls"], match: ["pwd"] }] }, "host.json")).toThrow(
      'host.json: prefixRules[0].match: match example "pwd" does not match',
    );
    expect(() => policyFromJson([], "host.json")).toThrow(RulesError);
  });

  test("JSON rules files load with the others", async () => {
    const json = writeRules("host.json", JSON.stringify({ prefixRules: [{ pattern: ["make"], decision: "prompt" }] }));
    const text = writeRules("more.rules", 'prefix_rule(pattern = ["make", "install"], decision = "forbidden")\n');
    const policy = await loadPolicy([json, text]);
    expect(evaluate(policy, ["make", "install"]).decision).toBe("forbidden");
    const broken = writeRules("broken.json", "{");
    await expect(loadPolicy([broken])).rejects.toThrow(`${broken}: not valid JSON`);
  });

  test("its JSON Schema describes every kind of definition", () => {
    const schema = rulesJsonSchema() as { type: string; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.type).toBe("object");
    expect(Object.keys(schema.properties)).toEqual(["prefixRules", "hostExecutables", "networkRules", "commandGrammars"]);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).toContain('"notMatch"');
  });
});

describe("expectPolicy", () => {
  const policy = () => parseRules('prefix_rule(pattern = ["git", "push"], decision = "prompt")', "e.rules");

  test("passes when the decision is the expected one", () => {
    expectPolicy(policy()).toDecide(["git", "push"], "prompt");
    expectPolicy(policy()).toDecide(["/usr/bin/git", "push"], "prompt");
    expectPolicy(policy()).toDecide(["git", "status"], "none");
  });

  test("throws a readable error otherwise", () => {
    expect(() => expectPolicy(policy()).toDecide(["git", "push", "-f"], "forbidden")).toThrow(
      'expected the policy to decide "forbidden" for ["git","push","-f"], but it decided "prompt" (matched: ["git","push"] -> prompt)',
    );
    expect(() => expectPolicy(policy()).toDecide(["ls"], "allow")).toThrow('but it decided "none" (no rule matched)');
    expect(() => expectPolicy(policy(), { resolveHostExecutables: false }).toDecide(["/usr/bin/git", "push"], "prompt")).toThrow(
      'but it decided "none"',
    );
  });
});
