/** Runs a program on a pseudo-terminal (util-linux `script`) and answers its prompts, as a person would. */
import { spawn, spawnSync } from "node:child_process";

/** How `cordon shell` ends each approval question. */
export const APPROVAL_PROMPT_END = "[y/s/n/x, default N]: ";

export interface TerminalSession {
  /** The exit status `script` passed on (the program's). */
  status: number | null;
  /** Everything the terminal showed. */
  screen: string;
  /** How many times the prompt appeared. */
  prompts: number;
}

/** Why programs cannot be run on a pseudo-terminal here, or null. */
export function terminalUnavailable(): string | null {
  return spawnSync("script", ["-qfec", "true", "/dev/null"]).status === 0 ? null : "util-linux script(1) is needed for a pseudo-terminal";
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `command` on a fresh pseudo-terminal, typing each answer (and a
 * newline) once the prompt for it has appeared. Killed after 30 seconds.
 */
export function runOnTerminal(command: string[], answers: string[], options: { cwd: string; prompt: string }): Promise<TerminalSession> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command.map(quote).join(" "), "/dev/null"], { cwd: options.cwd, stdio: ["pipe", "pipe", "inherit"] });
    let screen = "";
    let answered = 0;
    const prompts = () => screen.split(options.prompt).length - 1;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      screen += chunk;
      while (answered < prompts() && answered < answers.length) child.stdin.write(`${answers[answered++]}\n`);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ status, screen, prompts: prompts() });
    });
  });
}
