// The exec bridge's per-exec approval overhead (server throughput under
// concurrent peers is measured in bench/load.js): a bash loop of 300
// `/bin/true` with every exec routed through the interposer, the native
// wrapper and an allow-all host, against the same loop not intercepted; the
// Node wrapper (the `cordon` CLI in wrapper mode) beside it, on a shorter loop
// because each of its execs starts a Node process.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { ExecBridge, INTERPOSER_NAME } from "../dist/index.js";
import { nativeArtifactPath } from "../dist/native/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

function bashLoop(iterations, env) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `for ((i = 0; i < ${iterations}; i++)); do /bin/true; done`], { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bash loop exited ${code}: ${stderr}`))));
  });
}

/** Per-exec time of a loop, in ms, so loops of different lengths compare. */
async function perExec(iterations, env, options) {
  return summarize((await timeRuns(() => bashLoop(iterations, env), options)).map((ms) => ms / iterations));
}

/**
 * Per-exec times of the same loop in several environments, measured in
 * alternation (one loop each per round), so that a change in the machine's
 * load during the run weighs on every side alike.
 */
async function perExecAlternating(iterations, envs, { rounds, warmup }) {
  const samples = envs.map(() => []);
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [i, env] of envs.entries()) {
      const [ms] = await timeRuns(() => bashLoop(iterations, env), { count: 1, warmup: 0 });
      if (round >= warmup) samples[i].push(ms / iterations);
    }
  }
  return samples.map(summarize);
}

async function execOverhead() {
  const nativeName = "per-exec approval overhead, native wrapper: bash loop of 300 /bin/true";
  const nodeName = "per-exec approval overhead, Node wrapper: bash loop of 20 /bin/true";
  if (process.platform !== "linux") return [nativeName, nodeName].map((name) => notRun(name, "≤ 2.0×", "the exec interposer is Linux-only"));
  if (!existsSync(nativeArtifactPath(INTERPOSER_NAME))) {
    return [nativeName, nodeName].map((name) => notRun(name, "≤ 2.0×", `${INTERPOSER_NAME} is not built`));
  }
  const results = [];
  let decided = 0;
  const allowAll = () => (decided++, { action: "run" });
  let baseline;
  const native = await ExecBridge.start({ decide: allowAll });
  try {
    const envs = [process.env, { ...process.env, ...native.env() }];
    let ours;
    [baseline, ours] = await perExecAlternating(300, envs, { rounds: 11, warmup: 2 });
    const note = `${decided} execs decided (13 loops × 300), measured in alternation with the plain loop`;
    results.push(row({ name: nativeName, unit: "ms/exec", ours, baseline, target: "≤ 2.0× (stretch 1.5×)", note }));
  } finally {
    await native.close();
  }
  const last = results[0];
  last.met = last.ratio <= 2.0;

  const node = await ExecBridge.start({ decide: allowAll, wrapper: "node" });
  try {
    const ours = await perExec(20, { ...process.env, ...node.env() }, { count: 3, warmup: 1 });
    results.push(row({ name: nodeName, unit: "ms/exec", ours, baseline, target: "reported beside (starts Node per exec)" }));
  } finally {
    await node.close();
  }
  return results;
}

export async function run() {
  return execOverhead();
}
