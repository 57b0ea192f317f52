/** Platform backends and the fail-closed rules (SPEC §4): plan or spawn a command under a policy. */
export { prepareSandboxedCommand, type SandboxedCommand, type SandboxCommandOptions } from "./prepare.js";
export { collectLimitReport, spawnSandboxed, type SandboxedChildProcess, type SpawnSandboxedOptions } from "./spawn.js";
export { exactCommand, inexactBytes, EXACT_ARGUMENTS_SHELL, type CommandArgument } from "./exact-command.js";
export {
  sandboxEnvironment,
  applyEnvPolicy,
  envPolicySchema,
  DEFAULT_ENV_EXCLUDES,
  CORE_VARIABLES,
  type SandboxBackend,
  type EnvPolicy,
} from "./environment.js";
