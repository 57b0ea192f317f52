// The exec interposer's own cost, separate from any approval round trip: a
// bash loop of 300 `/bin/true` (a) plain, (b) with the interposer preloaded
// but EXEC_WRAPPER unset (the cost of loading it), and (c) routed through
// /usr/bin/env as a pass-through wrapper (`env FILE ARGV0` runs FILE), which
// adds one exec per command and no socket: the floor under the bridge's
// per-exec overhead.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const interposer = join(dirname(fileURLToPath(import.meta.url)), "..", "build", "Release", "libcordon_intercept.so");
// Only builtins besides /bin/true, which ignores the extra argument the
// pass-through wrapper gives it (env runs FILE with argv0 as an argument).
const LOOP = "for ((i = 0; i < 300; i++)); do /bin/true; done";

function bashLoop(extraEnv) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", LOOP], { stdio: "ignore", env: { ...process.env, ...extraEnv } });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bash loop exited ${code}`))));
  });
}

export async function run() {
  const names = ["interposer loaded, not routing: 300 /bin/true", "interposer routing via a pass-through wrapper: 300 /bin/true"];
  if (process.platform !== "linux") return names.map((name) => notRun(name, "informational", "Linux only"));
  if (!existsSync(interposer)) return names.map((name) => notRun(name, "informational", "libcordon_intercept.so is not built"));

  const options = { count: 5, warmup: 1 };
  const baseline = summarize(await timeRuns(() => bashLoop({}), options));
  const loaded = summarize(await timeRuns(() => bashLoop({ LD_PRELOAD: interposer }), options));
  const routed = summarize(await timeRuns(() => bashLoop({ LD_PRELOAD: interposer, EXEC_WRAPPER: "/usr/bin/env" }), options));
  return [
    row({ name: names[0], unit: "ms", ours: loaded, baseline, target: "informational (≈1.0×)" }),
    row({ name: names[1], unit: "ms", ours: routed, baseline, target: "informational (≤ 2.0× with the bridge)" }),
  ];
}
