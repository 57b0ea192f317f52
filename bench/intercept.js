// Per-exec approval overhead on Linux (SPEC §9): a bash loop of 300
// `/bin/true` run through the launcher with every exec decided by an
// allow-all exec server (the supervisor asks it over the exec socket), against
// the same loop through the launcher without an exec socket. Measured in
// alternation, one loop each per round, so a change in the machine's load
// weighs on both alike; the ratio is the median of the rounds' own ratios,
// which a busy neighbour disturbs least. The EXEC_WRAPPER path (a shell that runs the native
// wrapper for every exec, with the same server) is reported beside it.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeArtifactPath } from "../dist/native/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const ITERATIONS = 300;
const LOOP = `for ((i = 0; i < ${ITERATIONS}; i++)); do /bin/true; done`;
// The EXEC_WRAPPER contract (`wrapper FILE ARGV0 ARGS...`) driven from bash itself.
const WRAPPED_LOOP = `for ((i = 0; i < ${ITERATIONS}; i++)); do "$EXEC_WRAPPER" /bin/true true; done`;

/** A minimal allow-all exec server speaking the wire format; counts what it decided. */
async function allowAllServer(path) {
  let decided = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let buffered = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline === -1) return;
      const { request_id } = JSON.parse(buffered.slice(0, newline));
      decided++;
      socket.end(`${JSON.stringify({ type: "exec_response", request_id, action: "run", reason: null })}\n`);
    });
  });
  await new Promise((resolve) => server.listen(path, resolve));
  return { decided: () => decided, close: () => new Promise((resolve) => server.close(resolve)) };
}

function runToEnd(program, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited ${code}: ${stderr}`))));
  });
}

export async function run() {
  const names = [
    `per-exec approval overhead, supervisor: bash loop of ${ITERATIONS} /bin/true`,
    `per-exec approval overhead, EXEC_WRAPPER: bash loop of ${ITERATIONS} /bin/true`,
  ];
  if (process.platform !== "linux") return names.map((name) => notRun(name, "≤ 1.3×", "the supervisor is Linux-only"));
  const launcher = nativeArtifactPath("cordon-linux-sandbox");
  const wrapper = nativeArtifactPath("cordon-exec-wrapper");
  if (!existsSync(launcher) || !existsSync(wrapper)) return names.map((name) => notRun(name, "≤ 1.3×", "the native build is missing"));

  const dir = mkdtempSync(join(tmpdir(), "cordon-bench-"));
  const socketPath = join(dir, "exec.sock");
  const server = await allowAllServer(socketPath);
  try {
    const sandboxed = (extra, script, env) => () =>
      runToEnd(launcher, ["--writable-root", dir, "--allow-network", ...extra, "--", "bash", "-c", script], env);
    const wrapperEnv = { ...process.env, EXEC_WRAPPER: wrapper, CORDON_EXEC_SOCKET: socketPath };
    const sides = [
      sandboxed([], LOOP, process.env),
      sandboxed(["--exec-socket", socketPath], LOOP, process.env),
      sandboxed([], WRAPPED_LOOP, wrapperEnv),
    ];
    const samples = sides.map(() => []);
    const rounds = 15;
    const warmup = 2;
    for (let round = 0; round < warmup + rounds; round++) {
      // Each round starts with another side, so that no side always runs first.
      for (let k = 0; k < sides.length; k++) {
        const i = (round + k) % sides.length;
        const [ms] = await timeRuns(sides[i], { count: 1, warmup: 0 });
        if (round >= warmup) samples[i].push(ms / ITERATIONS);
      }
    }
    const [baseline, supervised, wrapped] = samples.map(summarize);
    const pairedRatio = (i) => summarize(samples[i].map((ms, round) => ms / samples[0][round])).median;
    const note = `${server.decided()} execs decided; ratio: median of ${rounds} rounds' ratios, each round the same loop through the launcher without approvals`;
    const supervisorRow = row({ name: names[0], unit: "ms/exec", ours: supervised, baseline, target: "≤ 1.3× (stretch 1.15×)", note });
    supervisorRow.ratio = pairedRatio(1);
    supervisorRow.met = supervisorRow.ratio <= 1.3;
    const wrapperRow = row({ name: names[1], unit: "ms/exec", ours: wrapped, baseline, target: "reported beside (one more exec per command)" });
    wrapperRow.ratio = pairedRatio(2);
    return [supervisorRow, wrapperRow];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
