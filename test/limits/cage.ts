/**
 * The outer cage every resource attack runs in: a cgroup (v1 pids and memory
 * here, or a v2 leaf) made by the test itself, so that a regression of the
 * limits under test cannot take the machine down. A process joins the cage
 * before anything of cordon starts (`command` wraps an argv in a shell that
 * moves itself in and then execs it).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Cage {
  /** `argv` run inside the cage (as `user`, root when absent). */
  command(argv: string[], user?: "nobody"): string[];
  /** The cgroup directories that cordon made inside the cage and left behind. */
  leftovers(): string[];
  remove(): void;
}

function v1Hierarchy(controller: string): string | null {
  const dir = join("/sys/fs/cgroup", controller);
  return existsSync(join(dir, "cgroup.procs")) ? dir : null;
}

function ownCgroup(controller: string): string {
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const [, controllers, path] = line.split(":");
    if (controllers?.split(",").includes(controller)) return path ?? "/";
  }
  return "/";
}

/** A cage of at most `pids` processes and `memoryBytes` of memory, or the reason there can be none here. */
export function makeCage(name: string, pids: number, memoryBytes: number): Cage | string {
  if (process.getuid?.() !== 0) return "making the test's outer cgroup cage needs root";
  const pidsRoot = v1Hierarchy("pids");
  const memoryRoot = v1Hierarchy("memory");
  if (!pidsRoot || !memoryRoot) return "this host has no cgroup v1 pids and memory hierarchies for the test's outer cage";
  const dirs = [join(pidsRoot, ownCgroup("pids"), name), join(memoryRoot, ownCgroup("memory"), name)];
  try {
    for (const dir of dirs) mkdirSync(dir);
    writeFileSync(join(dirs[0]!, "pids.max"), String(pids));
    writeFileSync(join(dirs[1]!, "memory.limit_in_bytes"), String(memoryBytes));
  } catch (error) {
    for (const dir of dirs) if (existsSync(dir)) rmdirSync(dir);
    return `the test's outer cgroup cage cannot be made here (${(error as Error).message})`;
  }
  const join_ = dirs.map((dir) => `echo $$ > '${dir}/cgroup.procs'`).join(" && ");
  return {
    command: (argv, user) => [
      "sh",
      "-c",
      `${join_} && exec "$@"`,
      "sh",
      ...(user === "nobody" ? ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"] : []),
      ...argv,
    ],
    leftovers: () => dirs.flatMap((dir) => readdirSync(dir).filter((entry) => entry.startsWith("cordon-run-")).map((entry) => join(dir, entry))),
    remove: () => {
      for (const dir of dirs) {
        for (const entry of readdirSync(dir)) if (entry.startsWith("cordon-run-")) rmdirSync(join(dir, entry));
        rmdirSync(dir);
      }
    },
  };
}
