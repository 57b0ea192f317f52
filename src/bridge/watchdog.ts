/**
 * The run's watchdog: a small shell, outside the run's process group, that
 * kills everything the run started when the host asks it to or when the host
 * dies (its stdin, a pipe from the host, reaches end of file however the host
 * ends: exit, a signal, SIGKILL). It stops the run's processes before killing
 * them, so none can fork away meanwhile, and finds them by ancestry as well as
 * by process group, which catches `setsid` children while their parent lives.
 * An orphan that left both (a `setsid` child whose parent already exited) is
 * out of its reach: the launcher's own PID namespace or subreaper ends those.
 */
import { spawn, type ChildProcess } from "node:child_process";

/**
 * $1: the run's root pid, which is also its process group. Reads one line:
 * "group" kills the process group only (the root is gone: its pid may belong
 * to someone else now); anything else, or end of file, kills the root's
 * whole tree and the group.
 */
const SCRIPT = String.raw`
root=$1
mode=tree
IFS= read -r mode || mode=tree
tree() {
  ps -A -o pid= -o ppid= 2>/dev/null | awk -v root="$root" '
    { children[$2] = children[$2] " " $1 }
    END {
      queue = root; found = root
      while (queue != "") {
        n = split(queue, current, " "); queue = ""
        for (i = 1; i <= n; i++) {
          m = split(children[current[i]], kids, " ")
          for (j = 1; j <= m; j++) { found = found " " kids[j]; queue = queue " " kids[j] }
        }
      }
      print found
    }'
}
kill -s STOP -- "-$root" 2>/dev/null
pids=
if [ "$mode" != group ]; then
  rounds=0
  while [ $rounds -lt 50 ]; do
    rounds=$((rounds + 1))
    now=$(tree)
    [ "$now" = "$pids" ] && break
    pids=$now
    kill -s STOP $pids 2>/dev/null
  done
fi
kill -s KILL -- "-$root" $pids 2>/dev/null
exit 0
`;

export interface Watchdog {
  /** Kills the run's tree and group now (a timeout, an abort). */
  killTree(): void;
  /** Kills what is left in the group once the root has exited, and resolves when the watchdog is done (at most `waitMs`). */
  finish(waitMs: number): Promise<void>;
}

export function startWatchdog(rootPid: number): Watchdog {
  const child: ChildProcess = spawn("/bin/sh", ["-c", SCRIPT, "cordon-watchdog", String(rootPid)], {
    stdio: ["pipe", "ignore", "ignore"],
    // Its own group: a terminal's Ctrl-C that ends the host must leave it alive to clean up.
    detached: true,
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  child.stdin!.on("error", () => {});
  // The watchdog must never keep the host alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let told = false;
  const tell = (mode: "tree" | "group") => {
    if (told) return;
    told = true;
    child.stdin!.end(`${mode}\n`);
  };
  return {
    killTree: () => tell("tree"),
    async finish(waitMs) {
      tell("group");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
  };
}
