/**
 * The launcher's command line, computed from data alone. Every path is its
 * own argv element, so no character in it (quotes, newlines, a leading dash)
 * is ever interpreted.
 */
import { dirname } from "node:path";
import type { WritableRoot } from "../policy/index.js";
import { protectionLevels, PROTECTIONS, type LinuxSandboxOptions, type Protection } from "./options.js";

export interface LinuxLauncherPlan {
  /** The policy's writable roots, with their read-only subpaths (see `writableRoots`). */
  writableRoots: readonly WritableRoot[];
  networkAccess: boolean;
  sandbox?: LinuxSandboxOptions;
  /** The exec server that decides every execve in the sandbox (the launcher's supervisor asks it). */
  execSocket?: string;
  /** With the network off, the only pathname Unix sockets the command may reach (canonical paths). */
  allowUnixSockets?: readonly string[];
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
export function pinnedDirectories(roots: readonly WritableRoot[]): string[] {
  const inWritableRoot = (path: string) => roots.some(({ root }) => isWithin(path, root));
  const pins = new Set<string>();
  for (const { readOnlySubpaths } of roots) {
    for (const subpath of readOnlySubpaths) {
      for (let dir = dirname(subpath); dir !== dirname(dir); dir = dirname(dir)) {
        if (inWritableRoot(dirname(dir))) pins.add(dir);
      }
    }
  }
  return [...pins].sort((a, b) => depth(a) - depth(b));
}

/** The arguments of `cordon-linux-sandbox` that confine `command` as the plan says. */
export function linuxLauncherArgs(command: readonly string[], plan: LinuxLauncherPlan): string[] {
  const levels = protectionLevels(plan.sandbox);
  const args: string[] = [];
  for (const { root } of plan.writableRoots) args.push("--writable-root", root);
  const subpaths = new Set(plan.writableRoots.flatMap((root) => root.readOnlySubpaths));
  for (const subpath of subpaths) args.push("--read-only-subpath", subpath);
  for (const pin of pinnedDirectories(plan.writableRoots)) args.push("--pin", pin);
  if (plan.networkAccess) args.push("--allow-network");
  for (const protection of Object.keys(PROTECTIONS) as Protection[]) {
    if (levels[protection] === "best-effort") args.push("--best-effort", PROTECTIONS[protection]);
  }
  const simulated = plan.sandbox?.simulateLandlockAbi;
  if (simulated !== undefined) args.push("--simulate-landlock-abi", String(simulated));
  if (plan.execSocket !== undefined) args.push("--exec-socket", plan.execSocket);
  for (const socket of plan.allowUnixSockets ?? []) args.push("--allow-unix-socket", socket);
  args.push("--", ...command);
  return args;
}
