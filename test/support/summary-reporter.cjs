// Ends every jest run with the plain summary line CI reads:
//   tests: N passed, N failed[, N skipped]
// A suite that fails to load counts as one failure, so it cannot vanish.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : "");
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
