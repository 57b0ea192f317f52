/** Picks the backend for a platform and fails closed where none can enforce the policy (SPEC §4). */
import { accessSync, constants, existsSync } from "node:fs";
import { NativeError, UnsupportedOperationError } from "../errors.js";
import { checkLandlockSupport, LINUX_LAUNCHER_NAME, linuxCommandArgs, type LinuxSandboxOptions } from "../linux/index.js";
import { landlockAbi, nativeArtifactPath, requireNativeArtifact } from "../native/index.js";
import type { SandboxPolicy } from "../policy/index.js";
import { createSeatbeltCommandArgs, SANDBOX_EXEC_PATH } from "../seatbelt/index.js";
import { prepareWindowsCommand } from "../windows/index.js";
import { sandboxEnvironment } from "./environment.js";

/** What to spawn: `program` with `args` (argv[0] is `program`) and `env`. */
export interface SandboxedCommand {
  program: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface SandboxCommandOptions {
  /** The command's working directory (writable under workspace-write). */
  cwd: string;
  /** The command's environment (default `process.env`); the result is this plus what the backend adds. */
  env?: NodeJS.ProcessEnv;
  /** The platform to plan for (default `process.platform`); one cordon has no backend for fails closed. */
  platform?: NodeJS.Platform;
  /**
   * Unix socket paths the command may connect to (absolute, canonical). Seatbelt
   * needs each one named; on Linux, with the network off, connect and send to
   * any other socket file fail with EACCES (matched by exact resolved path).
   */
  allowUnixSockets?: string[];
  /**
   * Linux: the exec server (an `ExecBridge` socket) that decides every execve
   * in the sandbox. The launcher's unsandboxed parent asks it; nothing inside
   * the sandbox learns the path.
   */
  execSocket?: string;
  /** Names kept read-only in every writable root besides `.git` (default `[".codex"]`). */
  protectedNames?: string[];
  /** Requirement levels and test hooks of the Linux backend. */
  linux?: LinuxSandboxOptions;
}

const PLATFORMS: readonly NodeJS.Platform[] = ["linux", "darwin", "win32"];

function checkCommand(command: readonly string[]): void {
  if (!Array.isArray(command) || command.length === 0) throw new TypeError("command must be a non-empty array of strings");
  for (const arg of command) {
    if (typeof arg !== "string") throw new TypeError("command must be a non-empty array of strings");
    if (arg.includes("\0")) throw new TypeError(`command arguments must not contain NUL bytes: ${JSON.stringify(arg)}`);
  }
}

/**
 * The launcher to run here: the packaged one, or the one the options name.
 * It must exist and be executable; otherwise spawning would fail with an
 * error that looks like the command's own.
 */
function launcherHere(sandbox: LinuxSandboxOptions | undefined): string {
  const configured = sandbox?.launcherPath;
  if (configured !== undefined && !existsSync(configured)) {
    throw new NativeError(`the Linux sandbox launcher ${configured} does not exist`);
  }
  const path = configured ?? requireNativeArtifact(LINUX_LAUNCHER_NAME);
  try {
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new NativeError(`the Linux sandbox launcher ${path} is not executable`, { cause: error });
  }
  return path;
}

/**
 * The program, arguments and environment that run `command` under `policy`
 * on `options.platform`, or an UnsupportedOperationError when that platform
 * cannot enforce it. Nothing is spawned; when the platform is this host's,
 * the host is also checked (Landlock, the launcher), so that a plan that
 * would fail is refused here.
 */
export function prepareSandboxedCommand(
  command: string[],
  policy: SandboxPolicy,
  options: SandboxCommandOptions,
): SandboxedCommand {
  checkCommand(command);
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  if (!PLATFORMS.includes(platform)) {
    throw new UnsupportedOperationError(`cordon has no sandbox backend for the platform "${platform}"; nothing was run`);
  }
  const direct = () => ({ program: command[0]!, args: command.slice(1), env: sandboxEnvironment(env, policy, null) });
  if (policy.type === "danger-full-access") return direct();
  if (platform === "win32") prepareWindowsCommand(policy);
  if (policy.type === "external-sandbox") return direct();
  if (platform === "darwin") {
    const args = createSeatbeltCommandArgs(command, policy, {
      cwd: options.cwd,
      env,
      allowUnixSockets: options.allowUnixSockets,
      protectedNames: options.protectedNames,
    });
    return { program: SANDBOX_EXEC_PATH, args, env: sandboxEnvironment(env, policy, "seatbelt") };
  }
  const sandbox = options.linux;
  const args = linuxCommandArgs(command, policy, {
    cwd: options.cwd,
    env,
    protectedNames: options.protectedNames,
    sandbox,
    execSocket: options.execSocket,
    allowUnixSockets: options.allowUnixSockets,
  });
  // Planning for another machine (a dry run): its launcher and kernel are not this host's to check.
  const runsHere = platform === process.platform;
  const program = runsHere ? launcherHere(sandbox) : (sandbox?.launcherPath ?? nativeArtifactPath(LINUX_LAUNCHER_NAME));
  if (runsHere) checkLandlockSupport(landlockAbi(), sandbox);
  return { program, args, env: sandboxEnvironment(env, policy, "linux") };
}
