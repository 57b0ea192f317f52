// Ends every jest run with the plain summary line CI reads:
//   tests: N passed, N failed[, N skipped]
// preceded by one `skipped: <full test name>` line per skipped test, so a
// skip is always visible with its reason (suites that skip on a host without
// a feature say why in their names). A suite that fails to load counts as one
// failure, so it cannot vanish.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const lines = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === "pending" || test.status === "todo") lines.push(`skipped: ${test.fullName}`);
      }
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    lines.push(`tests: ${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
    process.stdout.write(`\n${lines.join("\n")}\n`);
  }
}
module.exports = SummaryReporter;
