/**
 * The addon's functions, typed. Where the native files live, and the check
 * before one runs, is `artifacts.ts`.
 */
import { createRequire } from "node:module";
import { getSystemErrorName } from "node:util";
import { NativeError } from "../errors.js";
import { addonPath } from "./artifacts.js";

export { nativeArtifactPath, packageRoot, requireNativeArtifact, requireNativeExecutable } from "./artifacts.js";

export interface PeerCredentials {
  uid: number;
  gid: number;
  /** null where the OS cannot tell (it can on Linux and macOS). */
  pid: number | null;
}

export interface LandlockProbe {
  /** The kernel's Landlock ABI version, 0 when Landlock is unavailable. */
  abi: number;
  /** Why `abi` is 0; null otherwise. */
  reason: string | null;
}

interface Addon {
  execve(file: string, argv: string[], env: string[]): never;
  landlockAbi(): LandlockProbe;
  peerCredentials(fd: number): PeerCredentials;
  darwinUserCacheDir(): string | null;
  openAt(dirFd: number, name: string | Buffer, flags: number, mode: number): number;
  unlinkAt(dirFd: number, name: string | Buffer, removeDirectory: boolean): void;
  readDirectory(dirFd: number): Buffer[];
  pipe(): [number, number];
}

let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon) return addon;
  const load = createRequire(import.meta.url);
  addon = load(addonPath(load)) as Addon;
  return addon;
}

/** Re-throws an addon failure as a NativeError carrying the errno name. */
function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const errno = (error as { errno?: unknown }).errno;
    if (typeof errno === "number") {
      const errnoName = getSystemErrorName(-errno);
      throw new NativeError(`${(error as Error).message} (${errnoName})`, { cause: error, errnoName });
    }
    throw error;
  }
}

/**
 * Replaces this process with `file` (argv[0] is `argv[0]`, not `file`).
 * Returns only by throwing (NativeError with errnoName, e.g. ENOENT, EACCES).
 */
export function execve(file: string, argv: readonly string[], env: NodeJS.ProcessEnv | readonly string[]): never {
  const envList = Array.isArray(env)
    ? [...(env as readonly string[])]
    : Object.entries(env as NodeJS.ProcessEnv)
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([key, value]) => `${key}=${value}`);
  return callNative(() => loadAddon().execve(file, [...argv], envList));
}

/** The kernel's Landlock ABI (0 and a reason when there is none). */
export function landlockAbi(): LandlockProbe {
  return callNative(() => loadAddon().landlockAbi());
}

/** uid, gid and pid of the process on the other end of a connected Unix socket. */
export function peerCredentials(fd: number): PeerCredentials {
  return callNative(() => loadAddon().peerCredentials(fd));
}

/** confstr(_CS_DARWIN_USER_CACHE_DIR) on macOS; null on every other OS. */
export function darwinUserCacheDir(): string | null {
  return callNative(() => loadAddon().darwinUserCacheDir());
}

/**
 * openat(2) of one entry (a single path component) of the directory `dirFd`,
 * close-on-exec; `flags` from `fs.constants`. Pass O_NOFOLLOW so that a
 * symlink planted under `name` is refused (ELOOP) instead of followed.
 */
export function openAt(dirFd: number, name: string | Buffer, flags: number, mode = 0): number {
  return callNative(() => loadAddon().openAt(dirFd, name, flags, mode));
}

/** unlinkat(2) of one entry of the directory `dirFd`: a symlink is removed itself; `removeDirectory` only an empty directory. */
export function unlinkAt(dirFd: number, name: string | Buffer, removeDirectory: boolean): void {
  callNative(() => loadAddon().unlinkAt(dirFd, name, removeDirectory));
}

/** The names in the open directory `dirFd` (not `.` and `..`), byte for byte. */
export function readDirectory(dirFd: number): Buffer[] {
  return callNative(() => loadAddon().readDirectory(dirFd));
}

/** A close-on-exec pipe: [read end, write end]. */
export function pipe(): [number, number] {
  return callNative(() => loadAddon().pipe());
}
