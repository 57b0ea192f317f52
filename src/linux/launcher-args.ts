/**
 * The launcher's command line, computed from data alone. Every path is its
 * own argv element, so no character in it (quotes, newlines, a leading dash)
 * is ever interpreted.
 */
import { dirname } from "node:path";
import { limitLauncherArgs, type ResourceLimits } from "../limits/index.js";
import type { WritableRoot } from "../policy/index.js";
import { protectionLevels, PROTECTIONS, type LinuxSandboxOptions, type Protection } from "./options.js";

export interface LinuxLauncherPlan {
  /** The policy's writable roots, with their read-only subpaths (see `writableRoots`). */
  writableRoots: readonly WritableRoot[];
  networkAccess: boolean;
  /** Restricted reads: the only paths readable besides the writable roots (see `linuxReadablePaths`). */
  readableRoots?: readonly string[];
  sandbox?: LinuxSandboxOptions;
  /** cordon's own files (and any the caller names): read-only even under a writable root. */
  readOnlyPaths?: readonly string[];
  /** Descriptors above 2 the command keeps; every other one is closed. */
  passFds?: readonly number[];
  /** The exec bridge's socket: every exec in the sandbox is put to the exec supervisor. */
  execSocket?: string;
  /** `execSocket` serves sessions (cordon's own bridge): one connection per run, and decisions the supervisor may keep. */
  execSession?: boolean;
  /** The variables of each exec's environment the supervisor sends with its question (`NAME*`: a prefix). */
  execEnvironment?: readonly string[];
  /** `DEV:INO` of the socket file the host bound at `execSocket`: the launcher refuses any other file there. */
  execSocketId?: string;
  /** Pathname Unix sockets the supervisor may connect the command to. */
  allowUnixSockets?: readonly string[];
  /** Resource limits of the whole run (the default pids limit is added where none is asked). */
  limits?: ResourceLimits;
  /** A descriptor (above 2, not passed on) where the launcher reports which limit ended the run. */
  reportFd?: number;
  /**
   * The network proxy (SPEC §11): 127.0.0.1:port inside the sandbox's own
   * network namespace is carried to the host proxy's Unix socket. Needs
   * `networkAccess: false` (the namespace is the only way out).
   */
  proxyForwards?: readonly ProxyForward[];
}

export interface ProxyForward {
  port: number;
  socketPath: string;
}

function isWithin(path: string, root: string): boolean {
  return root === "/" || path === root || path.startsWith(`${root}/`);
}

function depth(path: string): number {
  return path.split("/").length;
}

/**
 * The directories the launcher must bind onto themselves (outermost first)
 * so that no read-only subpath can be renamed away together with an ancestor
 * and its name recreated writable: every ancestor of a read-only subpath
 * whose parent lies in a writable root (nested roots, e.g. a workspace in
 * `/tmp`). A mount point cannot be renamed or removed.
 */
export function pinnedDirectories(roots: readonly WritableRoot[], readOnlyPaths: readonly string[] = []): string[] {
  const inWritableRoot = (path: string) => roots.some(({ root }) => isWithin(path, root));
  const pins = new Set<string>();
  for (const subpath of [...roots.flatMap((root) => root.readOnlySubpaths), ...readOnlyPaths]) {
    for (let dir = dirname(subpath); dir !== dirname(dir); dir = dirname(dir)) {
      if (inWritableRoot(dirname(dir))) pins.add(dir);
    }
  }
  return [...pins].sort((a, b) => depth(a) - depth(b));
}

/** `paths` without duplicates and without any path that lies within another. */
function outermost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((path) => !unique.some((other) => other !== path && isWithin(path, other)));
}

function checkAbsolute(what: string, path: string): void {
  if (!path.startsWith("/")) throw new TypeError(`${what} must be absolute paths, got ${JSON.stringify(path)}`);
}

function checkPassFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < 3) throw new TypeError(`passFds must hold descriptor numbers above 2, got ${JSON.stringify(fd)}`);
}

