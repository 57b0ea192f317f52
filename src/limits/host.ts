/**
 * Which mechanism would enforce each limit on this host (`cordon policy show`):
 * the launcher's order of preference (limits.c), probed without making
 * anything. Reads /proc and /sys only.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LimitName } from "./index.js";

function cgroupPath(controller: string | null): string | null {
  try {
    for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
      const [id, controllers, path] = line.split(":");
      if (path === undefined) continue;
      if (controller === null ? id === "0" && controllers === "" : controllers!.split(",").includes(controller)) return path;
    }
  } catch {
    // no /proc: no cgroup
  }
  return null;
}

function mountOf(predicate: (fstype: string, superOptions: string[]) => boolean): string | null {
  try {
    for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
      const [before, after] = line.split(" - ");
      if (!before || !after) continue;
      const [fstype, , options] = after.split(" ");
      if (fstype && predicate(fstype, (options ?? "").split(","))) return before.split(" ")[4] ?? null;
    }
  } catch {
    // no /proc: no cgroup
  }
  return null;
}

const writable = (dir: string) => {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** The controllers a v2 cgroup can hand down (a hybrid host binds them to v1 hierarchies instead). */
function v2Controllers(dir: string): string[] {
  try {
    return readFileSync(join(dir, "cgroup.controllers"), "utf8").trim().split(" ");
  } catch {
    return [];
  }
}

/** Where a run's cgroup for `controller` could be made here, as the mechanism's name; null when nowhere. */
function cgroupMechanism(controller: "pids" | "memory"): string | null {
  const unified = mountOf((fstype) => fstype === "cgroup2");
  const own = cgroupPath(null);
  if (unified !== null && own !== null && writable(join(unified, own)) && v2Controllers(join(unified, own)).includes(controller)) return "cgroup v2";
  const hierarchy = mountOf((fstype, options) => fstype === "cgroup" && options.includes(controller));
  const ownV1 = cgroupPath(controller);
  if (hierarchy !== null && ownV1 !== null && writable(join(hierarchy, ownV1))) return "cgroup v1";
  return null;
}

/** Each limit's mechanism on this host (`platform` defaults to this one's). */
export function limitMechanisms(platform: NodeJS.Platform = process.platform): Record<LimitName, string> {
  const perProcess = platform === "linux" ? "setrlimit (each process)" : "not enforced on this platform yet";
  const pids = platform === "linux" ? (cgroupMechanism("pids") ?? (process.getuid?.() === 0 ? "none" : "RLIMIT_NPROC in the run's user namespace")) : perProcess;
  const memory = platform === "linux" ? (cgroupMechanism("memory") ?? "none") : perProcess;
  return { pids, memory, cpu: perProcess, "file-size": perProcess, "open-files": perProcess };
}
