/** bridge.run: real shells in the real sandbox, every exec decided through the launcher's exec supervisor. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ApprovalRequest } from "../../src/approval/index.js";
import { ExecBridge, type ExecRequest, type HostDecision } from "../../src/bridge/index.js";
import { UnsupportedOperationError } from "../../src/errors.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { parseRules } from "../../src/rules/index.js";
import { eventually, interceptedShellUnavailable, scratchDir, uniqueSleep } from "./support.js";

const policy = parseSandboxPolicy({ type: "workspace-write" });


const unavailable = interceptedShellUnavailable();
if (unavailable) console.log(`bridge.run tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const skipNote = unavailable ? ` (skipped: ${unavailable})` : "";

describeHere(`bridge.run${skipNote}`, () => {
  let scratch: ReturnType<typeof scratchDir>;
  let bridge: ExecBridge;
  let decide: (request: ExecRequest) => HostDecision | Promise<HostDecision>;

  beforeAll(async () => {
    scratch = scratchDir();
    bridge = await ExecBridge.start({ decide: (request) => decide(request) });
  });
  afterAll(async () => {
    await bridge.close();
    scratch.remove();
  });
  beforeEach(() => {
    decide = () => ({ action: "run" });
  });

  test("streams stdout and stderr as they arrive and collects them", async () => {
    const chunks: Array<{ stream: string; chunk: string }> = [];
    const before = performance.now();
    const result = await bridge.run({
      script: "echo out; /bin/echo err >&2; printf 'caf\\303\\251'; /bin/sleep 0.3; exit 3",
      cwd: scratch.path,
      policy,
      onOutput: (output) => chunks.push(output),
    });
    expect(result).toMatchObject({ exitCode: 3, signal: null, stdout: "out\ncafé", stderr: "err\n", timedOut: false, aborted: false });
    expect(chunks.filter((c) => c.stream === "stdout").map((c) => c.chunk).join("")).toBe("out\ncafé");
    expect(chunks.filter((c) => c.stream === "stderr").map((c) => c.chunk).join("")).toBe("err\n");
    // The run's wall time: the sleep inside it, and no more than the host waited.
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(result.durationMs).toBeLessThanOrEqual(performance.now() - before);
  });

  test("stdio are real pipes: /dev/stdout, /dev/stderr and /dev/stdin can be opened", async () => {
    const result = await bridge.run({
      script: "echo out > /dev/stdout; echo err > /dev/stderr; cat /dev/stdin; cat /proc/self/fd/0",
      cwd: scratch.path,
      policy,
      input: "in\n",
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "out\nin\n", stderr: "err\n" });
  });

  test("bash reads no ~/.bashrc: its stdin is no socket", async () => {
    const home = join(scratch.path, "home");
    const marker = join(scratch.path, "bashrc-ran");
    mkdirSync(home);
    writeFileSync(join(home, ".bashrc"), `: > '${marker}'\n`);
    for (const stdin of [{ input: "x" }, { stdin: "pipe" as const }, {}]) {
      const running = bridge.run({ script: "cat > /dev/null; echo ok", cwd: scratch.path, policy, env: { PATH: process.env.PATH, HOME: home }, ...stdin });
      running.stdin?.end("y");
      expect((await running).stdout).toBe("ok\n");
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("each exec is decided; a denied one does not run and the script sees 126", async () => {
    decide = (request) => (request.argv[0] === "touch" ? { action: "deny", reason: "no touching" } : { action: "run" });
    const marker = join(scratch.path, "denied");
    const result = await bridge.run({ script: `/bin/echo a && /bin/echo b | cat; touch '${marker}'; echo "status $?"`, cwd: scratch.path, policy });
    expect(result.stdout).toBe("a\nb\nstatus 126\n");
    // The supervisor names the command and the reason; the exec fails with EACCES, which bash reports itself.
    expect(result.stderr).toBe(`cordon: execution denied: touch ${marker}: no touching\nbash: line 1: /usr/bin/touch: Permission denied\n`);
    expect(existsSync(marker)).toBe(false);
    expect(result.decisions.map((d) => [d.argv[0], d.action])).toEqual(
      expect.arrayContaining([["/bin/echo", "run"], ["cat", "run"], ["touch", "deny"]]),
    );
    expect(result.decisions).toHaveLength(4);
    expect(new Set(result.decisions.map((d) => d.requestId)).size).toBe(4);
  });

  test("the script is carried exactly: quotes, parentheses, semicolons, newlines, non-ASCII", async () => {
    const text = `it's "quoted" (paren) ; semi\nnew line ünï ✓ $HOME \`tick\``;
    const script = `cat <<'END'\n${text}\nEND`;
    const result = await bridge.run({ script, cwd: scratch.path, policy });
    expect(result.stdout).toBe(`${text}\n`);
    expect(result.exitCode).toBe(0);
  });

  test("the timeout kills the whole process group", async () => {
    const sleeper = uniqueSleep();
    let seenRunning = false;
    const result = await bridge.run({
      script: `${sleeper.command} /bin/echo started; wait`,
      cwd: scratch.path,
      policy,
      timeoutMs: 1000,
      onOutput: ({ chunk }) => {
        if (chunk.includes("started")) seenRunning = sleeper.running();
      },
    });
    expect(seenRunning).toBe(true);
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(await eventually(sleeper.gone)).toBe(true);
  });

  test("time spent deciding does not count against the timeout", async () => {
    decide = async (request) => {
      if (request.argv[0] === "slow-to-approve") await new Promise((resolve) => setTimeout(resolve, 2500));
      return { action: "run" };
    };
    const result = await bridge.run({ script: "exec -a slow-to-approve /bin/echo approved", cwd: scratch.path, policy, timeoutMs: 1500 });
    expect(result).toMatchObject({ timedOut: false, exitCode: 0, stdout: "approved\n" });
  });

  test("the host's abort signal kills the whole process group", async () => {
    const sleeper = uniqueSleep();
    let seenRunning = false;
    const controller = new AbortController();
    const running = bridge.run({
      script: `${sleeper.command} /bin/echo started; wait`,
      cwd: scratch.path,
      policy,
      signal: controller.signal,
      onOutput: ({ chunk }) => {
        if (!chunk.includes("started")) return;
        seenRunning = sleeper.running();
        controller.abort();
      },
    });
    const result = await running;
    expect(seenRunning).toBe(true);
    expect(result).toMatchObject({ aborted: true, timedOut: false, signal: "SIGKILL" });
    expect(await eventually(sleeper.gone)).toBe(true);
  });

  test("an abort decision stops the command before anything after it runs", async () => {
    decide = (request) => (request.argv[0] === "rm" ? { action: "deny", reason: "User cancelled execution", abort: true } : { action: "run" });
    const after = join(scratch.path, "after-abort");
    const result = await bridge.run({ script: `rm -rf /nothing; touch '${after}'`, cwd: scratch.path, policy });
    expect(result).toMatchObject({ aborted: true, signal: "SIGKILL" });
    expect(result.decisions).toEqual([expect.objectContaining({ action: "deny", abort: true })]);
    expect(existsSync(after)).toBe(false);
  });

  test("after an abort decision not even a shell built-in runs (the run is killed before the refused exec returns), 25 times", async () => {
    decide = (request) => (request.argv[0] === "rm" ? { action: "deny", reason: "User cancelled execution", abort: true } : { action: "run" });
    for (let round = 0; round < 25; round++) {
      const after = join(scratch.path, `after-abort-${round}`);
      // `: >` creates the file without any exec the supervisor could refuse.
      const result = await bridge.run({ script: `rm -rf /nothing; : > '${after}'`, cwd: scratch.path, policy });
      expect(result.aborted).toBe(true);
      expect(existsSync(after)).toBe(false);
    }
  });

  test("an already aborted signal runs nothing", async () => {
    const marker = join(scratch.path, "never");
    const result = await bridge.run({ script: `touch '${marker}'`, cwd: scratch.path, policy, signal: AbortSignal.abort() });
    expect(result).toMatchObject({ aborted: true, exitCode: null, decisions: [] });
    expect(existsSync(marker)).toBe(false);
  });

  test("a policy the host cannot enforce throws, runs nothing, and leaves no socket behind", async () => {
    const restricted = parseSandboxPolicy({ type: "read-only", access: { type: "restricted", readable_roots: [scratch.path] } });
    const marker = join(scratch.path, "restricted");
    await expect(bridge.run({ script: `touch '${marker}'`, cwd: scratch.path, policy: restricted })).rejects.toThrow(UnsupportedOperationError);
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dirname(bridge.socketPath)).sort()).toEqual(["exec.sock", "owner"]);
  });
});

describeHere(`bridge.run with rules and approvals${skipNote}`, () => {
  test("a && b | c raises three approvals, each with its own id and the run's callId; approved-for-session is not asked again", async () => {
    const scratch = scratchDir();
    const asked: ApprovalRequest[] = [];
    const rules = parseRules('prefix_rule(pattern = ["echo"], decision = "prompt", justification = "says things")\n', "test.rules");
    const bridge = await ExecBridge.start({
      rules,
      approvalPolicy: "on-request",
      requestApproval: async (request) => {
        asked.push(request);
        return request.command.includes("session") ? "approved-for-session" : "approved";
      },
    });
    try {
      const script = "/bin/echo a && /bin/echo b | /bin/echo c; /bin/echo session; /bin/echo session";
      const result = await bridge.run({ script, cwd: scratch.path, policy, callId: "call-1" });
      expect(result.exitCode).toBe(0);
      expect(asked.map((request) => request.command).sort()).toEqual([
        ["/bin/echo", "a"],
        ["/bin/echo", "b"],
        ["/bin/echo", "c"],
        ["/bin/echo", "session"],
      ]);
      expect(asked.every((request) => request.callId === "call-1" && request.reason === "says things")).toBe(true);
      expect(new Set(asked.map((request) => request.approvalId)).size).toBe(4);
      expect(result.decisions).toHaveLength(5);
      expect(result.decisions.map((d) => d.source)).toEqual(["user", "user", "user", "user", "user"]);
      expect(result.decisions.slice(0, 3).map((d) => d.approvalId).sort()).toEqual(asked.slice(0, 3).map((r) => r.approvalId).sort());
      expect(result.decisions[4]!.approvalId).toBeNull();
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });

  test("close() ends every run it owns as an abort before it resolves; their promises settle and nothing runs after", async () => {
    const scratch = scratchDir();
    const closing = await ExecBridge.start({ decide: () => ({ action: "run" }) });
    const woke = join(scratch.path, "woke.txt");
    try {
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const runs = [1, 2].map(() =>
        closing.run({
          script: `/bin/echo started; sleep 3; echo woke > '${woke}'`,
          cwd: scratch.path,
          policy,
          onOutput: ({ chunk }) => chunk.includes("started") && started(),
        }),
      );
      const settled: boolean[] = [false, false];
      runs.forEach((run, i) => void run.then(() => (settled[i] = true)));
      await running;
      await closing.close();
      expect(settled).toEqual([true, true]);
      for (const result of await Promise.all(runs)) expect(result).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(existsSync(woke)).toBe(false);
      await expect(closing.run({ script: "true", cwd: scratch.path, policy })).rejects.toThrow(/the exec bridge is closed/);
    } finally {
      await closing.close();
      scratch.remove();
    }
  }, 20_000);
});
