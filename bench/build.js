// A real build under approvals (SPEC §9: <= 1.05x): `make -j2` of 200 small
// generated C files through `cordon shell` with the shipped rules, where every
// exec (make, cc, the compiler's own cc1, as and ld steps, ar) stops until the
// rules and heuristics have decided it, against the same `make -j2` under
// `cordon run`: the same workspace-write sandbox, the same shell, no approvals.
//
// Each round runs both sides, in alternating order, each from a clean tree
// (every object removed), so both compile all 200 files; the ratio is the
// median of the rounds' own ratios, which a busy neighbour disturbs least. A
// build that fails (an exec denied: with no terminal a prompt is a denial)
// fails the row. The EXEC_WRAPPER path cannot be measured here: make starts
// cc itself, and only a shell that honours EXEC_WRAPPER would route an exec
// through the wrapper.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { notRun, row, summarize } from "./lib.js";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const RULES = fileURLToPath(new URL("../policies/rules/default.rules", import.meta.url));
const FILES = 200;
const ROUNDS = 5;
const SCRIPT = "make -s -j2";
const TARGET = "<= 1.05x";
const NAME = `a real build under approvals: make -j2 of ${FILES} C files, cordon shell (shipped rules) vs cordon run`;

function generateTree(dir) {
  for (let i = 0; i < FILES; i++) {
    writeFileSync(join(dir, `f${i}.c`), `int f${i}(int n) {\n  int sum = 0;\n  for (int i = 0; i < n; i++) sum += i * ${i};\n  return sum;\n}\n`);
  }
  const makefile = [
    "OBJECTS := $(patsubst %.c,%.o,$(wildcard f*.c))",
    "libbench.a: $(OBJECTS)",
    "\tar rcs $@ $^",
    "%.o: %.c",
    "\tcc -O1 -c $< -o $@",
    "",
  ];
  writeFileSync(join(dir, "Makefile"), makefile.join("\n"));
}

/** Removes what a build made, so that the next one compiles every file again. */
function clean(dir) {
  for (const name of readdirSync(dir)) if (name.endsWith(".o") || name.endsWith(".a")) rmSync(join(dir, name));
}

function checkBuilt(dir, side) {
  const objects = readdirSync(dir).filter((name) => name.endsWith(".o")).length;
  const library = readdirSync(dir).includes("libbench.a");
  if (objects !== FILES || !library) throw new Error(`${side}: the build made ${objects} of ${FILES} objects${library ? "" : " and no library"}`);
}

/** Runs the CLI with `args` (no terminal: stdin is /dev/null); resolves with the wall time in ms, rejects when it fails. */
function timeCli(args, side) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${side} exited ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`));
    });
  });
}

export async function run() {
  if (process.platform !== "linux") return [notRun(NAME, TARGET, "approvals of every exec of a build are measured on Linux (the supervisor)")];
  for (const tool of ["make", "cc", "ar"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return [notRun(NAME, TARGET, `${tool} is not installed`)];
  }
  const dir = mkdtempSync(join(tmpdir(), "cordon-bench-build-"));
  const auditDir = mkdtempSync(join(tmpdir(), "cordon-bench-audit-"));
  const audit = join(auditDir, "audit.jsonl");
  try {
    generateTree(dir);
    const sandbox = ["--sandbox", "workspace-write", "--cwd", dir];
    const shellArgs = (extra) => ["shell", ...sandbox, "--rules", RULES, "--approval-policy", "on-request", ...extra, "-c", SCRIPT];
    const sides = {
      shell: { args: shellArgs([]), name: "cordon shell" },
      run: { args: ["run", ...sandbox, "--", "bash", "-c", SCRIPT], name: "cordon run" },
    };
    const build = async (side) => {
      clean(dir);
      const ms = await timeCli(side.args, side.name);
      checkBuilt(dir, side.name);
      return ms;
    };
    // An unmeasured first round warms the caches; its shell side writes the audit log, whose lines count the execs decided.
    await build({ args: shellArgs(["--audit", audit]), name: "cordon shell" });
    await build(sides.run);
    const decided = readFileSync(audit, "utf8").split("\n").filter(Boolean).length;
    const samples = { shell: [], run: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ["shell", "run"] : ["run", "shell"];
      for (const key of order) samples[key].push(await build(sides[key]));
    }
    const result = row({
      name: NAME,
      unit: "ms",
      ours: summarize(samples.shell),
      baseline: summarize(samples.run),
      target: TARGET,
      note:
        `${decided} execs decided per build; ratio: median of ${ROUNDS} rounds' ratios, each from a clean tree; ` +
        "EXEC_WRAPPER not measured (make execs cc itself; only a shell that honours EXEC_WRAPPER would use the wrapper)",
    });
    result.ratio = summarize(samples.shell.map((ms, round) => ms / samples.run[round])).median;
    result.met = result.ratio <= 1.05;
    return [result];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(auditDir, { recursive: true, force: true });
  }
}
