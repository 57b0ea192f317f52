// The exec bridge's per-exec approval overhead as a host sees it (the
// launcher-level row is in bench/intercept.js; server throughput under
// concurrent peers in bench/load.js): a bash loop of 300 `/bin/true` run with
// `bridge.run`, every exec asked of an allow-all `decide`, against the same
// loop spawned in the same sandbox without approvals. Beside it, the Node
// wrapper (the `cordon` CLI in wrapper mode, for hosts that are their own
// EXEC_WRAPPER) on a shorter loop, since each of its execs starts Node.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecBridge, parseSandboxPolicy, spawnSandboxed } from "../dist/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const ITERATIONS = 300;
const loop = (iterations, command) => `for ((i = 0; i < ${iterations}; i++)); do ${command}; done`;

function toExit(child) {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exited ${code}: ${stderr}`))));
  });
}

/** Per-exec times of each side, measured in alternation (one loop each per round). */
async function alternate(sides, iterations, { rounds, warmup }) {
  const samples = sides.map(() => []);
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [i, side] of sides.entries()) {
      const [ms] = await timeRuns(side, { count: 1, warmup: 0 });
      if (round >= warmup) samples[i].push(ms / iterations);
    }
  }
  return samples.map(summarize);
}

export async function run() {
  const hostName = `per-exec approval overhead through bridge.run: bash loop of ${ITERATIONS} /bin/true, allow-all decide`;
  const nodeName = "per-exec approval overhead, Node wrapper: bash loop of 20 wrapped /bin/true";
  if (process.platform !== "linux") return [notRun(hostName, "≤ 1.3×", "the exec supervisor is Linux-only"), notRun(nodeName, "reported", "Linux-only here")];
  const cwd = mkdtempSync(join(tmpdir(), "cordon-bench-bridge-"));
  const policy = parseSandboxPolicy({ type: "workspace-write" });
  let decided = 0;
  const bridge = await ExecBridge.start({ decide: () => (decided++, { action: "run" }) });
  const node = await ExecBridge.start({ decide: () => ({ action: "run" }), wrapper: "node" });
  try {
    const script = loop(ITERATIONS, "/bin/true");
    const unasked = () => toExit(spawnSandboxed(["bash", "-c", script], policy, { cwd, stdio: ["ignore", "ignore", "pipe"] }));
    const asked = async () => {
      const result = await bridge.run({ script, cwd, policy });
      if (result.exitCode !== 0) throw new Error(`bridge.run exited ${result.exitCode}: ${result.stderr}`);
    };
    const [baseline, ours] = await alternate([unasked, asked], ITERATIONS, { rounds: 9, warmup: 1 });
    const hostRow = row({ name: hostName, unit: "ms/exec", ours, baseline, target: "≤ 1.3× (stretch 1.15×)", note: `${decided} execs decided` });
    hostRow.met = hostRow.ratio <= 1.3;

    const wrapped = loop(20, '"$EXEC_WRAPPER" /bin/true true');
    const plain = () => toExit(spawn("bash", ["-c", loop(20, "/bin/true")], { stdio: ["ignore", "ignore", "pipe"] }));
    const viaNode = () => toExit(spawn("bash", ["-c", wrapped], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...node.env() } }));
    const [plainSummary, nodeSummary] = await alternate([plain, viaNode], 20, { rounds: 3, warmup: 1 });
    const nodeRow = row({ name: nodeName, unit: "ms/exec", ours: nodeSummary, baseline: plainSummary, target: "reported beside (starts Node per exec)" });
    return [hostRow, nodeRow];
  } finally {
    await bridge.close();
    await node.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}
