/**
 * What a run may make the host keep: a command chooses how many execs it
 * makes and how long their argument lists are, and the host's memory must
 * not follow. Judged from outside: the host's resident memory, read from
 * /proc while it runs, and what its result lists.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { boundedArgv, ExecBridge, MAX_ARGV_BYTES, MAX_RUN_DECISION_BYTES } from "../../src/bridge/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { interceptedShellUnavailable, scratchDir } from "./support.js";

const argvHost = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "argv-host.mjs");
const policy = parseSandboxPolicy({ type: "workspace-write" });
const MiB = 1024 * 1024;
const unavailable = interceptedShellUnavailable();

/** kB figures of /proc/<pid>/status. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)![1]) * 1024;
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** `count` execs of /bin/true, each with `args` arguments of `bytes` bytes. */
const bigExecs = (count: number, args: number, bytes: number) =>
  `a=$(head -c ${bytes} /dev/zero | tr '\\0' a); set --; for j in $(seq ${args}); do set -- "$@" "$a"; done; for i in $(seq ${count}); do /bin/true "$@"; done; echo done`;

(unavailable ? describe.skip : describe)(`what a run keeps${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    scratch = scratchDir();
  });
  afterEach(() => scratch.remove());

  test("200 execs with 1.5 MB argument lists (800 with 5.9 MB, in proportion): denied, and the host's memory stays bounded", async () => {
    const host = spawn(process.execPath, [argvHost, scratch.path, bigExecs(200, 12, 125_000)], { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: host.stdout })[Symbol.asyncIterator]();
    try {
      expect((await lines.next()).value).toBe("ready");
      const before = memoryOf(host.pid!).rss;
      host.stdin.write("go\n");
      const result = JSON.parse((await lines.next()).value as string) as { exitCode: number; decisions: number; decisionsOmitted: number };
      const { peak } = memoryOf(host.pid!);
      process.stderr.write(`host memory: ${Math.round(before / MiB)} MiB before the run, ${Math.round(peak / MiB)} MiB at its peak\n`);
      // The shell's own execs (head, tr, seq) are listed; the big ones were denied before anyone decided them.
      expect(result).toEqual({ exitCode: 0, decisions: 4, decisionsOmitted: 0 });
      // Keeping every argv, the host grew by at least 300 MB; denied unkept, by what one request takes at a time.
      expect(peak - before).toBeLessThan(150 * MiB);
    } finally {
      host.stdin.end();
      await new Promise((resolve) => host.once("exit", resolve));
    }
  }, 120_000);

  test("an exec over the argument limit is denied with a reason the command sees; one under it runs", async () => {
    const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }) });
    try {
      const result = await bridge.run({
        script: `a=$(head -c 100000 /dev/zero | tr '\\0' a); /bin/true "$a" "$a" && echo small ran; /bin/true "$a" "$a" "$a"; echo "big $?"`,
        cwd: scratch.path,
        policy,
      });
      expect(result.stdout).toBe("small ran\nbig 126\n");
      expect(result.stderr).toContain(`the argument list is 300013 bytes; the exec bridge decides at most ${MAX_ARGV_BYTES}`);
      expect(result.decisions.filter((decision) => decision.argv[0] === "/bin/true")).toHaveLength(1);
    } finally {
      await bridge.close();
    }
  }, 30_000);

  test("past the run's budget of argument bytes, decisions are counted, not kept; the list is the first ones", async () => {
    const bridge = await ExecBridge.start({ decide: () => ({ action: "run" }) });
    const seen: number[] = [];
    try {
      const result = await bridge.run({
        script: `a=$(head -c 100000 /dev/zero | tr '\\0' a); for i in $(seq 200); do /bin/true $i "$a" "$a"; done`,
        cwd: scratch.path,
        policy,
      });
      const numbered = result.decisions.filter((decision) => decision.argv[0] === "/bin/true").map((decision) => Number(decision.argv[1]));
      seen.push(...numbered);
      expect(result.exitCode).toBe(0);
      expect(result.decisionsOmitted).toBeGreaterThan(0);
      expect(numbered.length + result.decisionsOmitted).toBe(200);
      expect(numbered).toEqual(Array.from({ length: numbered.length }, (_, i) => i + 1));
      const kept = result.decisions.reduce((sum, decision) => sum + decision.argv.reduce((n, arg) => n + Buffer.byteLength(arg) + 1, 0), 0);
      expect(kept).toBeLessThanOrEqual(MAX_RUN_DECISION_BYTES);
      expect(kept).toBeGreaterThan(MAX_RUN_DECISION_BYTES - 300_000);
    } finally {
      await bridge.close();
    }
  }, 60_000);
});

describe("an argv cut for a record that must stay short", () => {
  test("whole leading elements that fit, the bytes cut and a digest of the whole", () => {
    expect(boundedArgv({ argv: ["echo", "hi there"], exact: null }, 100)).toEqual({ argv: ["echo", "hi there"], command: "echo 'hi there'", cut: null });
    const cut = boundedArgv({ argv: ["echo", "a".repeat(50), "b"], exact: null }, 20);
    expect(cut).toEqual({ argv: ["echo"], command: "echo", cut: { bytes: 53, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    // The digest is of the exact bytes, so two arguments that differ only where UTF-8 could not show them differ.
    const one = boundedArgv({ argv: ["x", "\ufffd"], exact: { file: Buffer.from("/x"), cwd: Buffer.from("/"), argv: [Buffer.from("x"), Buffer.from([0xff])] } }, 2);
    const two = boundedArgv({ argv: ["x", "\ufffd"], exact: { file: Buffer.from("/x"), cwd: Buffer.from("/"), argv: [Buffer.from("x"), Buffer.from([0xfe])] } }, 2);
    expect(one.cut!.bytes).toBe(2);
    expect(one.cut!.sha256).not.toBe(two.cut!.sha256);
  });
});
