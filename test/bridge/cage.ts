/**
 * An outer cage for tests that attack the host's resources: a cgroup under
 * this process's own, with a memory limit and pids.max, that a child joins
 * before it execs. What the attack exhausts is the cage's, never the
 * machine's. Needs root (or a delegated cgroup); `cageUnavailable()` says why
 * not, for a visible skip.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Controllers {
  /** The directory to create the cage's cgroup in, for each file the limits are written to. */
  memory: string;
  pids: string;
  version: 1 | 2;
}

function controllers(): Controllers | string {
  let lines: string[];
  try {
    lines = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
  } catch {
    return "no /proc/self/cgroup";
  }
  const v1 = (name: string) => lines.map((line) => line.split(":")).find(([, list]) => list!.split(",").includes(name))?.[2];
  const memory = v1("memory");
  const pids = v1("pids");
  if (memory !== undefined && pids !== undefined) {
    return { memory: join("/sys/fs/cgroup/memory", memory), pids: join("/sys/fs/cgroup/pids", pids), version: 1 };
  }
  const unified = lines.find((line) => line.startsWith("0::"))?.slice(3);
  if (unified === undefined) return "no memory and pids cgroup controllers";
  const dir = join("/sys/fs/cgroup", unified);
  return { memory: dir, pids: dir, version: 2 };
}

export interface Cage {
  /** `[program, args]` that run `command` inside the cage. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  remove(): void;
}

export function makeCage(limits: { memoryBytes: number; pids: number }): Cage {
  const found = controllers();
  if (typeof found === "string") throw new Error(found);
  const name = `cordon-test-cage-${process.pid}-${Date.now()}`;
  const memoryDir = join(found.memory, name);
  const pidsDir = join(found.pids, name);
  const dirs = [...new Set([memoryDir, pidsDir])];
  for (const dir of dirs) mkdirSync(dir);
  try {
    if (found.version === 1) {
      writeFileSync(join(memoryDir, "memory.limit_in_bytes"), String(limits.memoryBytes));
    } else {
      writeFileSync(join(memoryDir, "memory.max"), String(limits.memoryBytes));
      writeFileSync(join(memoryDir, "memory.swap.max"), "0");
    }
    writeFileSync(join(pidsDir, "pids.max"), String(limits.pids));
  } catch (error) {
    for (const dir of dirs) rmdirSync(dir);
    throw error;
  }
  const joins = dirs.map((dir) => `echo $$ > '${join(dir, "cgroup.procs")}'`).join(" && ");
  return {
    wrap: (command, args) => ["/bin/sh", ["-c", `${joins} && exec "$@"`, "sh", command, ...args]],
    remove() {
      for (const dir of dirs) rmdirSync(dir);
    },
  };
}

/** Why no cage can be made here, or null when one can. */
export function cageUnavailable(): string | null {
  try {
    makeCage({ memoryBytes: 64 * 1024 * 1024, pids: 8 }).remove();
    return null;
  } catch (error) {
    return `no cgroup with a memory limit and pids.max can be made here (${(error as Error).message})`;
  }
}
