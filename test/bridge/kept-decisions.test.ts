/**
 * Decisions the supervisor may keep (SPEC §5): a host's `cache: "program"`
 * lets the launcher's exec supervisor answer the next execs of the same
 * program itself, and every one of them still reaches the host as a record,
 * in order, before the run's promise settles. Judged from the host: its
 * `decide` calls, the records, and files the command wrote.
 */
import { copyFileSync, linkSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExecBridge, type ExecBridgeEvent, type ExecRequest, type HostDecision } from "../../src/bridge/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { defaultRulesPath, loadPolicy } from "../../src/rules/index.js";
import { describeUnless } from "../support/skip.js";
import { interceptedShellUnavailable, scratchDir } from "./support.js";

const policy = parseSandboxPolicy({ type: "workspace-write" });
const TRUE = "/usr/bin/true";

describeUnless(interceptedShellUnavailable())("kept decisions", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let bridge: ExecBridge;
  let decide: (request: ExecRequest) => HostDecision;
  const asked: string[][] = [];
  const events: ExecBridgeEvent[] = [];

  beforeAll(async () => {
    scratch = scratchDir();
    bridge = await ExecBridge.start({
      decide: (request) => {
        asked.push(request.argv);
        return decide(request);
      },
      onEvent: (event) => events.push(event),
    });
  });
  afterAll(async () => {
    await bridge.close();
    scratch.remove();
  });
  beforeEach(() => {
    asked.length = 0;
    events.length = 0;
    decide = () => ({ action: "run", cache: "program" });
  });

  test("N execs of a kept program give N records, in order, and the host is asked once", async () => {
    const result = await bridge.run({ script: `for i in $(seq 1 40); do ${TRUE} "$i"; done`, cwd: scratch.path, policy });
    expect(result.exitCode).toBe(0);
    const trues = result.decisions.filter((d) => d.file === TRUE);
    expect(trues.map((d) => d.argv[1])).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1)));
    expect(trues.map((d) => d.source)).toEqual(["host", ...Array(39).fill("cached")]);
    expect(asked.filter((argv) => argv[0] === TRUE)).toHaveLength(1);
    // The host's onEvent sees each record too, and each names the process that ran it.
    const reported = events.flatMap((e) => (e.type === "decision" && e.decision.file === TRUE ? [e.decision] : []));
    expect(reported.map((d) => d.argv[1])).toEqual(trues.map((d) => d.argv[1]));
    expect(reported.every((d) => d.action === "run" && typeof d.pid === "number")).toBe(true);
  });

  test("under make -j2, every exec of both jobs is recorded, each job's in its own order", async () => {
    const job = (name: string) => `${name}:\n\tfor i in $$(seq 1 30); do ${TRUE} ${name} $$i; done\n`;
    writeFileSync(join(scratch.path, "Makefile"), `all: a b\n${job("a")}${job("b")}`);
    const result = await bridge.run({ script: "make -s -j2", cwd: scratch.path, policy });
    expect(result.exitCode).toBe(0);
    for (const name of ["a", "b"]) {
      const execs = result.decisions.filter((d) => d.file === TRUE && d.argv[1] === name).map((d) => d.argv[2]);
      expect(execs).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    }
    expect(result.decisions.filter((d) => d.source === "cached").length).toBeGreaterThanOrEqual(58);
  });

  test("a program replaced at the same path, or linked under another name, is asked again", async () => {
    const tool = join(scratch.path, "tool");
    copyFileSync(TRUE, tool);
    const replace = `cp ${TRUE} tool.new && mv tool.new tool`;
    // The copy and the rename run before the third exec of ./tool: the file there then has another inode.
    linkSync(tool, join(scratch.path, "other-name"));
    const result = await bridge.run({ script: `./tool 1; ./tool 2; ${replace}; ./tool 3; ./tool 4; ./other-name 5`, cwd: scratch.path, policy });
    expect(result.exitCode).toBe(0);
    const tools = result.decisions.filter((d) => d.argv[0] === "./tool" || d.argv[0] === "./other-name");
    expect(tools.map((d) => [d.argv[1], d.source])).toEqual([
      ["1", "host"],
      ["2", "cached"],
      ["3", "host"],
      ["4", "cached"],
      ["5", "host"],
    ]);
  });

  test("only what the host marked is kept: plain runs and denials are asked every time", async () => {
    decide = (request) =>
      request.argv[0] === "/usr/bin/false" ? { action: "deny", reason: "no false" } : request.argv[1] === "plain" ? { action: "run" } : { action: "run", cache: "program" };
    const result = await bridge.run({ script: "/usr/bin/false; /usr/bin/false; /usr/bin/env plain; /usr/bin/env plain; true", cwd: scratch.path, policy });
    expect(asked.filter((argv) => argv[0] === "/usr/bin/false")).toHaveLength(2);
    expect(asked.filter((argv) => argv[0] === "/usr/bin/env")).toHaveLength(2);
    expect(result.decisions.some((d) => d.source === "cached")).toBe(false);
  });

  test("a script is kept with its interpreter: another #! line is another program", async () => {
    const script = join(scratch.path, "script");
    writeFileSync(script, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const result = await bridge.run({
      script: `./script; ./script; printf '#!/bin/bash\\nexit 0\\n' > script.new; cat script.new > script; ./script; ./script`,
      cwd: scratch.path,
      policy,
    });
    expect(result.exitCode).toBe(0);
    const runs = result.decisions.filter((d) => d.argv[0] === "./script");
    const [sh, bash] = [realpathSync("/bin/sh"), realpathSync("/bin/bash")];
    expect(runs.map((d) => [d.interpreter, d.source])).toEqual([
      [sh, "host"],
      [sh, "cached"],
      [bash, "host"],
      [bash, "cached"],
    ]);
  });

  test("forgetKeptDecisions: the next exec of a kept program is asked again", async () => {
    decide = (request) => {
      if (request.argv[1] === "forget") bridge.forgetKeptDecisions();
      return { action: "run", cache: "program" };
    };
    const result = await bridge.run({ script: `${TRUE} 1; ${TRUE} 2; /usr/bin/env forget; ${TRUE} 3; ${TRUE} 4`, cwd: scratch.path, policy });
    expect(result.exitCode).toBe(0);
    const trues = result.decisions.filter((d) => d.file === TRUE);
    expect(trues.map((d) => d.source)).toEqual(["host", "cached", "host", "cached"]);
  });

  test("the records are complete when a killed run settles", async () => {
    const counter = join(scratch.path, "count");
    writeFileSync(counter, "");
    const result = await bridge.run({ script: `while :; do ${TRUE}; echo x >> count; done`, cwd: scratch.path, policy, timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    const ran = readFileSync(counter, "utf8").length / 2;
    const recorded = result.decisions.filter((d) => d.file === TRUE).length;
    expect(ran).toBeGreaterThan(10);
    // Every exec that returned wrote its line; the last one may have been killed before it did.
    expect(recorded === ran || recorded === ran + 1).toBe(true);
  });

  test("a renamed file keeps nothing of its name's decision", async () => {
    const first = join(scratch.path, "first");
    copyFileSync(TRUE, first);
    const result = await bridge.run({ script: "./first; mv first second; ./second; ./second", cwd: scratch.path, policy });
    expect(result.exitCode).toBe(0);
    expect(result.decisions.filter((d) => d.argv[0] !== "mv").map((d) => [d.argv[0], d.source])).toEqual([
      ["./first", "host"],
      ["./second", "host"],
      ["./second", "cached"],
    ]);
    renameSync(join(scratch.path, "second"), first);
  });
});

describeUnless(interceptedShellUnavailable())("kept decisions under the shipped rules", () => {
  test("git is never kept: a harmless git then a push, and the push is still judged (denied with no one to ask)", async () => {
    const scratch = scratchDir();
    const bridge = await ExecBridge.start({ rules: await loadPolicy([defaultRulesPath]), approvalPolicy: "on-request" });
    try {
      const result = await bridge.run({
        script: "/usr/bin/git --version >/dev/null; /usr/bin/git --version >/dev/null; /usr/bin/git push origin main; echo status $?; /bin/true; /bin/true",
        cwd: scratch.path,
        policy,
      });
      expect(result.stdout).toBe("status 126\n");
      const git = result.decisions.filter((d) => d.file === "/usr/bin/git");
      expect(git.map((d) => [d.argv[1], d.action, d.source === "cached"])).toEqual([
        ["--version", "run", false],
        ["--version", "run", false],
        ["push", "deny", false],
      ]);
      // What the rules may keep, they keep.
      expect(result.decisions.filter((d) => d.file === "/bin/true").map((d) => d.source)).toEqual(["heuristics", "cached"]);
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });
});
