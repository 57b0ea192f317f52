// Per-exec approval overhead on Linux (SPEC §9): a bash loop of 300
// `/bin/true` run through the launcher with every exec decided by an
// allow-all exec server (the supervisor asks it in a session over the exec
// socket), once with its answer kept by the supervisor and once with every
// exec asked, against the same loop through the launcher without an exec
// socket. Measured in
// alternation, one loop each per round, so a change in the machine's load
// weighs on both alike; the ratio is the median of the rounds' own ratios,
// which a busy neighbour disturbs least. The EXEC_WRAPPER path (a shell that runs the native
// wrapper for every exec, with the same server) is reported beside it, and so
// is the marginal cost of one exec through `cordon shell` with the built-in
// heuristics deciding: a script of N execs minus a script of none, over N.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeArtifactPath } from "../dist/native/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const ITERATIONS = 300;
const LOOP = `for ((i = 0; i < ${ITERATIONS}; i++)); do /bin/true; done`;
// The EXEC_WRAPPER contract (`wrapper FILE ARGV0 ARGS...`) driven from bash itself.
const WRAPPED_LOOP = `for ((i = 0; i < ${ITERATIONS}; i++)); do "$EXEC_WRAPPER" /bin/true true; done`;

/**
 * A minimal allow-all exec server speaking the wire format: one exec per
 * connection (the EXEC_WRAPPER path), or a supervisor's session, whose
 * answers say `cache: "program"` when `keep` is set. Counts what it decided
 * and what it was told the supervisor answered itself.
 */
async function allowAllServer(path) {
  let decided = 0;
  let recorded = 0;
  let keep = false;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let buffered = "";
    let session = false;
    socket.on("error", () => {});
    socket.on("end", () => socket.end());
    socket.on("data", (chunk) => {
      buffered += chunk;
      for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n")) {
        const message = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (message.type === "exec_session") {
          session = true;
        } else if (message.type === "exec_record") {
          recorded++;
        } else {
          decided++;
          const answer = { type: "exec_response", request_id: message.request_id, action: "run", reason: null, ...(session && keep ? { cache: "program" } : {}) };
          if (session) socket.write(`${JSON.stringify(answer)}\n`);
          else socket.end(`${JSON.stringify(answer)}\n`);
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(path, resolve));
  return {
    decided: () => decided,
    recorded: () => recorded,
    keep: (value) => (keep = value),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
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

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const SHELL_EXECS = 200;

/** What one more exec costs a `cordon shell` run whose rules are the heuristics: (N execs - none) / N. */
async function marginalShellExec(dir) {
  const shell = (script) => () => runToEnd(process.execPath, [CLI, "shell", "--sandbox", "workspace-write", "--cwd", dir, "-c", script], process.env);
  const withExecs = shell(`for ((i = 0; i < ${SHELL_EXECS}; i++)); do /bin/true; done`);
  const without = shell(`for ((i = 0; i < ${SHELL_EXECS}; i++)); do :; done`);
  const differences = [];
  for (let round = 0; round < 8; round++) {
    const [a] = await timeRuns(withExecs, { count: 1, warmup: round === 0 ? 1 : 0 });
    const [b] = await timeRuns(without, { count: 1, warmup: 0 });
    differences.push((a - b) / SHELL_EXECS);
  }
  return summarize(differences);
}

export async function run() {
  const names = [
    `per-exec approval overhead, supervisor, decision kept (cache: "program"): bash loop of ${ITERATIONS} /bin/true`,
    `per-exec approval overhead, supervisor, every exec asked: bash loop of ${ITERATIONS} /bin/true`,
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
    const sandboxed = (extra, script, env, keep = false) => () => {
      server.keep(keep);
      return runToEnd(launcher, ["--writable-root", dir, "--allow-network", ...extra, "--", "bash", "-c", script], env);
    };
    const session = ["--exec-socket", socketPath, "--exec-session"];
    const wrapperEnv = { ...process.env, EXEC_WRAPPER: wrapper, CORDON_EXEC_SOCKET: socketPath };
    const sides = [
      sandboxed([], LOOP, process.env),
      sandboxed(session, LOOP, process.env, true),
      sandboxed(session, LOOP, process.env),
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
    const [baseline, kept, asked, wrapped] = samples.map(summarize);
    const pairedRatio = (i) => summarize(samples[i].map((ms, round) => ms / samples[0][round])).median;
    const note = `${server.decided()} execs decided, ${server.recorded()} answered from kept decisions; ratio: median of ${rounds} rounds' ratios, each round the same loop through the launcher without approvals`;
    const keptRow = row({ name: names[0], unit: "ms/exec", ours: kept, baseline, target: "≤ 1.15×", note });
    keptRow.ratio = pairedRatio(1);
    keptRow.met = keptRow.ratio <= 1.15;
    const askedRow = row({ name: names[1], unit: "ms/exec", ours: asked, baseline, target: "≤ 1.3×" });
    askedRow.ratio = pairedRatio(2);
    askedRow.met = askedRow.ratio <= 1.3;
    const wrapperRow = row({ name: names[2], unit: "ms/exec", ours: wrapped, baseline, target: "reported beside (one more exec per command; nothing is kept)" });
    wrapperRow.ratio = pairedRatio(3);
    const marginal = await marginalShellExec(dir);
    const shellRow = row({
      name: `marginal cost of one exec through cordon shell, heuristics deciding (${SHELL_EXECS} execs minus none, over ${SHELL_EXECS})`,
      unit: "ms/exec",
      ours: marginal,
      target: "reported",
    });
    return [keptRow, askedRow, wrapperRow, shellRow];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
