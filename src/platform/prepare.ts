/** Picks the backend for a platform and fails closed where none can enforce the policy (SPEC §4). */
import { accessSync, constants, existsSync, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { NativeError, UnsupportedOperationError } from "../errors.js";
import { checkLandlockSupport, LINUX_LAUNCHER_NAME, linuxCommandArgs, type LinuxSandboxOptions } from "../linux/index.js";
import { landlockAbi, nativeArtifactPath, requireNativeArtifact } from "../native/index.js";
import { LINUX_PROXY_PORTS, proxyEnvironment, type NetworkProxyEndpoints } from "../network/index.js";
import { hasFullNetworkAccess, type SandboxPolicy } from "../policy/index.js";
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
   * Unix socket paths the command may connect to (the exec-bridge socket).
   * Seatbelt needs each one named; on Linux the launcher's supervisor vets
   * pathname connects against them when the network is off, and under
   * restricted reads each is put in the command's view.
   */
  allowUnixSockets?: string[];
  /** Names kept read-only in every writable root besides `.git` (default `[".codex"]`). */
  protectedNames?: string[];
  /**
   * Linux: paths kept read-only inside the sandbox even where they lie under
   * a writable root (the exec bridge's socket directory). cordon's own native
   * files are always added.
   */
  readOnlyPaths?: string[];
  /**
   * Linux: descriptors above 2 that the command keeps (each must also be in
   * the spawn's `stdio`); every other descriptor is closed before it runs.
   */
  passFds?: number[];
  /** Linux: the exec bridge's socket, which the launcher's exec supervisor asks about every exec. */
  execSocket?: string;
  /** Requirement levels and test hooks of the Linux backend. */
  linux?: LinuxSandboxOptions;
  /**
   * A running network proxy (`NetworkProxy`): a policy that grants network
   * gets it only through the proxy. A policy without network stays without.
   */
  networkProxy?: NetworkProxyEndpoints;
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
 * cordon's own native files, which a command must not change for the next
 * run (a launcher renamed away or replaced is a run without a sandbox): the
 * launcher and the build directory with the exec wrapper, the addon and the
 * interposer. Canonical, as the launcher compares them with the roots.
 */
function ownFiles(launcher: string): string[] {
  const canonical = (path: string) => {
    try {
      return realpathSync.native(path);
    } catch {
      return path;
    }
  };
  return [canonical(launcher), canonical(dirname(nativeArtifactPath(LINUX_LAUNCHER_NAME)))];
}

/**
 * `DEV:INO` of the exec socket as it is now, right after the host bound it:
 * the launcher compares it with the file it pins, so that a socket put in its
 * place meanwhile (from another sandbox whose writable roots hold it) is
 * refused rather than asked.
 */
function socketId(path: string): string {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (stat === undefined || !stat.isSocket()) throw new NativeError(`the exec socket ${path} is not a socket`);
  return `${stat.dev}:${stat.ino}`;
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
  // No network wins over a proxy: the command then gets neither.
  const proxy = hasFullNetworkAccess(policy) ? options.networkProxy : undefined;
  if (proxy !== undefined && (policy.type === "danger-full-access" || policy.type === "external-sandbox")) {
    throw new UnsupportedOperationError(`a network proxy needs a sandbox to be the only way out, and a ${policy.type} policy has none`);
  }
  const direct = () => ({ program: command[0]!, args: command.slice(1), env: sandboxEnvironment(env, policy, null) });
  if (policy.type === "danger-full-access") return direct();
  if (platform === "win32") prepareWindowsCommand(policy);
  if (policy.type === "external-sandbox") return direct();
  if (platform === "darwin") {
    // Seatbelt reaches the proxy by its loopback TCP ports (started with `tcp: true`); without any, no network.
    const ports = proxy === undefined ? [] : [proxy.httpPort, proxy.socksPort].filter((port) => port !== undefined);
    const args = createSeatbeltCommandArgs(command, policy, {
      cwd: options.cwd,
      env,
      allowUnixSockets: options.allowUnixSockets,
      protectedNames: options.protectedNames,
      networkProxy: proxy === undefined ? undefined : { ports, allowLocalBinding: proxy.allowLocalBinding === true },
    });
    const proxyVariables =
      proxy?.httpPort === undefined || proxy.socksPort === undefined ? {} : proxyEnvironment({ http: proxy.httpPort, socks: proxy.socksPort });
    return { program: SANDBOX_EXEC_PATH, args, env: { ...sandboxEnvironment(env, policy, "seatbelt"), ...proxyVariables } };
  }
  const sandbox = options.linux;
  // Planning for another machine (a dry run): its launcher and kernel are not this host's to check.
  const runsHere = platform === process.platform;
  const program = runsHere ? launcherHere(sandbox) : (sandbox?.launcherPath ?? nativeArtifactPath(LINUX_LAUNCHER_NAME));
  const args = linuxCommandArgs(command, policy, {
    cwd: options.cwd,
    env,
    protectedNames: options.protectedNames,
    sandbox,
    readOnlyPaths: [...ownFiles(program), ...(options.readOnlyPaths ?? [])],
    passFds: options.passFds,
    execSocket: options.execSocket,
    execSocketId: runsHere && options.execSocket !== undefined ? socketId(options.execSocket) : undefined,
    allowUnixSockets: options.allowUnixSockets,
    proxyForwards:
      proxy === undefined
        ? undefined
        : [
            { port: LINUX_PROXY_PORTS.http, socketPath: proxy.httpSocketPath },
            { port: LINUX_PROXY_PORTS.socks, socketPath: proxy.socksSocketPath },
          ],
  });
  if (runsHere) checkLandlockSupport(landlockAbi(), sandbox);
  const proxyVariables = proxy === undefined ? {} : proxyEnvironment(LINUX_PROXY_PORTS);
  return { program, args, env: { ...sandboxEnvironment(env, policy, "linux"), ...proxyVariables } };
}
