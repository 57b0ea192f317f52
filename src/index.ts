/** cordon: confine agent shell commands in an OS sandbox and approve them one execve at a time. */
// The declarations name Node's types (Buffer, NodeJS.ProcessEnv, streams): a host's TypeScript must load them even
// where it no longer adds @types on its own (TypeScript 7); `preserve` keeps this line in the emitted index.d.ts.
/// <reference types="node" preserve="true" />
export * from "./errors.js";
export * from "./policy/index.js";
export * from "./rules/index.js";
export * from "./approval/index.js";
export * from "./bridge/index.js";
export * from "./network/index.js";
export * from "./seatbelt/index.js";
export * from "./platform/index.js";
export * from "./limits/index.js";
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
