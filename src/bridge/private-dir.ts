/**
 * Where the bridge keeps its state: a per-user base directory (0700) holding
 * one private directory per bridge, with its sockets (0600), the Node wrapper
 * when used, and an `owner` file naming the process that made it, so that a
 * later bridge can remove the directory of a host that died.
 *
 * The host never trusts a file a sandbox could have written. The base lies
 * outside every writable root where the system has such a place (the user's
 * runtime directory, `/run` for root) and is read-only inside every run of a
 * bridge wherever it lies. Still, everything read there is read through
 * descriptors: an entry is opened relative to its directory with O_NOFOLLOW
 * (a planted symlink is refused, not followed) and O_NONBLOCK (a FIFO cannot
 * hang the host), must be a regular file, and only a few bytes of it are
 * read; and everything removed is unlinked relative to its directory, one
 * level deep, so that nothing outside that directory can be deleted.
 */
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { BridgeError } from "../errors.js";
import { readRegularFileFd } from "../host-files.js";
import { openAt, readDirectory, unlinkAt } from "../native/index.js";

/** sun_path holds 108 bytes on Linux and 104 on macOS, NUL included. */
const MAX_SOCKET_PATH_BYTES = 103;
const PREFIX = "cordon-exec-";
const OWNER_FILE = "owner";
/** An owner record is a pid and a start time: anything longer is no record of ours. */
const OWNER_MAX_BYTES = 64;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
const OPEN_DIRECTORY = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;

const uid = (): number => process.getuid?.() ?? -1;

/** When a process started, where the OS says (Linux): with the pid, it names one process even after the pid is reused. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (in parentheses) is the process's own choice: fields are counted after its last ")".
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

/** Runs `use` on a descriptor and closes it, whatever happens. */
function withFd<T>(fd: number, use: (fd: number) => T): T {
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** The owner record in the directory `dirFd`, or null when there is none that a bridge could have written. */
function readOwner(dirFd: number): string | null {
  let fd: number;
  try {
    fd = openAt(dirFd, OWNER_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return null;
  }
  return withFd(fd, () => {
    try {
      return readRegularFileFd(fd, OWNER_MAX_BYTES).toString("utf8");
    } catch {
      return null;
    }
  });
}

/**
 * Unlinks every entry of the directory `dirFd` but subdirectories (a bridge
 * makes none), then the directory itself from `parentFd`; one that still
 * holds anything stays.
 */
function removeDirectoryAt(parentFd: number, name: string | Buffer, dirFd: number): void {
  for (const entry of readDirectory(dirFd)) {
    try {
      unlinkAt(dirFd, entry, false);
    } catch {
      // A subdirectory (EISDIR, EPERM): not a bridge's doing; the directory is left.
    }
  }
  unlinkAt(parentFd, name, true);
}

/**
 * Removes the private directories in the base `baseFd` left by hosts of this
 * user that died without closing their bridge. A directory without an owner
 * record, or whose owner still runs, is left alone.
 */
function removeStaleDirs(baseFd: number): void {
  for (const name of readDirectory(baseFd)) {
    if (!name.toString("latin1").startsWith(PREFIX)) continue;
    try {
      withFd(openAt(baseFd, name, OPEN_DIRECTORY), (dirFd) => {
        if (fstatSync(dirFd).uid !== uid()) return;
        const record = readOwner(dirFd);
        if (record === null || ownerAlive(record)) return;
        removeDirectoryAt(baseFd, name, dirFd);
      });
    } catch {
      // Not a directory (ELOOP for a symlink, ENOTDIR), or a race with its owner: leave it.
    }
  }
}

/**
 * Where the base directory goes without a host's `socketDir`: the user's
 * runtime directory when it is a private directory of this user, `/run` for
 * root, and the OS temporary directory otherwise (see the README's Known
 * limits: there a sandbox that was already running may reach it).
 */
export function defaultStateParent(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && isAbsolute(runtime)) {
    try {
      const stats = lstatSync(runtime);
      if (stats.isDirectory() && stats.uid === uid() && (stats.mode & 0o077) === 0) return runtime;
    } catch {
      // Named but missing: the next choice.
    }
  }
  if (uid() === 0 && process.platform === "linux") return "/run";
  return tmpdir();
}

/** Opens (creating it when missing) this user's base directory in `parent`, and checks it is a private directory of this user. */
function openBase(parent: string): { path: string; fd: number } {
  const path = join(parent, `cordon-${uid()}`);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const fd = openSync(path, OPEN_DIRECTORY);
  try {
    const stats = fstatSync(fd);
    if (!stats.isDirectory() || stats.uid !== uid()) throw new Error(`${path} is not a directory of this user; remove it`);
    if ((stats.mode & 0o077) !== 0) fchmodSync(fd, 0o700);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { path, fd };
}

/** One bridge's private directory, held open so that what is written and removed there is never redirected. */
export interface PrivateDir {
  path: string;
  /** The per-user base directory that holds every bridge's private directory: read-only inside every run. */
  base: string;
  /** Creates `name` (it must not exist yet) with `text`; returns its path. */
  writeNewFile(name: string, text: string, mode: number): string;
  /** Removes the directory and what the bridge put in it. */
  remove(): void;
}

export function createPrivateDir(parent: string | undefined): PrivateDir {
  const where = parent ?? defaultStateParent();
  let base: { path: string; fd: number } | undefined;
  let made: { name: string; fd: number } | undefined;
  try {
    base = openBase(where);
    removeStaleDirs(base.fd);
    const path = mkdtempSync(join(base.path, PREFIX));
    const name = basename(path);
    const fd = openAt(base.fd, name, OPEN_DIRECTORY);
    made = { name, fd };
    const stats = fstatSync(fd);
    if ((stats.mode & 0o777) !== 0o700 || stats.uid !== uid()) throw new Error("it is not a 0700 directory owned by this user");
    const baseFd = base.fd;
    const dir: PrivateDir = {
      path,
      base: base.path,
      writeNewFile(file, text, mode) {
        withFd(openAt(fd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode), (out) => writeSync(out, text));
        return join(path, file);
      },
      remove() {
        try {
          removeDirectoryAt(baseFd, name, fd);
        } finally {
          closeSync(fd);
          closeSync(baseFd);
        }
      },
    };
    dir.writeNewFile(OWNER_FILE, ownerRecord(process.pid), 0o600);
    return dir;
  } catch (error) {
    if (made !== undefined) {
      try {
        removeDirectoryAt(base!.fd, made.name, made.fd);
      } catch {
        // Left behind; the next bridge removes it once this process has gone.
      }
      closeSync(made.fd);
    }
    if (base !== undefined) closeSync(base.fd);
    throw new BridgeError(`cannot create the exec bridge's private directory in ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** A socket path in the private dir, checked against the OS limit before anything binds it. */
export function socketPathIn(dir: string, name: string): string {
  const path = join(dir, name);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new BridgeError(`the exec socket path ${path} is longer than a Unix socket allows; pass a shorter socketDir`);
  }
  return path;
}
