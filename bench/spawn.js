// Sandboxed spawn from a running host (SPEC §9), each side measured in the
// same run, in alternating blocks so that drift of the machine hits both
// sides alike:
//
//   read-only vs spawn("true")                      <= 1.5x
//   workspace-write, every namespace vs spawn       <= 2.0x
//   workspace-write, every namespace vs bubblewrap  <= 0.5x  (bare
//     `bwrap --unshare-all --die-with-parent --new-session --ro-bind / /
//     --dev /dev --proc /proc --cap-drop ALL true`)
//
// Every run makes user (unless root), mount, PID and IPC namespaces; without
// network also a network namespace. Its cost is measured on its own: the
// same workspace-write spawn with network (no network namespace) as baseline.
// The workspace is fresh, so .git and .codex are placeholders each time.
// The default pids limit (a cgroup per run where one can be made) is measured
// on its own too: the same launcher command line without it as baseline.
// A row spawns under restricted reads (linux.restrictedReads "enforce"):
// a fresh root holding only the readable paths, and Landlock reads beneath them.
// The blocks above run spawns back to back, which hides what a kernel lock
// that has cooled down costs the first spawn after a pause (a host runs one
// command now and then): the last row spaces each spawn 50 ms from the last.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { landlockAbi, parseSandboxPolicy, prepareSandboxedCommand, READ_ONLY_POLICY, spawnSandboxed } from "../dist/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const RESTRICTED_READS = parseSandboxPolicy({ type: "read-only", access: { type: "restricted" } });
const BLOCKS = 10;
const PER_BLOCK = 15;
const BWRAP = "/usr/bin/bwrap";
const BWRAP_ARGS = ["--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--cap-drop", "ALL", "true"];

function toExit(child) {
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exited ${code}`))));
  });
}

const PAUSE_MS = 50;

/** Like `alternate`, with a pause before each timed spawn. */
async function alternateSpaced(ours, baseline) {
  const samples = { ours: [], baseline: [] };
  const spaced = (fn) => async () => {
    const out = [];
    for (let i = 0; i < PER_BLOCK; i++) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      out.push(...(await timeRuns(fn, { count: 1, warmup: 0 })));
    }
    return out;
  };
  for (let block = 0; block < BLOCKS; block++) {
    samples.ours.push(...(await spaced(ours)()));
    samples.baseline.push(...(await spaced(baseline)()));
  }
  return { ours: summarize(samples.ours), baseline: summarize(samples.baseline) };
}

async function alternate(ours, baseline) {
  const samples = { ours: [], baseline: [] };
  for (let block = 0; block < BLOCKS; block++) {
    samples.ours.push(...(await timeRuns(ours, { count: PER_BLOCK, warmup: 1 })));
    samples.baseline.push(...(await timeRuns(baseline, { count: PER_BLOCK, warmup: 1 })));
  }
  return { ours: summarize(samples.ours), baseline: summarize(samples.baseline) };
}

function bwrapUnusable() {
  if (spawnSync("test", ["-x", BWRAP]).status !== 0) return `${BWRAP} is not installed (apt-get install bubblewrap)`;
  const probe = spawnSync(BWRAP, BWRAP_ARGS, { encoding: "utf8" });
  return probe.status === 0 ? null : `bubblewrap cannot run here: ${probe.stderr.trim()}`;
}

export async function run() {
  const name = 'spawnSandboxed(["true"])';
  if (process.platform !== "linux") return [notRun(name, "<= 1.5x", "the Linux launcher runs only on Linux")];
  const probe = landlockAbi();
  if (probe.abi < 3) return [notRun(name, "<= 1.5x", `Landlock ABI ${probe.abi} cannot confine writes here`)];

  const cwd = mkdtempSync(join(tmpdir(), "cordon-bench-spawn-"));
  try {
    const plain = () => toExit(spawn("true", [], { cwd, stdio: "ignore" }));
    const sandboxed = (policy) => () => toExit(spawnSandboxed(["true"], policy, { cwd, stdio: "ignore" }));
    const workspaceWrite = parseSandboxPolicy({ type: "workspace-write" });
    const workspaceWithNetwork = parseSandboxPolicy({ type: "workspace-write", network_access: true });

    const readOnly = await alternate(sandboxed(READ_ONLY_POLICY), plain);
    const workspace = await alternate(sandboxed(workspaceWrite), plain);
    const networkNamespace = await alternate(sandboxed(workspaceWrite), sandboxed(workspaceWithNetwork));
    // The launcher as spawnSandboxed runs it, and the same without the default pids limit (no cgroup).
    const planned = prepareSandboxedCommand(["true"], workspaceWrite, { cwd });
    const limit = planned.args.indexOf("--limit-if-possible");
    const unlimitedArgs = planned.args.filter((_, i) => i !== limit && i !== limit + 1);
    const launch = (args) => () => toExit(spawn(planned.program, args, { cwd, env: planned.env, stdio: "ignore" }));
    const limits = await alternate(launch(planned.args), launch(unlimitedArgs));
    const enforced = { cwd, stdio: "ignore", linux: { restrictedReads: "enforce" } };
    const restrictedReads = await alternate(() => toExit(spawnSandboxed(["true"], RESTRICTED_READS, enforced)), plain);
    const spacedWorkspace = await alternateSpaced(sandboxed(workspaceWrite), plain);
    const rows = [
      row({ name: `${name} vs spawn("true"), read-only`, unit: "ms", ...readOnly, target: "<= 1.5x", met: readOnly.ours.median / readOnly.baseline.median <= 1.5 }),
      row({
        name: `${name} vs spawn("true"), workspace-write, every namespace`,
        unit: "ms",
        ...workspace,
        target: "<= 2.0x",
        met: workspace.ours.median / workspace.baseline.median <= 2.0,
      }),
      row({
        name: `${name}, workspace-write: without network (network namespace) vs with network (none)`,
        unit: "ms",
        ...networkNamespace,
        target: "(reported)",
        note: `the network namespace costs ${(networkNamespace.ours.median - networkNamespace.baseline.median).toFixed(2)} ms per run here`,
      }),
      row({
        name: `${name}, workspace-write: the default pids limit (a cgroup per run) vs no limit`,
        unit: "ms",
        ...limits,
        target: "(reported)",
        note: `the run's cgroup costs ${(limits.ours.median - limits.baseline.median).toFixed(2)} ms per spawn here`,
      }),
      row({
        name: `${name}, restricted reads (fresh root, Landlock reads)`,
        unit: "ms",
        ...restrictedReads,
        target: "<= 2.5x",
        met: restrictedReads.ours.median / restrictedReads.baseline.median <= 2.5,
        note: "read-only, the cwd readable with the platform defaults",
      }),
      row({
        name: `${name} vs spawn("true"), workspace-write, each spawn ${PAUSE_MS} ms after the last`,
        unit: "ms",
        ...spacedWorkspace,
        target: "(reported)",
      }),
    ];
    const unusable = bwrapUnusable();
    if (unusable) {
      rows.push(notRun(`${name}, workspace-write vs bare bubblewrap`, "<= 0.5x", unusable));
    } else {
      const bwrap = () => toExit(spawn(BWRAP, BWRAP_ARGS, { cwd, stdio: "ignore" }));
      const versus = await alternate(sandboxed(workspaceWrite), bwrap);
      rows.push(
        row({ name: `${name}, workspace-write vs bare bubblewrap`, unit: "ms", ...versus, target: "<= 0.5x", met: versus.ours.median / versus.baseline.median <= 0.5 }),
      );
    }
    return rows;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