/** The arguments of `cordon-linux-sandbox` that confine `command` as the plan says. */
export function linuxLauncherArgs(command: readonly string[], plan: LinuxLauncherPlan): string[] {
  const levels = protectionLevels(plan.sandbox);
  const readOnlyPaths = outermost(plan.readOnlyPaths ?? []);
  readOnlyPaths.forEach((path) => checkAbsolute("readOnlyPaths", path));
  const sockets = plan.allowUnixSockets ?? [];
  sockets.forEach((path) => checkAbsolute("allowUnixSockets", path));
  if (plan.execSocket !== undefined) checkAbsolute("execSocket", plan.execSocket);
  const passFds = plan.passFds ?? [];
  passFds.forEach(checkPassFd);
  if (plan.reportFd !== undefined) {
    checkPassFd(plan.reportFd);
    if (passFds.includes(plan.reportFd)) throw new TypeError(`reportFd ${plan.reportFd} is the launcher's own; it cannot also be in passFds`);
  }
  const forwards = plan.proxyForwards ?? [];
  for (const { port, socketPath } of forwards) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`proxyForwards ports must be 1 to 65535, got ${JSON.stringify(port)}`);
    checkAbsolute("proxyForwards socket paths", socketPath);
  }
  if (forwards.length > 0 && plan.networkAccess) throw new TypeError("proxyForwards need networkAccess: false (the sandbox's own network namespace)");

  const args: string[] = [];
  for (const { root } of plan.writableRoots) args.push("--writable-root", root);
  const subpaths = new Set(plan.writableRoots.flatMap((root) => root.readOnlySubpaths));
  for (const subpath of subpaths) args.push("--read-only-subpath", subpath);
  for (const path of readOnlyPaths) args.push("--read-only-path", path);
  for (const pin of pinnedDirectories(plan.writableRoots, readOnlyPaths)) args.push("--pin", pin);
  for (const path of plan.readableRoots ?? []) args.push("--readable-root", path);
  if (plan.networkAccess) args.push("--allow-network");
  for (const { port, socketPath } of forwards) args.push("--proxy-forward", `${port}=${socketPath}`);
  for (const fd of passFds) args.push("--pass-fd", String(fd));
  if (plan.execSocket !== undefined) args.push("--exec-socket", plan.execSocket);
  if (plan.execSocket !== undefined && plan.execSocketId !== undefined) args.push("--exec-socket-id", plan.execSocketId);
  if (plan.execSocket !== undefined && plan.execSession === true) args.push("--exec-session");
  if (plan.execSocket !== undefined) for (const name of plan.execEnvironment ?? []) args.push("--exec-env", name);
  for (const socket of sockets) args.push("--allow-unix-socket", socket);
  for (const protection of Object.keys(PROTECTIONS) as Protection[]) {
    if (levels[protection] === "best-effort") args.push("--best-effort", PROTECTIONS[protection]);
  }
  const simulated = plan.sandbox?.simulateLandlockAbi;
  if (simulated !== undefined) args.push("--simulate-landlock-abi", String(simulated));
  if (plan.sandbox?.simulateNoNamespaces) args.push("--simulate-no-namespaces");
  args.push(...limitLauncherArgs(plan.limits ?? {}, plan.sandbox?.limits));
  if (plan.reportFd !== undefined) args.push("--report-fd", String(plan.reportFd));
  args.push("--", ...command);
  return args;
}

/** What the launcher needs to put every exec to the bridge, and nothing else. */
export interface SupervisorOnlyPlan {
  execSocket: string;
  execSocketId?: string;
  execSession?: boolean;
  /** Environment variables the supervisor reads from each exec for the rules (`--exec-env`). */
  execEnvironment?: readonly string[];
  passFds?: readonly number[];
  /** Resource limits of the whole run, as for a confined run. */
  limits?: ResourceLimits;
  limitsLevel?: "required" | "best-effort";
  /** Where the launcher reports which limit ended the run. */
  reportFd?: number;
}

/**
 * The arguments of `cordon-linux-sandbox --supervise-only`: for a policy that
 * confines nothing (danger-full-access, external-sandbox), the command runs
 * with only the exec supervisor (seccomp and no_new_privs), so every exec it
 * makes is still decided.
 */
export function linuxSupervisorOnlyArgs(command: readonly string[], plan: SupervisorOnlyPlan): string[] {
  checkAbsolute("execSocket", plan.execSocket);
  const passFds = plan.passFds ?? [];
  passFds.forEach(checkPassFd);
  const args = ["--supervise-only", "--exec-socket", plan.execSocket];
  if (plan.execSocketId !== undefined) args.push("--exec-socket-id", plan.execSocketId);
  if (plan.execSession === true) args.push("--exec-session");
  for (const name of plan.execEnvironment ?? []) args.push("--exec-env", name);
  for (const fd of passFds) args.push("--pass-fd", String(fd));
  args.push(...limitLauncherArgs(plan.limits ?? {}, plan.limitsLevel));
  if (plan.reportFd !== undefined) {
    checkPassFd(plan.reportFd);
    args.push("--report-fd", String(plan.reportFd));
  }
  args.push("--", ...command);
  return args;
}
