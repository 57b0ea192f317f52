// CLI start-up (SPEC §9: `cordon shell -c true` and `cordon run -- true`
// cost <= 150 ms more than `node -e 0`).
//
// Each round runs `node -e 0`, then each command, one after the other, so
// that drift of the machine hits all alike; the figure is the median over
// rounds of (command - node -e 0) in the same round. Run on its own
// (`node bench/startup.js [rounds]`) it prints the differences; `npm run
// bench` puts them in the table.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { row, summarize } from "./lib.js";

const cordon = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const TARGET_MS = 150;
const TARGET = `<= ${TARGET_MS} ms over node -e 0`;

const commands = [
  { name: "cordon shell -c true", args: [cordon, "shell", "-c", "true"] },
  { name: "cordon run -- true", args: [cordon, "run", "--", "true"] },
];

function timeOnce(args, cwd) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd, stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`node ${args.join(" ")} exited ${code}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
  });
}

/** Per command: its times, node's times, and the per-round differences, in ms. */
export async function measure(rounds = 20) {
  const cwd = mkdtempSync(join(tmpdir(), "cordon-bench-startup-"));
  try {
    const node = [];
    const samples = commands.map(() => ({ times: [], differences: [] }));
    for (let round = -2; round < rounds; round++) {
      const baseline = await timeOnce(["-e", "0"], cwd);
      const times = [];
      for (const command of commands) times.push(await timeOnce(command.args, cwd));
      if (round < 0) continue; // warm-up
      node.push(baseline);
      times.forEach((time, i) => {
        samples[i].times.push(time);
        samples[i].differences.push(time - baseline);
      });
    }
    return commands.map((command, i) => ({
      name: command.name,
      ours: summarize(samples[i].times),
      baseline: summarize(node),
      difference: summarize(samples[i].differences),
    }));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

export async function run() {
  return (await measure()).map(({ name, ours, baseline, difference }) => ({
    ...row({ name: `CLI start-up: ${name} (baseline node -e 0)`, unit: "ms", ours, baseline, target: TARGET, met: difference.median <= TARGET_MS }),
    note: `${difference.median.toFixed(0)} ms over node -e 0 (median of per-round differences, ±${Math.round(difference.spread * 100)}%)`,
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.argv[2] ?? 20);
  for (const { name, ours, baseline, difference } of await measure(rounds)) {
    console.log(
      `${name}: ${ours.median.toFixed(0)} ms, node -e 0: ${baseline.median.toFixed(0)} ms, ` +
        `difference ${difference.median.toFixed(0)} ms (target <= ${TARGET_MS}), ${rounds} rounds`,
    );
  }
}
