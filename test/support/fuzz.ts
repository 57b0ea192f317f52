/**
 * How hard the fuzz suites push, and from which seed. `npm test` runs a short,
 * bounded pass from a fixed seed, so a red run is red again on replay;
 * CORDON_FUZZ_RUNS=<n> runs n cases per property (e.g. 100000 for a long run)
 * and CORDON_FUZZ_SEED=<n> starts from another seed (CI adds one fresh seed
 * per run, and a failure there is replayed with the seed it prints).
 */
export const fuzzRuns = Number.parseInt(process.env.CORDON_FUZZ_RUNS ?? "", 10) || 200;

/** The seed of every run that names none. */
const FIXED_SEED = 20_261_206;

function seedFromEnvironment(text: string | undefined): number {
  if (text === undefined || text === "") return FIXED_SEED;
  const seed = Number(text);
  // fast-check seeds are 32-bit integers; anything else would be silently changed, and the replay would differ.
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31) {
    throw new Error(`CORDON_FUZZ_SEED must be a 32-bit integer, not ${JSON.stringify(text)}`);
  }
  return seed;
}

export const fuzzSeed = seedFromEnvironment(process.env.CORDON_FUZZ_SEED);
process.stderr.write(`fuzz: seed ${fuzzSeed}, ${fuzzRuns} runs per property (replay: CORDON_FUZZ_SEED=${fuzzSeed})\n`);

/** fast-check parameters: the seed and run count above, and a time bound so a run cannot hang the suite. */
export const fuzzParameters = { seed: fuzzSeed, numRuns: fuzzRuns, interruptAfterTimeLimit: fuzzRuns > 1000 ? 30 * 60_000 : 20_000 };
