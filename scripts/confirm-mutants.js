// Confirms a Stryker report by hand (`npm run mutate:confirm`).
//
// Stryker activates a mutant only while the tests it saw covering it run.
// Code that also runs outside a test (a rules file loaded in `beforeAll`, a
// grammar read once and kept) makes the mutant "hybrid", and such mutants can
// be reported as surviving where the tests fail on them. A mutant can also be
// reported as timed out only because a small, busy machine ran its tests
// slowly. This script writes each such mutant into the source, runs the unit
// tests that import the mutated file (the test files of stryker.conf.mjs, as
// Stryker picks them), and puts the source back: a mutant is detected when a
// test fails or the tests do not finish within three minutes.
//
//   node scripts/confirm-mutants.js [report.json]   survivors (default report: reports/mutation/mutation.json)
//   ... --timeouts                                  timed-out mutants too
//   ... --sample N                                  N of the timed-out mutants, picked evenly
// Results go to reports/mutation/confirmed.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const sampleIndex = args.indexOf("--sample");
const sample = sampleIndex === -1 ? Infinity : Number(args[sampleIndex + 1]);
const report = args.find((arg, i) => !arg.startsWith("--") && (sampleIndex === -1 || i !== sampleIndex + 1)) ?? join(root, "reports", "mutation", "mutation.json");
const checkTimeouts = flag("--timeouts") || sampleIndex !== -1;
const { default: stryker } = await import(join(root, "stryker.conf.mjs"));
const testMatch = stryker.jest.config.testMatch.map((pattern) => pattern.replace("<rootDir>", root));

/** The offset of a report position (line and column both count from 1). */
function offsetOf(text, { line, column }) {
  let offset = 0;
  for (let i = 1; i < line; i++) offset = text.indexOf("\n", offset) + 1;
  return offset + column - 1;
}

/** "failed" or "hung" when the unit tests notice `mutated` in place of `file`'s source, null when they pass. */
function testsNotice(file, original, mutated) {
  writeFileSync(file, mutated);
  try {
    const jest = ["node_modules/jest/bin/jest.js", "--bail", "--silent", "--findRelatedTests", file, "--testMatch", ...testMatch];
    const run = spawnSync(process.execPath, ["--experimental-vm-modules", "--no-warnings", ...jest], {
      cwd: root,
      encoding: "utf8",
      timeout: 180_000,
      killSignal: "SIGKILL",
    });
    if (run.error?.code === "ETIMEDOUT") return "hung";
    return run.status === 0 ? null : "failed";
  } finally {
    writeFileSync(file, original);
  }
}

const { files } = JSON.parse(readFileSync(report, "utf8"));
const counts = { detected: 0, undetected: 0, timeoutsChecked: 0, timeoutsFalse: 0, timeoutsUnchecked: 0 };
const timedOut = Object.values(files).flatMap(({ mutants }) => mutants.filter((mutant) => mutant.status === "Timeout"));
const step = Number.isFinite(sample) && sample > 0 ? Math.max(1, Math.floor(timedOut.length / sample)) : 1;
const sampled = new Set(checkTimeouts ? timedOut.filter((_, i) => i % step === 0).slice(0, sample) : []);
const survivors = {};
for (const [name, { source, mutants }] of Object.entries(files)) {
  const file = join(root, name);
  const original = readFileSync(file, "utf8");
  if (source !== original) {
    console.log(`skipped   ${name}: changed since the report; run Stryker on it again`);
    continue;
  }
  survivors[name] = [];
  for (const mutant of mutants) {
    const isTimeout = mutant.status === "Timeout";
    if (mutant.status === "Killed" || (isTimeout && !sampled.has(mutant))) {
      counts.detected += 1;
      if (isTimeout) counts.timeoutsUnchecked += 1;
      continue;
    }
    if (mutant.status !== "Survived" && mutant.status !== "NoCoverage" && !isTimeout) continue;
    const start = offsetOf(original, mutant.location.start);
    const end = offsetOf(original, mutant.location.end);
    const mutated = original.slice(0, start) + mutant.replacement + original.slice(end);
    const where = `${name}:${mutant.location.start.line}:${mutant.location.start.column}`;
    const noticed = testsNotice(file, original, mutated);
    if (isTimeout) counts.timeoutsChecked += 1;
    if (noticed !== null) {
      counts.detected += 1;
      console.log(`${noticed.padEnd(9)} ${where} ${mutant.mutatorName}${isTimeout ? " (timed out under Stryker)" : ""}`);
    } else {
      counts.undetected += 1;
      if (isTimeout) counts.timeoutsFalse += 1;
      survivors[name].push({ where, mutator: mutant.mutatorName, was: original.slice(start, end), replacement: mutant.replacement });
      console.log(`survived  ${where} ${mutant.mutatorName}: ${JSON.stringify(original.slice(start, end))} -> ${JSON.stringify(mutant.replacement)}`);
    }
  }
}
const score = (100 * counts.detected) / (counts.detected + counts.undetected);
console.log(
  `confirmed: ${counts.detected} detected, ${counts.undetected} survived, score ${score.toFixed(1)}%; ` +
    `timed-out mutants: ${counts.timeoutsChecked} checked (${counts.timeoutsFalse} survived), ${counts.timeoutsUnchecked} counted as detected unchecked`,
);
mkdirSync(join(root, "reports", "mutation"), { recursive: true });
writeFileSync(join(root, "reports", "mutation", "confirmed.json"), JSON.stringify({ score, ...counts, survivors }, null, 2));
