/** Picks the backend for a platform and fails closed where none can enforce the policy (SPEC §4). */
import { accessSync, constants, existsSync, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { NativeError, UnsupportedOperationError } from "../errors.js";
import { parseResourceLimits, perProcessLimitPrefix, perRunLimitsAsked, type ResourceLimits } from "../limits/index.js";
import {
  checkLandlockSupport,
  LINUX_LAUNCHER_NAME,
  linuxCommandArgs,
  linuxSupervisorOnlyArgs,
  type LinuxSandboxOptions,
} from "../linux/index.js";
import { landlockAbi, nativeArtifactPath, requireNativeExecutable } from "../native/index.js";
import { LINUX_PROXY_PORTS, proxyEnvironment, type NetworkProxyEndpoints } from "../network/index.js";
import { hasFullNetworkAccess, type SandboxPolicy } from "../policy/index.js";
import { createSeatbeltCommandArgs, SANDBOX_EXEC_PATH } from "../seatbelt/index.js";
import { prepareWindowsCommand } from "../windows/index.js";
import { sandboxEnvironment } from "./environment.js";
import { exactCommand, type CommandArgument } from "./exact-command.js";

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
  /**
   * Linux: the exec bridge's socket, which the launcher's exec supervisor asks
   * about every exec. With a policy that confines nothing (danger-full-access,
   * external-sandbox) the launcher then still runs, with the supervisor alone.
   */
  execSocket?: string;
  /**
   * Linux: `execSocket` is cordon's own bridge, which serves sessions: the
   * supervisor keeps one connection for the run and may keep decisions the
   * host marks (SPEC §5). A plain Codex-format server must leave it unset.
   */
  execSession?: boolean;
  /** Linux: the variables of each exec's environment the supervisor sends with its question (`NAME*`: a prefix). */
  execEnvironment?: readonly string[];
  /** Requirement levels and test hooks of the Linux backend. */
  linux?: LinuxSandboxOptions;
  /**
   * Resource limits of the whole run (SPEC §12). Linux only: elsewhere, and
   * for policies that start no launcher, asking for one is refused.
   */
  limits?: ResourceLimits;
  /**
   * Linux: a descriptor of the spawn (above 2, in its `stdio`, not in
   * `passFds`) where the launcher writes one line per limit it could not
   * enforce or that ended the run (see `parseLimitReport`).
   */
  reportFd?: number;
  /**
   * A running network proxy (`NetworkProxy`): a policy that grants network
   * gets it only through the proxy. A policy without network stays without.
   */
  networkProxy?: NetworkProxyEndpoints;
}

const PLATFORMS: readonly NodeJS.Platform[] = ["linux", "darwin", "win32"];

function checkCommand(command: readonly CommandArgument[]): void {
  const shape = "command must be a non-empty array of strings (or Buffers, for bytes that are not UTF-8)";
  if (!Array.isArray(command) || command.length === 0) throw new TypeError(shape);
  for (const arg of command) {
    if (typeof arg !== "string" && !Buffer.isBuffer(arg)) throw new TypeError(shape);
    if (typeof arg === "string" ? arg.includes("\0") : arg.includes(0)) {
      throw new TypeError(`command arguments must not contain NUL bytes: ${JSON.stringify(arg.toString())}`);
    }
  }
}

/**
 * The launcher to run here: the packaged one, or the one the options name.
 * It must exist and be executable; otherwise spawning would fail with an
 * error that looks like the command's own.
 */
