// Ends every jest run with the plain summary line CI reads:
//   tests: N passed, N failed, N skipped
// preceded by one `skipped N: <reason>` line per reason. A test skipped on
// this host says why in its name, as `(skipped: <reason>)` (test/support/
// skip.ts adds it); a skip without one is listed by its full name, so no skip
// goes unseen. A suite that fails to load counts as one failure, so it cannot
// vanish.
const NOTE = "(skipped: ";

/** The reason in the first `(skipped: ...)` of `name` (reasons may hold parentheses), or null. */
function skipReason(name) {
  const start = name.indexOf(NOTE);
  if (start < 0) return null;
  let depth = 1;
  for (let i = start + NOTE.length; i < name.length; i++) {
    if (name[i] === "(") depth++;
    if (name[i] === ")" && --depth === 0) return name.slice(start + NOTE.length, i);
  }
  return null;
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const reasons = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== "pending" && test.status !== "todo") continue;
        const reason = skipReason(test.fullName) ?? test.fullName;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    const lines = [...reasons].map(([reason, count]) => `skipped ${count}: ${reason}`);
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    lines.push(`tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
    process.stdout.write(`\n${lines.join("\n")}\n`);
  }
}
module.exports = SummaryReporter;
