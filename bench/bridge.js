// The exec bridge: (1) server throughput, 64 concurrent peers speaking the
// wire protocol (one connection per exec) from a worker thread, so the
// server's event loop is not shared with the load; every request must be
// answered, none lost. (2) Per-exec approval overhead: a bash loop of 300
// `/bin/true` with every exec routed through the interposer, the native
// wrapper and an allow-all host, against the same loop not intercepted; the
// Node wrapper (the `cordon` CLI in wrapper mode) beside it, on a shorter loop
// because each of its execs starts a Node process.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { ExecBridge, INTERPOSER_NAME } from "../dist/index.js";
import { nativeArtifactPath } from "../dist/native/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const PEERS = 64;
const REQUESTS_PER_PEER = 150;

// Runs in the worker: PEERS loops, each sending REQUESTS_PER_PEER requests on fresh connections.
const loadGenerator = `
const { connect } = require("node:net");
const { randomUUID } = require("node:crypto");
const { workerData, parentPort } = require("node:worker_threads");
function ask(path) {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const socket = connect(path);
    let reply = "";
    socket.on("connect", () => socket.write(JSON.stringify({ type: "exec_request", request_id: id, file: "/bin/true", argv: ["true"], cwd: "/" }) + "\\n"));
    socket.on("data", (chunk) => (reply += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      try {
        const answer = JSON.parse(reply);
        resolve(answer.request_id === id && answer.action === "run");
      } catch {
        resolve(false);
      }
    });
  });
}
(async () => {
  const start = process.hrtime.bigint();
  const answered = await Promise.all(Array.from({ length: workerData.peers }, async () => {
    let ok = 0;
    for (let i = 0; i < workerData.perPeer; i++) if (await ask(workerData.socketPath)) ok++;
    return ok;
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  parentPort.postMessage({ answered: answered.reduce((a, b) => a + b, 0), seconds });
})();
`;

function loadRound(socketPath) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(loadGenerator, { eval: true, workerData: { socketPath, peers: PEERS, perPeer: REQUESTS_PER_PEER } });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

async function serverThroughput() {
  const name = `bridge server: ${PEERS} concurrent peers, decisions/s`;
  const target = "≥ 5,000/s, none lost";
  let decided = 0;
  const bridge = await ExecBridge.start({ interpose: false, decide: () => (decided++, { action: "run" }) });
  try {
    const rates = [];
    let lost = 0;
    for (let round = 0; round < 4; round++) {
      const { answered, seconds } = await loadRound(bridge.socketPath);
      lost += PEERS * REQUESTS_PER_PEER - answered;
      if (round > 0) rates.push(answered / seconds);
    }
    const ours = summarize(rates);
    const note = `${decided} decided, ${lost} lost`;
    return row({ name, unit: "/s", ours, target, met: ours.median >= 5000 && lost === 0, note });
  } finally {
    await bridge.close();
  }
}

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
  const baseline = await perExec(300, process.env, { count: 5, warmup: 1 });

  const native = await ExecBridge.start({ decide: allowAll });
  try {
    decided = 0;
    const ours = await perExec(300, { ...process.env, ...native.env() }, { count: 5, warmup: 1 });
    const note = `${decided} execs decided (6 loops × 300)`;
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
  return [await serverThroughput(), ...(await execOverhead())];
}
