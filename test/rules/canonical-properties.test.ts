/**
 * Property: global options never weaken a decision. For every shipped rule,
 * and for every shipped grammar (with a stand-in rule for its program), a
 * command that a rule decides keeps at least that decision when random valid
 * global options are put before its subcommand.
 */
import fc from "fast-check";
import {
  defaultRulesPath,
  evaluateCommand,
  loadPolicy,
  mergePolicies,
  parseRules,
  policyRules,
  shippedGrammars,
  type CommandGrammar,
  type Decision,
  type ExecPolicy,
  type PrefixRule,
} from "../../src/rules/index.js";

const STRICTNESS: (Decision | undefined)[] = [undefined, "allow", "prompt", "forbidden"];
const strictness = (decision: Decision | undefined) => STRICTNESS.indexOf(decision);

/** Any text without NUL: quotes, `=`, dashes, `--`, newlines, non-ASCII. */
const anyWord = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 6 }).filter((s) => !s.includes("\0")),
  fc.constantFrom("--", "-", "push", "-C", "=", "é", "a b", "+x"),
);

/** One valid global option of `grammar`, as the words it takes on a command line. */
function globalOption(grammar: CommandGrammar): fc.Arbitrary<string[]> {
  const choices: fc.Arbitrary<string[]>[] = [];
  if (grammar.flags.length > 0) {
    const flag = fc.constantFrom(...grammar.flags);
    choices.push(flag.map((name) => [name]));
  }
  if (grammar.optionsWithValue.length > 0) {
    const option = fc.constantFrom(...grammar.optionsWithValue);
    choices.push(fc.tuple(option, anyWord).map(([name, value]) => [name, value]));
    choices.push(fc.tuple(option, anyWord).map(([name, value]) => [`${name}=${value}`]));
    const short = grammar.optionsWithValue.filter((name) => /^-[A-Za-z0-9]$/.test(name));
    if (short.length > 0) {
      choices.push(fc.tuple(fc.constantFrom(...short), anyWord.filter((v) => v !== "")).map(([name, value]) => [`${name}${value}`]));
    }
  }
  if (grammar.flagPrefixes.length > 0) {
    choices.push(fc.tuple(fc.constantFrom(...grammar.flagPrefixes), anyWord.filter((v) => v !== "")).map(([prefix, v]) => [`${prefix}${v}`]));
  }
  return fc.oneof(...choices);
}

/** A command the rule matches as written: one alternative per pattern position, then any arguments. */
function matchedCommand(rule: PrefixRule): fc.Arbitrary<string[]> {
  const positions = rule.rest.map((token) => fc.constantFrom(...token));
  return fc
    .tuple(fc.tuple(...positions), fc.array(anyWord, { maxLength: 3 }))
    .map(([rest, extra]) => [rule.program, ...rest, ...extra]);
}

let shipped: ExecPolicy;
/** The shipped rules, plus a forbidding stand-in rule for each grammar's program. */
let policy: ExecPolicy;
beforeAll(async () => {
  shipped = await loadPolicy([defaultRulesPath]);
  const standIns = [...shippedGrammars().keys()]
    .map((program) => `prefix_rule(pattern = [${JSON.stringify(program)}, "stand-in-subcommand"], decision = "forbidden")`)
    .join("\n");
  policy = mergePolicies(shipped, parseRules(standIns, "stand-ins.rules"));
});

const runs = Number(process.env.CORDON_FUZZ_RUNS ?? 300);

test("every shipped rule that names a program with a grammar has its own trials", () => {
  const ruled = policyRules(shipped).filter((rule) => shippedGrammars().has(rule.program));
  expect(ruled.length).toBeGreaterThanOrEqual(15);
});

test("random valid global options before the subcommand never make a stricter decision weaker", () => {
  const rules = policyRules(policy).filter((rule) => shippedGrammars().has(rule.program));
  fc.assert(
    fc.property(
      fc.constantFrom(...rules).chain((rule) =>
        fc.tuple(
          matchedCommand(rule),
          fc.array(globalOption(shippedGrammars().get(rule.program)!), { minLength: 1, maxLength: 4 }),
          fc.boolean(),
        ),
      ),
      ([command, options, absolute]) => {
        const program = absolute ? `/usr/bin/${command[0]}` : command[0]!;
        const plain = [program, ...command.slice(1)];
        const withOptions = [program, ...options.flat(), ...command.slice(1)];
        const evaluateOptions = { resolveHostExecutables: true };
        const before = evaluateCommand(policy, plain, evaluateOptions).decision;
        const after = evaluateCommand(policy, withOptions, evaluateOptions).decision;
        expect(before).toBeDefined();
        expect(strictness(after)).toBeGreaterThanOrEqual(strictness(before));
      },
    ),
    { numRuns: runs },
  );
});
