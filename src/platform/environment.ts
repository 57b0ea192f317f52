/** The environment a sandboxed command starts with: what the host's policy lets through, plus what cordon adds. */
import { z } from "zod";
import { hasFullNetworkAccess, type SandboxPolicy } from "../policy/index.js";

/** Which enforcement confines the command. */
export type SandboxBackend = "seatbelt" | "linux";

/**
 * Which of the host's variables reach a command, as Codex's
 * `shell_environment_policy`: start from `inherit` ("all", default; "core":
 * CORE_VARIABLES only; "none"), drop names matching the default patterns
 * (`*KEY*`, `*SECRET*`, `*TOKEN*`, unless `ignoreDefaultExcludes`), drop
 * names matching `exclude`, then add `set`. Patterns are globs (`*`, `?`)
 * matched against the whole name, case-insensitively.
 */
export interface EnvPolicy {
  inherit?: "all" | "core" | "none";
  ignoreDefaultExcludes?: boolean;
  exclude?: string[];
  set?: Record<string, string>;
}

export const DEFAULT_ENV_EXCLUDES: readonly string[] = Object.freeze(["*KEY*", "*SECRET*", "*TOKEN*"]);
/** What `inherit: "core"` keeps, besides every `LC_*`. */
export const CORE_VARIABLES: readonly string[] = Object.freeze(["HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP", "LANG"]);

const variableName = z.string().regex(/^[^=\0]+$/, { error: "must be a variable name (no '=' or NUL)" });
export const envPolicySchema = z.strictObject({
  inherit: z.enum(["all", "core", "none"]).optional(),
  ignoreDefaultExcludes: z.boolean().optional(),
  exclude: z.array(z.string().refine((p) => !p.includes("\0"), { error: "must not contain NUL" })).optional(),
  set: z.record(variableName, z.string().refine((v) => !v.includes("\0"), { error: "must not contain NUL" })).optional(),
});

function globPattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`, "is");
}

function isCore(name: string): boolean {
  return CORE_VARIABLES.includes(name) || name.startsWith("LC_");
}

/**
 * `env` filtered by `policy` (pure; default: inherit all but the default
 * excludes). Throws a TypeError naming the field when the policy is malformed.
 */
export function applyEnvPolicy(env: NodeJS.ProcessEnv, policy: EnvPolicy = {}): Record<string, string> {
  const checked = envPolicySchema.safeParse(policy);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new TypeError(`envPolicy.${issue.path.join(".")}: ${issue.message}`);
  }
  const { inherit = "all", ignoreDefaultExcludes = false, exclude = [] } = checked.data;
  // The caller's own object, not zod's copy: a record key like __proto__ must survive as a name.
  const set = policy.set ?? {};
  const excluded = [...(ignoreDefaultExcludes ? [] : DEFAULT_ENV_EXCLUDES), ...exclude].map(globPattern);
  const result: Record<string, string> = {};
  // Defined, not assigned: a variable named __proto__ stays a variable.
  const put = (name: string, value: string) => Object.defineProperty(result, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || inherit === "none" || (inherit === "core" && !isCore(name))) continue;
    if (excluded.some((pattern) => pattern.test(name))) continue;
    put(name, value);
  }
  for (const [name, value] of Object.entries(set)) put(name, value);
  return result;
}

/**
 * `env` plus `CORDON_SANDBOX=<backend>` when a backend confines the command
 * and `CORDON_SANDBOX_NETWORK_DISABLED=1` when the policy cuts the network, so
 * that scripts (test suites, build tools) can tell why a connection fails.
 */
export function sandboxEnvironment(
  env: NodeJS.ProcessEnv,
  policy: SandboxPolicy,
  backend: SandboxBackend | null,
): NodeJS.ProcessEnv {
  const added: NodeJS.ProcessEnv = {};
  if (backend !== null) added.CORDON_SANDBOX = backend;
  if (!hasFullNetworkAccess(policy)) added.CORDON_SANDBOX_NETWORK_DISABLED = "1";
  return { ...env, ...added };
}
