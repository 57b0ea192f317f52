// Shared measuring helpers for the benchmarks. Every benchmark compares our
// figure with a baseline measured in the same run, so machine speed cancels
// out of the ratio.

/** Median and spread (interquartile range relative to the median) of samples. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
  const median = at(0.5);
  return { median, spread: median === 0 ? 0 : (at(0.75) - at(0.25)) / median, samples: sorted.length };
}

/** Runs `fn` `count` times (after `warmup` untimed runs); returns each run's wall time in ms. */
export async function timeRuns(fn, { count = 10, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

/** Calls `fn` in a tight loop for about `ms` milliseconds, `rounds` times; returns operations per second of each round. */
export function rateRounds(fn, { ms = 200, rounds = 5 } = {}) {
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1_000_000n;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 100; i++) fn(i);
      ops += 100;
      now = process.hrtime.bigint();
    }
    rates.push(ops / (Number(now - start) / 1e9));
  }
  return rates;
}

/**
 * A row of the results table.
 * - name: what was measured
 * - ours / baseline: summaries (see `summarize`), in `unit`
 * - ratio: ours.median / baseline.median (null without a baseline)
 * - target: the goal from the specification, as text
 * - met: whether the target holds (null when not judged)
 * - notRun: the reason, when the benchmark could not run here
 */
export function row({ name, unit, ours, baseline = null, target, met = null, note = null }) {
  const ratio = baseline ? ours.median / baseline.median : null;
  return { name, unit, ours, baseline, ratio, target, met, note };
}

export function notRun(name, target, reason) {
  return { name, unit: null, ours: null, baseline: null, ratio: null, target, met: null, note: `not run: ${reason}` };
}
