/**
 * The flags `run` and `shell` share besides the policy: which of cordon's
 * environment reaches the command (`--env-inherit`, as Codex's
 * `shell_environment_policy.inherit`; names matching *KEY*, *SECRET* and
 * *TOKEN* are dropped whatever it says), and the Linux opt-in that enforces
 * restricted reads instead of refusing them (`--enforce-restricted-reads`).
 */
import { UsageError } from "../errors.js";
import type { LinuxSandboxOptions } from "../linux/index.js";
import type { EnvPolicy } from "../platform/index.js";

const INHERIT = ["all", "core", "none"] as const;

/** The parseArgs definitions of these flags. */
export const runFlagOptions = {
  "env-inherit": { type: "string" },
  "enforce-restricted-reads": { type: "boolean" },
} as const;

export interface RunFlags {
  "env-inherit"?: string;
  "enforce-restricted-reads"?: boolean;
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
