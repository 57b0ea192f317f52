// Confirms Stryker's survivors by hand (`npm run mutate:confirm`).
//
// Stryker activates a mutant only while the tests it saw covering it run.
// Code that also runs outside a test (a rules file loaded in `beforeAll`, a
// grammar read once and kept) makes the mutant "hybrid", and such mutants are
// reported as surviving even where the tests fail on them. This script takes
// each survivor of a report, writes the mutant into the source, runs the unit
// tests of the mutated modules (the test files of stryker.conf.mjs), and puts
// the source back. Only a mutant no test notices is reported as surviving, and
// the score is counted again.
//
//   node scripts/confirm-mutants.js [report.json]   default: reports/mutation/mutation.json
// Results go to reports/mutation/confirmed.json.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const report = process.argv[2] ?? join(root, "reports", "mutation", "mutation.json");
const { default: stryker } = await import(join(root, "stryker.conf.mjs"));
const testMatch = stryker.jest.config.testMatch.map((pattern) => pattern.replace("<rootDir>", root));

/** The offset of a report position (line and column both count from 1). */
function offsetOf(text, { line, column }) {
  let offset = 0;
  for (let i = 1; i < line; i++) offset = text.indexOf("\n", offset) + 1;
  return offset + column - 1;
}

/** True when the unit tests fail, or do not finish, with `mutated` in place of `file`'s source. */
function testsNotice(file, original, mutated) {
  writeFileSync(file, mutated);
  try {
    const run = spawnSync(
      process.execPath,
      ["--experimental-vm-modules", "--no-warnings", "node_modules/jest/bin/jest.js", "--bail", "--silent", "--testMatch", ...testMatch],
      { cwd: root, encoding: "utf8", timeout: 180_000 },
    );
    return run.status !== 0;
  } finally {
    writeFileSync(file, original);
  }
}

const { files } = JSON.parse(readFileSync(report, "utf8"));
const results = {};
let detected = 0;
let undetected = 0;
for (const [name, { source, mutants }] of Object.entries(files)) {
  const file = join(root, name);
  const original = readFileSync(file, "utf8");
  if (source !== original) {
    console.log(`skipped   ${name}: changed since the report; run Stryker on it again`);
    continue;
  }
  const survivors = [];
  for (const mutant of mutants) {
    if (mutant.status === "Killed" || mutant.status === "Timeout") detected += 1;
    if (mutant.status !== "Survived" && mutant.status !== "NoCoverage") continue;
    const start = offsetOf(original, mutant.location.start);
    const end = offsetOf(original, mutant.location.end);
    const mutated = original.slice(0, start) + mutant.replacement + original.slice(end);
    const where = `${name}:${mutant.location.start.line}:${mutant.location.start.column}`;
    if (testsNotice(file, original, mutated)) {
      detected += 1;
      console.log(`killed    ${where} ${mutant.mutatorName}`);
    } else {
      undetected += 1;
      survivors.push({ where, mutator: mutant.mutatorName, was: original.slice(start, end), replacement: mutant.replacement });
      console.log(`survived  ${where} ${mutant.mutatorName}: ${JSON.stringify(original.slice(start, end))} -> ${JSON.stringify(mutant.replacement)}`);
    }
  }
  results[name] = survivors;
}
const score = (100 * detected) / (detected + undetected);
console.log(`confirmed: ${detected} detected, ${undetected} survived, score ${score.toFixed(1)}%`);
writeFileSync(join(root, "reports", "mutation", "confirmed.json"), JSON.stringify({ score, detected, undetected, survivors: results }, null, 2));
