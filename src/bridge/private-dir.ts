/**
 * The bridge's private directory: 0700, ours, holding its sockets (0600), the
 * Node wrapper when used, and an `owner` file naming the process that made it,
 * so that a later bridge can remove the directory of a host that died.
 */
import { readFileSync } from "node:fs";
import { chmod, lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BridgeError } from "../errors.js";

/** sun_path holds 108 bytes on Linux and 104 on macOS, NUL included. */
const MAX_SOCKET_PATH_BYTES = 103;
const PREFIX = "cordon-exec-";
const OWNER_FILE = "owner";

/** When a process started, where the OS says (Linux): with the pid, it names one process even after the pid is reused. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

function ownerRecord(pid: number): string {
  return `${pid} ${startTimeOf(pid)}\n`;
}

/** Whether the process an owner record names still runs. */
function ownerAlive(record: string): boolean {
  const [pidText, startTime = ""] = record.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  return startTimeOf(pid) === startTime;
}

/**
 * Removes the private directories in `base` left by hosts of this user that
 * died without closing their bridge. A directory without an owner record,
 * or whose owner still runs, is left alone.
 */
export async function removeStaleDirs(base: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  await Promise.all(
    names
      .filter((name) => name.startsWith(PREFIX))
      .map(async (name) => {
        const dir = join(base, name);
        try {
          const stats = await lstat(dir);
          if (!stats.isDirectory() || stats.uid !== uid) return;
          if (ownerAlive(await readFile(join(dir, OWNER_FILE), "utf8"))) return;
          await rm(dir, { recursive: true, force: true });
        } catch {
          // Not ours to judge (no owner record, a race with its owner): leave it.
        }
      }),
  );
}

export async function createPrivateDir(parent: string | undefined): Promise<string> {
  const base = parent ?? tmpdir();
  await removeStaleDirs(base);
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(base, PREFIX));
    await chmod(dir, 0o700);
    const stats = await lstat(dir);
    if (!stats.isDirectory() || stats.uid !== process.getuid?.() || (stats.mode & 0o777) !== 0o700) {
      throw new Error("it is not a 0700 directory owned by this user");
    }
    await writeFile(join(dir, OWNER_FILE), ownerRecord(process.pid), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    throw new BridgeError(`cannot create the exec bridge's private directory in ${base}: ${(error as Error).message}`, { cause: error });
  }
  return dir;
}

/** A socket path in the private dir, checked against the OS limit before anything binds it. */
export function socketPathIn(dir: string, name: string): string {
  const path = join(dir, name);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new BridgeError(`the exec socket path ${path} is longer than a Unix socket allows; pass a shorter socketDir`);
  }
  return path;
}
