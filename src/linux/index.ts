/** The Linux sandbox backend (SPEC §4): Landlock, seccomp and read-only binds, applied by a small launcher. */
export { linuxCommandArgs, LINUX_LAUNCHER_NAME, type LinuxCommandOptions } from "./backend.js";
export {
  linuxLauncherArgs,
  linuxSupervisorOnlyArgs,
  pinnedDirectories,
  type LinuxLauncherPlan,
  type ProxyForward,
  type SupervisorOnlyPlan,
} from "./launcher-args.js";
export { checkLandlockSupport, MINIMUM_LANDLOCK_ABI } from "./landlock-support.js";
export {
  protectionLevels,
  restrictedReadsMode,
  PROTECTIONS,
  type LinuxSandboxOptions,
  type ProtectionLevel,
  type Protection,
  type RestrictedReadsMode,
} from "./options.js";
export {
  bridgeReadablePaths,
  linuxReadablePaths,
  parsePlatformDefaults,
  resolvePlatformDefaults,
  type LinuxReadablePaths,
  type RestrictedReadsOptions,
} from "./restricted-reads.js";
export { linuxPlatformDefaults, LINUX_PLATFORM_DEFAULTS_PATH } from "./platform-defaults.js";
