/**
 * The approval prompt of `cordon shell` under a real pseudo-terminal: letters
 * that cannot be mistaken for one another, a visible default (N), and an
 * abort that stops the whole command with a documented status (130). Judged
 * by the files the script's commands leave on the host.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { cordonBin } from "../support/cli.js";
import { APPROVAL_PROMPT_END, runOnTerminal, terminalUnavailable } from "../support/terminal.js";

const onTerminal = (args: string[], cwd: string, answers: string[]) =>
  runOnTerminal([process.execPath, cordonBin, ...args], answers, { cwd, prompt: APPROVAL_PROMPT_END });

const unavailable = interceptedShellUnavailable() ?? terminalUnavailable();

(unavailable ? describe.skip : describe)(`the approval prompt on a terminal${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-prompt-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const shellArgs = (script: string) => ["shell", "--sandbox", "workspace-write", "--approval-policy", "untrusted", "-c", script];

  test("a, the old session letter, approves nothing; y, the default (empty line), s and x each do what they say", async () => {
    const script = "touch a; touch b; touch c; touch c; touch d; touch e";
    const session = await onTerminal(shellArgs(script), dir, ["a", "y", "", "s", "x"]);
    // "a" asks again; "touch c" a second time is not asked; nothing after the abort runs.
    expect(session.prompts).toBe(5);
    expect(session.screen).toContain("[y]es / [s]ession");
    expect(session.screen).toContain("[x] abort");
    expect(["a", "b", "c", "d", "e"].filter((name) => existsSync(join(dir, name)))).toEqual(["a", "c"]);
    expect(session.screen).toContain("cordon: the command was aborted (exit status 130)");
    expect(session.status).toBe(130);
  });

  test("n denies that one command and the script goes on", async () => {
    const session = await onTerminal(shellArgs("touch a; touch b; echo done"), dir, ["n", "y"]);
    expect(session.prompts).toBe(2);
    expect(existsSync(join(dir, "a"))).toBe(false);
    expect(existsSync(join(dir, "b"))).toBe(true);
    expect(session.screen).toContain("done");
    expect(session.status).toBe(0);
  });
});
