/**
 * The approval prompt of `cordon shell` under a real pseudo-terminal: letters
 * that cannot be mistaken for one another, a visible default (N), and an
 * abort that stops the whole command with a documented status (130). Judged
 * by the files the script's commands leave on the host.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { cordonBin } from "../support/cli.js";

const driver = fileURLToPath(new URL("fixtures/pty-session.py", import.meta.url));
const QUESTION_END = "[y/s/n/x, default N]: ";

interface PtySession {
  status: number;
  output: string;
  prompts: number;
}

function onTerminal(args: string[], cwd: string, answers: string[]): PtySession {
  const spec = { argv: [process.execPath, cordonBin, ...args], cwd, prompt: QUESTION_END, answers };
  const result = spawnSync("python3", [driver, JSON.stringify(spec)], { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`the pty driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as PtySession;
}

function whyNot(): string | null {
  const shell = interceptedShellUnavailable();
  if (shell) return shell;
  return spawnSync("python3", ["-c", "import pty"]).status === 0 ? null : "python3 with its pty module is needed";
}

const unavailable = whyNot();

(unavailable ? describe.skip : describe)(`the approval prompt on a terminal${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-prompt-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const shellArgs = (script: string) => ["shell", "--sandbox", "workspace-write", "--approval-policy", "untrusted", "-c", script];

  test("a, the old session letter, approves nothing; y, the default (empty line), s and x each do what they say", () => {
    const script = "touch a; touch b; touch c; touch c; touch d; touch e";
    const session = onTerminal(shellArgs(script), dir, ["a", "y", "", "s", "x"]);
    // "a" asks again; "touch c" a second time is not asked; nothing after the abort runs.
    expect(session.prompts).toBe(5);
    expect(session.output).toContain("[y]es / [s]ession");
    expect(session.output).toContain("[x] abort");
    expect(["a", "b", "c", "d", "e"].filter((name) => existsSync(join(dir, name)))).toEqual(["a", "c"]);
    expect(session.output).toContain("cordon: the command was aborted (exit status 130)");
    expect(session.status).toBe(130);
  });

  test("n denies that one command and the script goes on", () => {
    const session = onTerminal(shellArgs("touch a; touch b; echo done"), dir, ["n", "y"]);
    expect(session.prompts).toBe(2);
    expect(existsSync(join(dir, "a"))).toBe(false);
    expect(existsSync(join(dir, "b"))).toBe(true);
    expect(session.output).toContain("done");
    expect(session.status).toBe(0);
  });
});
