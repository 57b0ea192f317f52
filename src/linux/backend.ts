/** The Linux backend: the launcher's arguments for a policy. */
import { UnsupportedOperationError } from "../errors.js";
import type { ResourceLimits } from "../limits/index.js";
import {
  hasFullDiskReadAccess,
  hasFullNetworkAccess,
  writableRoots,
  type PathInspector,
  type SandboxPolicy,
} from "../policy/index.js";
import { linuxLauncherArgs, type ProxyForward } from "./launcher-args.js";
import { restrictedReadsMode, type LinuxSandboxOptions } from "./options.js";
import { linuxPlatformDefaults } from "./platform-defaults.js";
import { bridgeReadablePaths, linuxReadablePaths } from "./restricted-reads.js";

/** The launcher's file name in the native build. */
export const LINUX_LAUNCHER_NAME = "cordon-linux-sandbox";

export interface LinuxCommandOptions {
  cwd: string;
  /** Where `TMPDIR` is looked up. */
  env: NodeJS.ProcessEnv;
  /** Kept read-only in every writable root besides `.git` (default `[".codex"]`). */
  protectedNames?: readonly string[];
  sandbox?: LinuxSandboxOptions;
  /** Filesystem look-ups for the roots (default: Node's). */
  fs?: PathInspector;
  /** cordon's own files and any the caller names: read-only inside, even under a writable root. */
  readOnlyPaths?: readonly string[];
  /** Descriptors above 2 the command keeps (every other one is closed). */
  passFds?: readonly number[];
  /** The exec bridge's socket, for the launcher's exec supervisor. */
  execSocket?: string;
  /** `execSocket` serves sessions (cordon's own bridge). */
  execSession?: boolean;
  /** The variables of each exec's environment the supervisor sends (`NAME*`: a prefix). */
  execEnvironment?: readonly string[];
  /** `DEV:INO` of the socket file at `execSocket`, as the host bound it. */
  execSocketId?: string;
  /** Pathname Unix sockets the command may connect to; put in its view under restricted reads. */
  allowUnixSockets?: readonly string[];
  /** Resource limits of the whole run (SPEC §12). */
  limits?: ResourceLimits;
  /** Where the launcher reports which limit ended the run. */
  reportFd?: number;
  /** The network proxy's ports inside: the network is then the proxy's only (see `linuxLauncherArgs`). */
  proxyForwards?: readonly ProxyForward[];
}

/**
 * The launcher arguments that confine `command` to a read-only or
 * workspace-write policy. Restricted reads are refused rather than widened to
 * full reads, unless the caller opts in to their enforcement
 * (`restrictedReads: "enforce"`).
 */
export function linuxCommandArgs(command: readonly string[], policy: SandboxPolicy, options: LinuxCommandOptions): string[] {
  const restricted = !hasFullDiskReadAccess(policy);
  const mode = restrictedReadsMode(options.sandbox);
  if (restricted && mode === "refuse") {
    throw new UnsupportedOperationError("Restricted read-only access is not yet supported by the Linux sandbox backend");
  }
  const roots = writableRoots(policy, {
    cwd: options.cwd,
    env: options.env,
    protectedNames: options.protectedNames,
    fs: options.fs,
  });
  const readable = restricted
    ? linuxReadablePaths(policy, {
        cwd: options.cwd,
        env: options.env,
        writableRoots: roots,
        platformDefaults: linuxPlatformDefaults(),
        bridgePaths: bridgeReadablePaths(options.env, options.allowUnixSockets),
        fs: options.fs,
      })
    : null;
  return linuxLauncherArgs(command, {
    writableRoots: roots,
    readableRoots: readable?.readableRoots,
    networkAccess: hasFullNetworkAccess(policy) && (options.proxyForwards ?? []).length === 0,
    sandbox: options.sandbox,
    readOnlyPaths: options.readOnlyPaths,
    passFds: options.passFds,
    execSocket: options.execSocket,
    execSession: options.execSession,
    execEnvironment: options.execEnvironment,
    execSocketId: options.execSocketId,
    allowUnixSockets: options.allowUnixSockets,
    limits: options.limits,
    reportFd: options.reportFd,
    proxyForwards: options.proxyForwards,
  });
}
