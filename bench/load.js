// The exec bridge under load (SPEC §9: 64 concurrent wrappers, >= 5,000
// decisions/s, none lost), at 64 and 512 at a time.
//
// server rows: the bridge in this thread; the peers in a worker thread (its
//   own event loop) speak the wire format over the real socket, each peer
//   one connection per request, as the native wrapper does. Measures what
//   the server sustains, without the cost of starting processes.
// wrapper rows: real native wrappers started by xargs, each asking and then
//   running /bin/true; baseline: xargs running /bin/true directly, in the
//   same run. On a small machine process start-up bounds this figure.
// Every round checks that each request got exactly one answer.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { ExecBridge } from "../dist/index.js";
import { notRun, row, summarize } from "./lib.js";

const SERVER_REQUESTS = 6_000;
const WRAPPER_EXECS = 600;
const ROUNDS = 3;
const TARGET = ">= 5,000/s, none lost";

// The peers: `concurrency` loops sharing `total` requests; each request's
// latency from connect to the answer, in ms.
const peerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { connect } = require("node:net");
const { socketPath, total, concurrency } = workerData;
let next = 0;
const latencies = [];
const answered = new Set();
function ask(id) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(socketPath);
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.end(JSON.stringify({ type: "exec_request", request_id: String(id), file: "/bin/true", argv: ["true"], cwd: "/" }) + "\\n"));
    socket.on("data", (chunk) => (reply += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const message = JSON.parse(reply);
      if (message.request_id !== String(id) || message.action !== "run") return reject(new Error("wrong answer: " + reply));
      answered.add(id);
      latencies.push(performance.now() - started);
      resolve();
    });
  });
}
async function loop() { while (next < total) await ask(next++); }
const started = performance.now();
Promise.all(Array.from({ length: concurrency }, loop)).then(
  () => parentPort.postMessage({ ms: performance.now() - started, answered: answered.size, latencies }),
  (error) => parentPort.postMessage({ error: error.message }),
);
`;

async function startAllowAll() {
  let decided = 0;
  const bridge = await ExecBridge.start({ decide: async () => (decided++, { action: "run" }) });
  return { bridge, decided: () => decided };
}

function percentile(samples, q) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function serverRound(socketPath, concurrency) {
  const worker = new Worker(peerSource, { eval: true, workerData: { socketPath, total: SERVER_REQUESTS, concurrency } });
  const [result] = await once(worker, "message");
  await worker.terminate();
  if (result.error) throw new Error(result.error);
  return result;
}

async function serverRow(concurrency) {
  const { bridge, decided } = await startAllowAll();
  try {
    const rates = [];
    const p99s = [];
    let lost = 0;
    await serverRound(bridge.socketPath, concurrency); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const before = decided();
      const result = await serverRound(bridge.socketPath, concurrency);
      lost += SERVER_REQUESTS - result.answered + (SERVER_REQUESTS - (decided() - before));
      rates.push(SERVER_REQUESTS / (result.ms / 1000));
      p99s.push(percentile(result.latencies, 0.99));
    }
    const ours = summarize(rates);
    return row({
      name: `bridge server, ${concurrency} concurrent peers`,
      unit: "decisions/s",
      ours,
      target: concurrency === 64 ? TARGET : "none lost",
      met: lost === 0 && (concurrency !== 64 || ours.median >= 5_000),
      note: `p99 latency ${summarize(p99s).median.toFixed(1)} ms; ${lost} lost of ${SERVER_REQUESTS * ROUNDS}`,
    });
  } finally {
    await bridge.close();
  }
}

/** xargs runs `execs` commands `concurrency` at a time; resolves to execs/s, rejecting if any failed. */
async function xargsRate(command, env, concurrency) {
  const started = performance.now();
  const child = spawn("sh", ["-c", `seq ${WRAPPER_EXECS} | xargs -P ${concurrency} -n 1 ${command}`], { env, stdio: "ignore" });
  const [status] = await once(child, "close");
  if (status !== 0) throw new Error(`xargs exited ${status}: a command failed`);
  return WRAPPER_EXECS / ((performance.now() - started) / 1000);
}

async function wrapperRow(concurrency) {
  const { bridge, decided } = await startAllowAll();
  try {
    const env = { PATH: process.env.PATH, ...bridge.env() };
    const ours = [];
    const baseline = [];
    let lost = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = decided();
      ours.push(await xargsRate('"$EXEC_WRAPPER" /bin/true true', env, concurrency));
      lost += WRAPPER_EXECS - (decided() - before);
      baseline.push(await xargsRate("/bin/true", env, concurrency));
    }
    return row({
      name: `native wrappers end to end, ${concurrency} at a time`,
      unit: "execs/s",
      ours: summarize(ours),
      baseline: summarize(baseline),
      target: "none lost",
      met: lost === 0,
      note: `${lost} lost of ${WRAPPER_EXECS * ROUNDS}; baseline runs /bin/true without the bridge (bounded by process start-up)`,
    });
  } finally {
    await bridge.close();
  }
}

export async function run() {
  if (process.platform === "win32") return [notRun("bridge load", TARGET, "the exec bridge serves Unix sockets")];
  const rows = [];
  for (const concurrency of [64, 512]) rows.push(await serverRow(concurrency));
  for (const concurrency of [64, 512]) rows.push(await wrapperRow(concurrency));
  return rows;
}
