/** `cordon shell` as a user runs it: the built executable, real rules, a real terminal where one is needed. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/native/index.js";
import { APPROVAL_PROMPT_END, runOnTerminal } from "../support/terminal.js";
import { interceptedShellUnavailable, runProgram, scratchDir } from "./support.js";
import { testUnless } from "../support/skip.js";

const cli = join(packageRoot, "dist", "cli", "main.js");

const unavailable = interceptedShellUnavailable();
if (unavailable) console.log(`cordon shell tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

const RULES = `
prefix_rule(pattern = ["touch"], decision = "forbidden")
prefix_rule(pattern = ["git", "push"], decision = "prompt", justification = "talks to remotes")
prefix_rule(pattern = ["echo"], decision = "prompt", justification = "says things")
`;

// HOME is the scratch directory: the machine's own start-up files would add execs of their own to every audit.
function shell(args: string[], cwd: string) {
  return runProgram(process.execPath, [cli, "shell", ...args], { env: { PATH: process.env.PATH, HOME: cwd }, cwd });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function shellOnTerminal(args: string[], answers: string[], cwd: string) {
  return runOnTerminal([process.execPath, cli, "shell", ...args], answers, { cwd, prompt: APPROVAL_PROMPT_END });
}

function auditLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describeHere(`cordon shell${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: ReturnType<typeof scratchDir>;
  let rules: string;
  let policy: string;
  beforeAll(() => {
    scratch = scratchDir();
    rules = join(scratch.path, "test.rules");
    writeFileSync(rules, RULES);
    policy = join(scratch.path, "policy.json");
    writeFileSync(policy, JSON.stringify({ type: "workspace-write" }));
  });
  afterAll(() => scratch.remove());

  test("without a terminal a prompt is denied, forbidden commands never run, and the audit has one line per exec", async () => {
    const audit = join(scratch.path, "audit-1.jsonl");
    const marker = join(scratch.path, "forbidden");
    const script = `ls / >/dev/null; touch ${quote(marker)}; echo "touch $?"; git push; echo "push $?"; exit 5`;
    const result = await shell(["--rules", rules, "--policy", policy, "--audit", audit, "-c", script], scratch.path);
    expect(result.exitCode).toBe(5);
    expect(existsSync(marker)).toBe(false);
    expect(result.stderr).toContain(`cordon: execution denied: touch ${marker}: Execution forbidden by policy (rule ${rules}:2)\n`);
    expect(result.stderr).toContain(`cordon: execution denied: git push: Execution needs approval, but there is no one to ask (rule ${rules}:3)\n`);
    const lines = auditLines(audit);
    expect(lines.map((l) => [l.argv, l.action, l.source])).toEqual([
      [["ls", "/"], "run", "heuristics"],
      [["touch", marker], "deny", "rule"],
      [["git", "push"], "deny", "rule"],
    ]);
    expect(lines[2]).toMatchObject({ command: "git push", justification: "talks to remotes", rule: `${rules}:3` });
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(["time", "runId", "pid", "approvalId", "file", "argv", "cwd", "action", "reason", "source", "ms", "command", "justification", "rule"]);
      expect(line.command).toBe((line.argv as string[]).join(" "));
      expect(line.cwd).toBe(scratch.path);
    }
    // `echo` is bash's builtin, not an exec: only programs are decided.
    expect(result.stdout).toBe("touch 126\npush 126\n");
  });

  test("the script's stdio can be reopened (/dev/stdout, /dev/stderr, /dev/stdin), and bash reads no ~/.bashrc from a socket on stdin", async () => {
    const home = join(scratch.path, "home-with-bashrc");
    const marker = join(scratch.path, "bashrc-ran-shell");
    mkdirSync(home);
    writeFileSync(join(home, ".bashrc"), `: > ${quote(marker)}\n`);
    const result = await runProgram(
      process.execPath,
      [cli, "shell", "--policy", policy, "-c", "echo out > /dev/stdout; echo err > /dev/stderr; cat /dev/stdin"],
      { env: { PATH: process.env.PATH, HOME: home }, cwd: scratch.path, input: "in\n" },
    );
    expect(result).toEqual({ exitCode: 0, stdout: "out\nin\n", stderr: "err\n" });
    expect(existsSync(marker)).toBe(false);
  });

  test("an audit line stays short: a long argument list is cut to its leading arguments, with the bytes cut and a digest of the whole", async () => {
    const audit = join(scratch.path, "audit-long.jsonl");
    const long = "a".repeat(100_000);
    const result = await shell(["--policy", policy, "--audit", audit, "-c", `/bin/true ${long} && /bin/true short`], scratch.path);
    expect(result.exitCode).toBe(0);
    const text = readFileSync(audit, "utf8");
    const lines = auditLines(audit);
    expect(text.length).toBeLessThan(20_000);
    expect(lines.map((l) => [l.argv, l.command, l.argvCut])).toEqual([
      [["/bin/true"], "/bin/true", { bytes: long.length + 1, sha256: createHash("sha256").update(`/bin/true\0${long}\0`).digest("hex") }],
      [["/bin/true", "short"], "/bin/true short", undefined],
    ]);
  });

  const installed = (name: string) => ["/bin", "/usr/bin"].some((dir) => existsSync(join(dir, name)));
  for (const name of ["sh", "zsh"]) testUnless(installed(name) ? null : `${name} is not installed`)(`--shell ${name} is intercepted the same way`, async () => {
    const audit = join(scratch.path, `audit-${name}.jsonl`);
    const marker = join(scratch.path, `forbidden-${name}`);
    const script = `ls / >/dev/null; touch ${quote(marker)}; echo "touch $?"`;
    const result = await shell(["--shell", name, "--rules", rules, "--policy", policy, "--audit", audit, "-c", script], scratch.path);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("touch 126\n");
    expect(existsSync(marker)).toBe(false);
    // sh and zsh try each PATH entry in turn, so a denied program is asked about again under its next path
    // (/bin after /usr/bin): every one of those execs is denied.
    const decided = auditLines(audit).map((l) => JSON.stringify([l.argv, l.action]));
    expect([...new Set(decided)]).toEqual([JSON.stringify([["ls", "/"], "run"]), JSON.stringify([["touch", marker], "deny"])]);
  });

  test("on a terminal each prompt is asked once, with its own approval id; y runs, n denies", async () => {
    const audit = join(scratch.path, "audit-2.jsonl");
    const script = "/bin/echo first; /bin/echo second; /bin/echo done";
    const result = await shellOnTerminal(["--rules", rules, "--audit", audit, "-c", script], ["y", "n", "y"], scratch.path);
    expect(result.status).toBe(0);
    expect(result.screen).toContain('cordon: run ["/bin/echo","first"] in');
    expect(result.screen).toContain("reason: says things");
    expect(result.screen).toMatch(/first\r\n[\s\S]*cordon: execution denied: \/bin\/echo second: User denied execution[\s\S]*done\r\n/);
    const lines = auditLines(audit);
    expect(lines.map((l) => [l.action, l.source])).toEqual([
      ["run", "user"],
      ["deny", "user"],
      ["run", "user"],
    ]);
    const ids = lines.map((l) => l.approvalId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(3);
  });

  test("'s' approves the same command for the rest of the session", async () => {
    const result = await shellOnTerminal(["--rules", rules, "-c", "/bin/echo again; /bin/echo again; /bin/echo again"], ["s"], scratch.path);
    expect(result.status).toBe(0);
    expect(result.prompts).toBe(1);
    expect(result.screen.split("again\r\n").length - 1).toBe(3);
  });

  test("'x' stops the whole command, and cordon exits 130", async () => {
    const after = join(scratch.path, "after-abort");
    const result = await shellOnTerminal(["--rules", rules, "--policy", policy, "-c", `git push; : > ${quote(after)}`], ["x"], scratch.path);
    expect(result.status).toBe(130);
    expect(result.screen).toContain("cordon: the command was aborted");
    expect(existsSync(after)).toBe(false);
  });

  test.each([
    [["-c"], /-c/],
    [[], /-c: -c SCRIPT is required/],
    [["--approval-policy", "sometimes", "-c", "true"], /--approval-policy: /],
    [["--shell", "fish", "-c", "true"], /--shell: /],
    [["--bogus", "-c", "true"], /Unknown option '--bogus'/],
    [["-c", "true", "extra"], /unexpected arguments/],
  ])("usage error %j: exit 125, nothing run", async (args, message) => {
    const result = await shell(args, scratch.path);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UsageError: /);
    expect(result.stderr).toMatch(message);
  });

  test("a broken policy, broken rules or a missing cwd fail with 125 before anything runs", async () => {
    const marker = join(scratch.path, "never-ran");
    const script = `: > ${quote(marker)}`;
    const badPolicy = join(scratch.path, "bad-policy.json");
    writeFileSync(badPolicy, JSON.stringify({ type: "workspace-write", writable_roots: ["relative"] }));
    const badRules = join(scratch.path, "bad.rules");
    writeFileSync(badRules, 'prefix_rule(pattern = ["x"], decision = "perhaps")\n');
    for (const args of [
      ["--policy", badPolicy, "-c", script],
      ["--rules", badRules, "-c", script],
      ["--cwd", join(scratch.path, "missing"), "-c", script],
    ]) {
      const result = await shell(args, scratch.path);
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/^cordon: (PolicyError|RulesError|UsageError): /);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