function launcherHere(sandbox: LinuxSandboxOptions | undefined): string {
  const configured = sandbox?.launcherPath;
  // The packaged launcher is checked by its self-test; one the options name, only for being there and executable.
  if (configured === undefined) return requireNativeExecutable(LINUX_LAUNCHER_NAME);
  if (!existsSync(configured)) throw new NativeError(`the Linux sandbox launcher ${configured} does not exist`);
  try {
    accessSync(configured, constants.X_OK);
  } catch (error) {
    throw new NativeError(`the Linux sandbox launcher ${configured} is not executable`, { cause: error });
  }
  return configured;
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
 * cannot enforce it. An argument given as a Buffer reaches the program as
 * exactly those bytes (through `/bin/sh` when they are not UTF-8; a
 * RangeError when they are too long for that). Nothing is spawned; when the platform is this host's,
 * the host is also checked (Landlock, the launcher), so that a plan that
 * would fail is refused here.
 */
export function prepareSandboxedCommand(
  given: readonly CommandArgument[],
  policy: SandboxPolicy,
  options: SandboxCommandOptions,
): SandboxedCommand {
  checkCommand(given);
  const command = exactCommand(given);
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
  const limits = parseResourceLimits(options.limits);
  const asked = Object.keys(limits);
  const unlimited = (where: string) => {
    if (asked.length > 0 && options.linux?.limits !== "best-effort") {
      throw new UnsupportedOperationError(`resource limits (${asked.join(", ")}) are not enforced ${where}; nothing was run`);
    }
  };
  const sandbox = options.linux;
  // Planning for another machine (a dry run): its launcher and kernel are not this host's to check.
  const runsHere = platform === process.platform;
  const launcher = () => (runsHere ? launcherHere(sandbox) : (sandbox?.launcherPath ?? nativeArtifactPath(LINUX_LAUNCHER_NAME)));
  const execSocketId = runsHere && options.execSocket !== undefined ? socketId(options.execSocket) : undefined;
  const unconfined = () => {
    if (platform !== "linux" || options.execSocket === undefined) {
      unlimited(`for a ${policy.type} policy without the exec supervisor, which starts no sandbox launcher`);
      return { program: command[0]!, args: command.slice(1), env: sandboxEnvironment(env, policy, null) };
    }
    const args = linuxSupervisorOnlyArgs(command, {
      execSocket: options.execSocket,
      execSocketId,
      execSession: options.execSession,
      execEnvironment: options.execEnvironment,
      passFds: options.passFds,
      limits,
      limitsLevel: sandbox?.limits,
      reportFd: options.reportFd,
    });
    return { program: launcher(), args, env: sandboxEnvironment(env, policy, null) };
  };
  if (policy.type === "danger-full-access") return unconfined();
  if (platform === "win32") prepareWindowsCommand(policy);
  if (policy.type === "external-sandbox") return unconfined();
  if (platform === "darwin") {
    // macOS has no cgroups: a budget for the whole run is refused unless downgraded; the per-process limits hold.
    const perRun = perRunLimitsAsked(limits);
    if (perRun.length > 0 && sandbox?.limits !== "best-effort") {
      throw new UnsupportedOperationError(`the ${perRun.join(" and ")} limit${perRun.length > 1 ? "s are" : " is"} not enforced on macOS (no cgroups); nothing was run`);
    }
    const prefix = perProcessLimitPrefix(limits);
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
    const seatbeltEnv = { ...sandboxEnvironment(env, policy, "seatbelt"), ...proxyVariables };
    if (prefix === null) return { program: SANDBOX_EXEC_PATH, args, env: seatbeltEnv };
    return { program: prefix[0]!, args: [...prefix.slice(1), SANDBOX_EXEC_PATH, ...args], env: seatbeltEnv };
  }
  const program = launcher();
  const args = linuxCommandArgs(command, policy, {
    cwd: options.cwd,
    env,
    protectedNames: options.protectedNames,
    sandbox,
    readOnlyPaths: [...ownFiles(program), ...(options.readOnlyPaths ?? [])],
    passFds: options.passFds,
    execSocket: options.execSocket,
    execSession: options.execSession,
    execEnvironment: options.execEnvironment,
    execSocketId,
    allowUnixSockets: options.allowUnixSockets,
    limits,
    reportFd: options.reportFd,
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
