// Sandboxed spawn from a running host (SPEC §9: <= 1.5x on Linux).
//
// ours:     spawnSandboxed(["true"]) to exit, under read-only (the launcher
//           applies Landlock and seccomp, then becomes `true`);
// baseline: child_process.spawn("true") to exit, in the same run.
// A second row spawns under workspace-write in a fresh folder, where the
// launcher also makes a mount namespace with read-only binds and stays as a
// parent to remove the placeholders of .git and .codex afterwards. A third
// spawns under restricted reads (linux.restrictedReads "enforce"): a fresh
// root holding only the readable paths, and Landlock reads beneath them.
// Runs alternate in blocks so that drift of the machine hits both sides alike.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { landlockAbi, parseSandboxPolicy, READ_ONLY_POLICY, spawnSandboxed } from "../dist/index.js";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const TARGET = "<= 1.5x";
const RESTRICTED_READS = parseSandboxPolicy({ type: "read-only", access: { type: "restricted" } });
const BLOCKS = 10;
const PER_BLOCK = 15;

function toExit(child) {
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exited ${code}`))));
  });
}

async function alternate(ours, baseline) {
  const samples = { ours: [], baseline: [] };
  for (let block = 0; block < BLOCKS; block++) {
    samples.ours.push(...(await timeRuns(ours, { count: PER_BLOCK, warmup: 1 })));
    samples.baseline.push(...(await timeRuns(baseline, { count: PER_BLOCK, warmup: 1 })));
  }
  return { ours: summarize(samples.ours), baseline: summarize(samples.baseline) };
}

export async function run() {
  const name = 'spawnSandboxed(["true"]) vs spawn("true")';
  if (process.platform !== "linux") return [notRun(name, TARGET, "the Linux launcher runs only on Linux")];
  const probe = landlockAbi();
  if (probe.abi < 3) return [notRun(name, TARGET, `Landlock ABI ${probe.abi} cannot confine writes here`)];

  const cwd = mkdtempSync(join(tmpdir(), "cordon-bench-spawn-"));
  try {
    const plain = () => toExit(spawn("true", [], { cwd, stdio: "ignore" }));
    const sandboxed = (policy) => () => toExit(spawnSandboxed(["true"], policy, { cwd, stdio: "ignore" }));
    const readOnly = await alternate(sandboxed(READ_ONLY_POLICY), plain);
    const workspace = await alternate(sandboxed(parseSandboxPolicy({ type: "workspace-write" })), plain);
    const enforced = { cwd, stdio: "ignore", linux: { restrictedReads: "enforce" } };
    const restrictedReads = await alternate(() => toExit(spawnSandboxed(["true"], RESTRICTED_READS, enforced)), plain);
    const met = (summary) => summary.ours.median / summary.baseline.median <= 1.5;
    return [
      row({ name: `${name}, read-only`, unit: "ms", ...readOnly, target: TARGET, met: met(readOnly) }),
      row({
        name: `${name}, workspace-write (mount namespace, placeholders)`,
        unit: "ms",
        ...workspace,
        target: "(reported)",
        note: "the launcher stays as a parent and binds .git/.codex read-only",
      }),
      row({
        name: `${name}, restricted reads (fresh root, Landlock reads)`,
        unit: "ms",
        ...restrictedReads,
        target: "<= 2.5x",
        met: restrictedReads.ours.median / restrictedReads.baseline.median <= 2.5,
        note: "read-only, the cwd readable with the platform defaults",
      }),
    ];
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
