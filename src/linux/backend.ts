/** The Linux backend: the launcher's arguments for a policy. */
import { UnsupportedOperationError } from "../errors.js";
import {
  hasFullDiskReadAccess,
  hasFullNetworkAccess,
  writableRoots,
  type PathInspector,
  type SandboxPolicy,
} from "../policy/index.js";
import { linuxLauncherArgs } from "./launcher-args.js";
import type { LinuxSandboxOptions } from "./options.js";

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
  /** The exec server that decides every execve in the sandbox. */
  execSocket?: string;
  /** With the network off, the only pathname Unix sockets the command may reach. */
  allowUnixSockets?: readonly string[];
}

/**
 * The launcher arguments that confine `command` to a read-only or
 * workspace-write policy. Restricted reads cannot be expressed with Landlock
 * here yet, so they are refused rather than widened to full reads.
 */
export function linuxCommandArgs(command: readonly string[], policy: SandboxPolicy, options: LinuxCommandOptions): string[] {
  if (!hasFullDiskReadAccess(policy)) {
    throw new UnsupportedOperationError("Restricted read-only access is not yet supported by the Linux sandbox backend");
  }
  const roots = writableRoots(policy, {
    cwd: options.cwd,
    env: options.env,
    protectedNames: options.protectedNames,
    fs: options.fs,
  });
  return linuxLauncherArgs(command, {
    writableRoots: roots,
    networkAccess: hasFullNetworkAccess(policy),
    sandbox: options.sandbox,
    execSocket: options.execSocket,
    allowUnixSockets: options.allowUnixSockets,
  });
}
