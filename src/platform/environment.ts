/** The variables a sandboxed command finds in its environment besides the caller's. */
import { hasFullNetworkAccess, type SandboxPolicy } from "../policy/index.js";

/** Which enforcement confines the command. */
export type SandboxBackend = "seatbelt" | "linux";

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
