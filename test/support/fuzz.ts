/**
 * How hard the fuzz suites push. `npm test` runs a short, bounded pass;
 * CORDON_FUZZ_RUNS=<n> runs n cases per property (e.g. 100000 for a long run).
 */
export const fuzzRuns = Number.parseInt(process.env.CORDON_FUZZ_RUNS ?? "", 10) || 200;

/** fast-check parameters: the run count above, and a time bound so a run cannot hang the suite. */
export const fuzzParameters = { numRuns: fuzzRuns, interruptAfterTimeLimit: fuzzRuns > 1000 ? 30 * 60_000 : 20_000 };
