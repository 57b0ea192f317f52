/** `cordon run`: run a command under a policy on this host, or print the plan (SPEC §8). */
import { spawn, type StdioOptions } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { constants } from "node:os";
import { UsageError } from "../errors.js";
import type { SandboxedChildProcess, SandboxedCommand } from "../platform/index.js";
import type { ResourceLimits } from "../limits/index.js";
import { existingDirectory, parseCommandLine } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { usages } from "./help.js";
import { loadPolicyFlags, policyFlagOptions, type PolicyFlags } from "./policy-option.js";
import { domainFlagsGiven, networkFlagOptions, networkOptionFrom, type NetworkFlags } from "./network-flags.js";
import { allowedUnixSocketsFrom, describeLimitReport, envPolicyFrom, limitsFrom, linuxOptionsFrom, runFlagOptions, type RunFlags } from "./run-flags.js";

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

/** The launcher's report descriptor (limits), the first after stdio. */
const REPORT_FD = 3;

/** The command's standard streams: cordon's own are inherited, any others are piped; then the launcher's report pipe. */
function stdioFor(io: CliIO, launched: boolean): StdioOptions {
  return [
    io.stdin === process.stdin ? "inherit" : "pipe",
    io.stdout === process.stdout ? "inherit" : "pipe",
    io.stderr === process.stderr ? "inherit" : "pipe",
    ...(launched ? (["pipe"] as const) : []),
  ];
}

/** Ends this process the way the command ended when a signal killed it. */
async function dieOf(signal: NodeJS.Signals): Promise<number> {
  // Removing the last listener restores the default action, even for SIGPIPE,
  // which Node ignores from the start.
  // SIGKILL and SIGSTOP take no listener (and need none: their action is always the default).
  if (signal !== "SIGKILL" && signal !== "SIGSTOP") {
    const noop = () => {};
    process.on(signal, noop);
    process.removeListener(signal, noop);
  }
  process.kill(process.pid, signal);
  // Still here: the signal's default is to be ignored (SIGWINCH, SIGURG).
  // Report it as a shell would.
  await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  return 128 + constants.signals[signal];
}

async function runHere(command: string, plan: SandboxedCommand, cwd: string, io: CliIO, limits: ResourceLimits): Promise<number> {
  const { collectLimitReport } = await import("../platform/index.js");
  const launched = plan.args.includes("--report-fd");
  const child: SandboxedChildProcess = spawn(plan.program, plan.args, { cwd, env: plan.env, stdio: stdioFor(io, launched) });
  const report = launched ? collectLimitReport(child, REPORT_FD) : Promise.resolve();
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
  await report;
  io.stderr.write(describeLimitReport({ limitExceeded: child.limitExceeded, notEnforced: child.limitsNotEnforced }, limits));
  const [code, signal] = outcome;
  return signal === null ? (code ?? 0) : dieOf(signal);
}

/** The plan; arguments that are not UTF-8 and too long to carry exactly are the caller's mistake, not cordon's. */
function planOrUsageError(plan: () => SandboxedCommand): SandboxedCommand {
  try {
    return plan();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

export const run: Command = {
  async run(args, io) {
    const { values, rest, command } = parseCommandLine<RunOptions>(
      args,
      { ...policyFlagOptions, ...runFlagOptions, ...networkFlagOptions, cwd: { type: "string" }, platform: { type: "string" }, "dry-run": { type: "boolean" } },
      usage,
      { bytes: io.exactArgs, carriesCommand: true },
    );
    if (rest.length === 0) throw new UsageError(`no command given after --\nusage: ${usage}`);
    if (rest[0] === "") throw new UsageError(`the command name after -- is empty\nusage: ${usage}`);
    const policy = await loadPolicyFlags(values, io, domainFlagsGiven(values));
    const cwd = resolve(io.cwd, values.cwd ?? ".");
    const platform = (values.platform ?? process.platform) as NodeJS.Platform;
    const dryRun = values["dry-run"] === true;
    if (!dryRun) existingDirectory("--cwd", cwd);
    const envPolicy = envPolicyFrom(values);
    const [{ applyEnvPolicy, prepareSandboxedCommand }, { checkWritableRootsExist }] = await Promise.all([
      import("../platform/index.js"),
      import("../policy/index.js"),
    ]);
    // A plan for this host names this host's directories; one for another OS is only printed.
    if (platform === process.platform) checkWritableRootsExist(policy);
    const limits = limitsFrom(values);
    const network = networkOptionFrom(values, policy);
    // The proxy runs in this process for as long as the command does (Seatbelt reaches it by TCP port).
    const proxy = network === undefined ? undefined : await (await import("../network/index.js")).NetworkProxy.start({ policy: network, tcp: platform === "darwin" });
    try {
      // Planned first, so a policy no backend of that OS can enforce is reported as such.
      const plan = planOrUsageError(() =>
        prepareSandboxedCommand(command, policy, {
          cwd,
          env: applyEnvPolicy(io.env, envPolicy),
          platform,
          linux: linuxOptionsFrom(values),
          allowUnixSockets: allowedUnixSocketsFrom(values, io.cwd),
          limits,
          reportFd: dryRun ? undefined : REPORT_FD,
          networkProxy: proxy,
        }),
      );
      if (!dryRun && platform !== process.platform) {
        throw new UsageError(`--platform ${platform}: cannot run here on ${process.platform}; add --dry-run to print the plan instead`);
      }
      if (dryRun) {
        const shown = { program: plan.program, args: plan.args, env: addedVariables(io.env, plan.env) };
        io.stdout.write(`${JSON.stringify(shown)}\n`);
        return 0;
      }
      return await runHere(rest[0]!, plan, cwd, io, limits);
    } finally {
      await proxy?.close();
    }
  },
};
