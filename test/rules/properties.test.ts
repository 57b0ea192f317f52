import fc from "fast-check";
import { RulesError } from "../../src/errors.js";
import {
  evaluate,
  mergePolicies,
  parseRules,
  policyFromJson,
  printRules,
  splitShellWords,
  type Decision,
  type PrefixRuleDefinition,
  type RulesDocument,
} from "../../src/rules/index.js";

const DECISION_ORDER: (Decision | undefined)[] = [undefined, "allow", "prompt", "forbidden"];

/** Any well-formed text without NUL, including quotes, brackets, newlines and non-ASCII. */
const anyText = fc.string({ unit: "grapheme", maxLength: 8 }).filter((s) => !s.includes("\0"));
/** A few recurring words, so that generated commands often hit generated rules. */
const commonWord = fc.constantFrom("git", "push", "-f", "rm", "a", "b", "--", "é", "x y");
const token = fc.oneof({ arbitrary: commonWord, weight: 3 }, { arbitrary: anyText, weight: 1 });
const patternToken = fc.oneof(token, fc.array(token, { minLength: 1, maxLength: 3 }));
const decision = fc.constantFrom<Decision>("allow", "prompt", "forbidden");

/** Single-quotes a word for a POSIX shell. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A rule with match examples built from its own pattern, as strings or token lists. */
const prefixRule: fc.Arbitrary<PrefixRuleDefinition> = fc
  .record(
    {
      pattern: fc.array(patternToken, { minLength: 1, maxLength: 4 }),
      decision,
      justification: anyText.filter((s) => s.trim() !== ""),
      exampleAsString: fc.boolean(),
      extra: fc.array(anyText, { maxLength: 2 }),
    },
    { requiredKeys: ["pattern", "exampleAsString", "extra"] },
  )
  .map(({ pattern, exampleAsString, extra, ...rest }) => {
    const example = [...pattern.map((t) => (typeof t === "string" ? t : t[t.length - 1]!)), ...extra];
    return { pattern, ...rest, match: [exampleAsString ? example.map(shellQuote).join(" ") : example] };
  });

const bareName = fc.oneof(commonWord, anyText).filter((s) => s !== "" && s !== "." && s !== ".." && !s.includes("/"));
const hostExecutable = bareName.chain((name) =>
  fc.record({
    name: fc.constant(name),
    paths: fc.array(
      fc.array(bareName, { maxLength: 2 }).map((dirs) => `/${[...dirs, name].join("/")}`),
      { maxLength: 3 },
    ),
  }),
);

const rulesDocument: fc.Arbitrary<RulesDocument> = fc.record({
  prefixRules: fc.array(prefixRule, { maxLength: 5 }),
  hostExecutables: fc.array(hostExecutable, { maxLength: 2 }),
});

const command = fc.tuple(
  fc.oneof(commonWord, commonWord.map((word) => `/usr/bin/${word}`)),
  fc.array(fc.oneof({ arbitrary: commonWord, weight: 4 }, { arbitrary: anyText, weight: 1 }), { maxLength: 4 }),
).map(([program, args]) => [program, ...args]);

describe("rules properties", () => {
  test("parsing printed rules gives the same policy as the JSON form", () => {
    fc.assert(
      fc.property(rulesDocument, (document) => {
        const text = printRules(document);
        expect(parseRules(text, "printed.rules")).toEqual(policyFromJson(document));
      }),
      { numRuns: 300 },
    );
  });

  test("adding a rule never makes a decision weaker", () => {
    fc.assert(
      fc.property(
        rulesDocument,
        prefixRule.filter((rule) => [rule.pattern[0]].flat().every((program) => !program!.startsWith("/"))),
        command,
        fc.boolean(),
        (document, added, cmd, resolveHostExecutables) => {
          const policy = policyFromJson(document);
          const extended = mergePolicies(policy, policyFromJson({ prefixRules: [added] }));
          const before = evaluate(policy, cmd, { resolveHostExecutables }).decision;
          const after = evaluate(extended, cmd, { resolveHostExecutables }).decision;
          expect(DECISION_ORDER.indexOf(after)).toBeGreaterThanOrEqual(DECISION_ORDER.indexOf(before));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("a rule always matches the commands its pattern describes", () => {
    fc.assert(
      fc.property(prefixRule, fc.array(anyText, { maxLength: 3 }), (rule, extra) => {
        const policy = policyFromJson({ prefixRules: [rule] });
        const cmd = [...rule.pattern.map((t) => (typeof t === "string" ? t : t[0]!)), ...extra];
        expect(evaluate(policy, cmd).decision).toBe(rule.decision ?? "allow");
      }),
    );
  });

  test("shell-quoted words split back to themselves", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { maxLength: 6 }), (words) => {
        expect(splitShellWords(words.map(shellQuote).join(" \t"))).toEqual(words);
      }),
    );
  });

  test("arbitrary text either parses or fails with a RulesError", () => {
    const fragments = fc.constantFrom("prefix_rule", "host_executable", "(", ")", "[", "]", ",", "=", '"', "'", "\\", "\n", " ", "pattern", "#", '"""', "x");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fragments).map((parts) => parts.join(""))), (text) => {
        try {
          parseRules(text, "fuzz.rules");
        } catch (error) {
          expect(error).toBeInstanceOf(RulesError);
          expect((error as RulesError).message).toMatch(/^fuzz\.rules:\d+:\d+: /);
        }
      }),
      { numRuns: 500 },
    );
  });
});
