/** cordon: confine agent shell commands in an OS sandbox and approve them one execve at a time. */
export * from "./errors.js";
export * from "./policy/index.js";
export * from "./rules/index.js";
export * from "./approval/index.js";
export * from "./bridge/index.js";
export * from "./network/index.js";
export * from "./seatbelt/index.js";
export * from "./platform/index.js";
export {
  linuxLauncherArgs,
  MINIMUM_LANDLOCK_ABI,
  type LinuxSandboxOptions,
  type ProtectionLevel,
  type RestrictedReadsMode,
} from "./linux/index.js";
export {
  execve,
  landlockAbi,
  peerCredentials,
  darwinUserCacheDir,
  type PeerCredentials,
  type LandlockProbe,
} from "./native/index.js";
