/** `cordon run`: run a command under a policy on this host, or print the plan (SPEC §8). */
import { spawn, type StdioOptions } from "node:child_process";
import { once } from "node:events";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { constants } from "node:os";
import { UsageError } from "../errors.js";
import type { SandboxedCommand } from "../platform/index.js";
import { parseCommandLine } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { usages } from "./help.js";
import { loadPolicyFlags, policyFlagOptions, type PolicyFlags } from "./policy-option.js";
import { domainFlagsGiven, networkFlagOptions, networkOptionFrom, type NetworkFlags } from "./network-flags.js";
import { envPolicyFrom, linuxOptionsFrom, runFlagOptions, type RunFlags } from "./run-flags.js";

const usage = usages.run;

interface RunOptions extends PolicyFlags, RunFlags, NetworkFlags {
  cwd?: string;
  platform?: string;
  "dry-run"?: boolean;
}

// The statuses a shell reports for a command it cannot run.
const EXIT_NOT_EXECUTABLE = 126;
const EXIT_NOT_FOUND = 127;

// Passed on to the command. SIGINT and SIGQUIT are ignored instead while it
// runs, as system(3) does: the terminal sends them to the command as well.
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGUSR2", "SIGWINCH"];
const IGNORED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGQUIT"];

/** The variables the plan adds or changes: the caller's own environment is never printed. */
function addedVariables(before: NodeJS.ProcessEnv, after: NodeJS.ProcessEnv): Record<string, string> {
  const added: Record<string, string> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== undefined && before[key] !== value) added[key] = value;
  }
  return added;
}

function checkDirectory(cwd: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`--cwd: ${cwd} is not a directory`);
}

/** The command's standard streams: cordon's own are inherited, any others are piped. */
function stdioFor(io: CliIO): StdioOptions {
  return [
    io.stdin === process.stdin ? "inherit" : "pipe",
    io.stdout === process.stdout ? "inherit" : "pipe",
    io.stderr === process.stderr ? "inherit" : "pipe",
  ];
}

/** Ends this process the way the command ended when a signal killed it. */
async function dieOf(signal: NodeJS.Signals): Promise<number> {
  // Removing the last listener restores the default action, even for SIGPIPE,
  // which Node ignores from the start.
  const noop = () => {};
  process.on(signal, noop);
  process.removeListener(signal, noop);
  process.kill(process.pid, signal);
  // Still here: the signal's default is to be ignored (SIGWINCH, SIGURG).
  // Report it as a shell would.
  await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  return 128 + constants.signals[signal];
}

async function runHere(command: string, plan: SandboxedCommand, cwd: string, io: CliIO): Promise<number> {
  const child = spawn(plan.program, plan.args, { cwd, env: plan.env, stdio: stdioFor(io) });
  child.stdin?.on("error", () => {}); // the command may exit before reading its input
  if (child.stdin) io.stdin.pipe(child.stdin);
  child.stdout?.pipe(io.stdout, { end: false });
  child.stderr?.pipe(io.stderr, { end: false });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const ignore = () => {};
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  for (const signal of IGNORED_SIGNALS) process.on(signal, ignore);
  let outcome: [number | null, NodeJS.Signals | null];
  try {
    outcome = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  } catch (error) {
    // Only a command run directly (no sandbox) can fail to start here.
    const errno = (error as NodeJS.ErrnoException).code;
    io.stderr.write(`cordon: ${command}: ${(error as Error).message}\n`);
    return errno === "ENOENT" ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, forward);
    for (const signal of IGNORED_SIGNALS) process.removeListener(signal, ignore);
    if (child.stdin) io.stdin.unpipe(child.stdin);
  }
  const [code, signal] = outcome;
  return signal === null ? (code ?? 0) : dieOf(signal);
}

export const run: Command = {
  async run(args, io) {
    const { values, rest } = parseCommandLine<RunOptions>(
      args,
      { ...policyFlagOptions, ...runFlagOptions, ...networkFlagOptions, cwd: { type: "string" }, platform: { type: "string" }, "dry-run": { type: "boolean" } },
      usage,
    );
    if (rest.length === 0) throw new UsageError(`no command given after --\nusage: ${usage}`);
    const policy = await loadPolicyFlags(values, io, domainFlagsGiven(values));
    const cwd = resolve(io.cwd, values.cwd ?? ".");
    const platform = (values.platform ?? process.platform) as NodeJS.Platform;
    const dryRun = values["dry-run"] === true;
    if (!dryRun) checkDirectory(cwd);
    const envPolicy = envPolicyFrom(values);
    const { applyEnvPolicy, prepareSandboxedCommand } = await import("../platform/index.js");
    const network = networkOptionFrom(values, policy);
    // The proxy runs in this process for as long as the command does (Seatbelt reaches it by TCP port).
    const proxy = network === undefined ? undefined : await (await import("../network/index.js")).NetworkProxy.start({ policy: network, tcp: platform === "darwin" });
    try {
      // Planned first, so a policy no backend of that OS can enforce is reported as such.
      const plan = prepareSandboxedCommand(rest, policy, {
        cwd,
        env: applyEnvPolicy(io.env, envPolicy),
        platform,
        linux: linuxOptionsFrom(values),
        networkProxy: proxy,
      });
      if (!dryRun && platform !== process.platform) {
        throw new UsageError(`--platform ${platform}: cannot run here on ${process.platform}; add --dry-run to print the plan instead`);
      }
      if (dryRun) {
        const shown = { program: plan.program, args: plan.args, env: addedVariables(io.env, plan.env) };
        io.stdout.write(`${JSON.stringify(shown)}\n`);
        return 0;
      }
      return await runHere(rest[0]!, plan, cwd, io);
    } finally {
      await proxy?.close();
    }
  },
};
