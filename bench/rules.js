// Exec-policy evaluation speed: a 1,000-rule policy against a 10-rule one, in
// the same run. Rules are indexed by program, so the two should be close.
import { evaluate, policyFromJson } from "../dist/index.js";
import { rateRounds, row, summarize } from "./lib.js";

const SUBCOMMANDS = ["push", "reset", "clean", "publish"];

/** `programs` programs with one rule per subcommand (the last program may get fewer), `count` rules in all. */
function policyOf(count, programs) {
  const prefixRules = [];
  for (let i = 0; prefixRules.length < count; i++) {
    const program = `tool${i % programs}`;
    const sub = SUBCOMMANDS[Math.floor(i / programs) % SUBCOMMANDS.length];
    prefixRules.push({ pattern: [program, sub, ["--force", "-f"]], decision: i % 3 === 0 ? "forbidden" : "prompt" });
  }
  return policyFromJson({ prefixRules });
}

/** A fixed mix: half match a rule, a quarter name a known program but match nothing, a quarter name no program. */
function commandsFor(programs, absolute) {
  const commands = [];
  for (let i = 0; i < 64; i++) {
    const program = `${absolute ? "/usr/bin/" : ""}tool${(i * 7) % programs}`;
    if (i % 4 < 2) commands.push([program, SUBCOMMANDS[i % SUBCOMMANDS.length], "-f", "origin", "main"]);
    else if (i % 4 === 2) commands.push([program, "status", "--short"]);
    else commands.push([`unknown${i}`, "status"]);
  }
  return commands;
}

function measure(policy, commands, options) {
  let matched = 0;
  const rates = rateRounds((i) => {
    matched += evaluate(policy, commands[i & 63], options).matchedRules.length;
  });
  if (matched === 0) throw new Error("the benchmark commands matched nothing");
  return summarize(rates);
}

export async function run() {
  const large = policyOf(1000, 250);
  const small = policyOf(10, 3);
  const rows = [];
  for (const [label, absolute, options] of [
    ["exact programs", false, undefined],
    ["absolute programs, basename fallback", true, { resolveHostExecutables: true }],
  ]) {
    const ours = measure(large, commandsFor(250, absolute), options);
    const baseline = measure(small, commandsFor(3, absolute), options);
    rows.push(
      row({
        name: `rules: evaluate, 1,000-rule vs 10-rule policy (${label})`,
        unit: "evaluations/s",
        ours,
        baseline,
        target: ">= 1,000,000/s",
        met: ours.median >= 1_000_000,
      }),
    );
  }
  return rows;
}
