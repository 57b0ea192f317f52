/**
 * `createSeatbeltCommandArgs`: from a policy to the argv of
 * `/usr/bin/sandbox-exec`. The filesystem look-ups (realpath, `.git`
 * pointers) and the per-user cache folder come in through the options, with
 * this host's as defaults, so the result is a function of its inputs.
 */
import { isAbsolute, resolve } from "node:path";
import { PolicyError } from "../errors.js";
import { darwinUserCacheDir } from "../native/index.js";
import {
  canonicalPath,
  hasFullDiskWriteAccess,
  hasFullNetworkAccess,
  nodePathInspector,
  readableRoots,
  readOnlyAccessOf,
  writableRoots,
  type PathInspector,
  type SandboxPolicy,
} from "../policy/index.js";
import { seatbeltFragments } from "./fragments.js";
import {
  buildSeatbeltProfile,
  type SeatbeltAccess,
  type SeatbeltNetworkProxy,
  type SeatbeltReadAccess,
  type SeatbeltWriteAccess,
} from "./profile.js";

/**
 * The only sandbox-exec that is ever run. It is never looked up on PATH: a
 * sandbox-exec planted earlier on PATH would otherwise receive the command.
 */
export const SANDBOX_EXEC_PATH = "/usr/bin/sandbox-exec";

export interface SeatbeltOptions {
  /** The command's working directory: writable under workspace-write, readable under restricted reads. */
  cwd: string;
  /**
   * Absolute paths of Unix sockets the command may connect to (the exec
   * bridge's socket, for one), whatever the policy says about the network.
   * Each path is allowed exactly; its canonical form is allowed too when it differs.
   */
  allowUnixSockets?: readonly string[];
  /** Where `TMPDIR` is looked up for workspace-write (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Names kept read-only in every writable root besides `.git` (default `[".codex"]`). */
  protectedNames?: readonly string[];
  /** Filesystem look-ups (default: Node's). */
  fs?: PathInspector;
  /**
   * The per-user cache folder that TLS needs when the network is allowed.
   * Default: `confstr(_CS_DARWIN_USER_CACHE_DIR)` on macOS, null elsewhere;
   * null leaves the `DARWIN_USER_CACHE_DIR` parameter out.
   */
  darwinUserCacheDir?: string | null;
  /**
   * A network proxy (SPEC §11): a policy with network then reaches only its
   * loopback ports; with no usable port, nothing at all.
   */
  networkProxy?: SeatbeltNetworkProxy;
}

/** Rejects a path that no system call could take, naming the option. */
function checkPathOption(path: string, name: string, { mustBeAbsolute }: { mustBeAbsolute: boolean }): void {
  if (path.includes("\0")) throw new PolicyError(`invalid Seatbelt options: ${name}: must not contain NUL bytes`);
  if (mustBeAbsolute && !isAbsolute(path)) throw new PolicyError(`invalid Seatbelt options: ${name}: must be an absolute path`);
}

/** Each socket as given and canonical, in order, without duplicates. */
function socketPaths(sockets: readonly string[], fs: PathInspector): string[] {
  const paths = new Set<string>();
  sockets.forEach((socket, i) => {
    checkPathOption(socket, `allowUnixSockets[${i}]`, { mustBeAbsolute: true });
    paths.add(socket);
    paths.add(canonicalPath(socket, fs));
  });
  return [...paths];
}

function readAccess(policy: SandboxPolicy, options: SeatbeltOptions, write: SeatbeltWriteAccess): SeatbeltReadAccess {
  const roots = readableRoots(policy, { ...options, writableRoots: write.type === "roots" ? write.roots : undefined });
  if (roots === null) return { type: "everywhere" };
  const access = readOnlyAccessOf(policy);
  return { type: "roots", roots, includePlatformDefaults: access.type === "restricted" && access.includePlatformDefaults };
}

function writeAccess(policy: SandboxPolicy, options: SeatbeltOptions): SeatbeltWriteAccess {
  if (hasFullDiskWriteAccess(policy)) return { type: "everywhere" };
  if (policy.type !== "workspace-write") return { type: "nowhere" };
  return { type: "roots", roots: writableRoots(policy, options) };
}

/** The cache folder, canonical (confstr names it under /var, which the kernel sees as /private/var). */
function cacheDir(options: SeatbeltOptions, fs: PathInspector): string | null {
  const fromHost = () => (process.platform === "darwin" ? darwinUserCacheDir() : null);
  const dir = options.darwinUserCacheDir !== undefined ? options.darwinUserCacheDir : fromHost();
  if (dir === null) return null;
  checkPathOption(dir, "darwinUserCacheDir", { mustBeAbsolute: true });
  return canonicalPath(dir, fs);
}

/**
 * The arguments for {@link SANDBOX_EXEC_PATH}: `["-p", profile,
 * "-DKEY=VALUE"..., "--", ...command]`, the command unchanged.
 *
 * - Reads: everywhere for full access; otherwise only under `READABLE_ROOT_i`
 *   (plus the platform-defaults fragment when the policy includes it).
 * - Writes: nowhere for read-only; under `WRITABLE_ROOT_i` minus each
 *   `WRITABLE_ROOT_i_RO_j` for workspace-write; everywhere for
 *   danger-full-access and external-sandbox.
 * - Network: only when the policy grants it (with `DARWIN_USER_CACHE_DIR`
 *   when known), and with `networkProxy` only to its loopback ports.
 *   `ALLOWED_UNIX_SOCKET_i` rules come whatever the network says.
 *
 * danger-full-access and external-sandbox are normally run without Seatbelt
 * (there is nothing to confine, or something else confines the command).
 * Asked for a profile anyway, this returns one granting every file read and
 * write and the network the policy grants, and the base policy for the rest,
 * so the result is never broader than the policy.
 *
 * Parameters come in section order: READABLE_ROOT_*, WRITABLE_ROOT_* (each
 * root followed by its RO_* subpaths), DARWIN_USER_CACHE_DIR, ALLOWED_UNIX_SOCKET_*.
 * Throws PolicyError for a relative socket path or a NUL byte in a path.
 */
export function createSeatbeltCommandArgs(
  command: readonly string[],
  policy: SandboxPolicy,
  options: SeatbeltOptions,
): string[] {
  checkPathOption(options.cwd, "cwd", { mustBeAbsolute: false });
  const roots = { ...options, cwd: resolve(options.cwd), fs: options.fs ?? nodePathInspector };
  const network = hasFullNetworkAccess(policy);
  const write = writeAccess(policy, roots);
  const access: SeatbeltAccess = {
    read: readAccess(policy, roots, write),
    write,
    network,
    networkProxy: options.networkProxy,
    unixSockets: socketPaths(options.allowUnixSockets ?? [], roots.fs),
    darwinUserCacheDir: network ? cacheDir(options, roots.fs) : null,
  };
  const { profile, parameters } = buildSeatbeltProfile(access, seatbeltFragments());
  const args = ["-p", profile];
  for (const { key, value } of parameters) args.push(`-D${key}=${value}`);
  args.push("--", ...command);
  return args;
}
