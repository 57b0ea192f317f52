/**
 * The flags `run` and `shell` share besides the policy: which of cordon's
 * environment reaches the command (`--env-inherit`, as Codex's
 * `shell_environment_policy.inherit`; names matching *KEY*, *SECRET* and
 * *TOKEN* are dropped whatever it says), the Linux opt-in that enforces
 * restricted reads instead of refusing them (`--enforce-restricted-reads`),
 * the Unix sockets of the host the command may connect to
 * (`--allow-unix-socket`, whatever the network setting), and the run's
 * resource limits (`--limit NAME=VALUE`, SPEC §12).
 */
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { limitExceededMessage, parseLimitOption, type LimitReport, type ResourceLimits } from "../limits/index.js";
import type { LinuxSandboxOptions } from "../linux/index.js";
import type { EnvPolicy } from "../platform/index.js";

const INHERIT = ["all", "core", "none"] as const;

/** The parseArgs definitions of these flags. */
export const runFlagOptions = {
  "env-inherit": { type: "string" },
  "enforce-restricted-reads": { type: "boolean" },
  limit: { type: "string", multiple: true },
  "allow-unix-socket": { type: "string", multiple: true },
} as const;

export interface RunFlags {
  "env-inherit"?: string;
  "enforce-restricted-reads"?: boolean;
  limit?: string[];
  "allow-unix-socket"?: string[];
}

/** The environment policy the flags ask for (a usage error for an unknown mode). */
export function envPolicyFrom(flags: RunFlags): EnvPolicy {
  const inherit = flags["env-inherit"];
  if (inherit === undefined) return {};
  if (!(INHERIT as readonly string[]).includes(inherit)) {
    throw new UsageError(`--env-inherit: expected one of ${INHERIT.join(", ")}, got ${JSON.stringify(inherit)}`);
  }
  return { inherit: inherit as EnvPolicy["inherit"] };
}

/** The Linux sandbox options the flags ask for. */
export function linuxOptionsFrom(flags: RunFlags): LinuxSandboxOptions | undefined {
  return flags["enforce-restricted-reads"] === true ? { restrictedReads: "enforce" } : undefined;
}

/** The resource limits of `--limit NAME=VALUE` (repeatable; a usage error for a bad name or value). */
export function limitsFrom(flags: RunFlags): ResourceLimits {
  let limits: ResourceLimits = {};
  for (const text of flags.limit ?? []) limits = parseLimitOption(text, limits);
  return limits;
}

/** What the launcher reported, said on stderr: a limit that ended the run, and the default one this host cannot enforce. */
export function describeLimitReport(report: Partial<LimitReport>, limits: ResourceLimits): string {
  const lines = (report.notEnforced ?? []).map(({ name, reason }) => `cordon: warning: the ${name} limit is not enforced on this host (${reason})\n`);
  if (report.limitExceeded) lines.push(`${limitExceededMessage(report.limitExceeded, limits)}\n`);
  return lines.join("");
}

/** The Unix sockets the flags allow, absolute (relative ones are taken from `cwd`, cordon's own directory). */
export function allowedUnixSocketsFrom(flags: RunFlags, cwd: string): string[] {
  return (flags["allow-unix-socket"] ?? []).map((path) => {
    if (path === "") throw new UsageError("--allow-unix-socket: the path is empty");
    return resolve(cwd, path);
  });
}
