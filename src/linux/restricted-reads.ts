/**
 * Restricted reads on Linux (SPEC §4, the `restrictedReads: "enforce"`
 * opt-in): which paths a command may read, and how each layer of the
 * launcher enforces that. Computed from data alone; the filesystem is only
 * asked through the PathInspector.
 */
import { basename, dirname, join } from "node:path";
import { NativeError } from "../errors.js";
import {
  canonicalPath,
  nodePathInspector,
  readableRoots,
  readOnlyAccessOf,
  type PathInspector,
  type SandboxPolicy,
  type WritableRoot,
} from "../policy/index.js";

export interface RestrictedReadsOptions {
  cwd: string;
  /** Where `TMPDIR` is looked up. */
  env?: NodeJS.ProcessEnv;
  /** The policy's writable roots, as `writableRoots` computes them. */
  writableRoots: readonly WritableRoot[];
  /** The Linux platform defaults as `resolvePlatformDefaults` gives them, added when the policy asks for them. */
  platformDefaults: readonly string[];
  /**
   * Paths cordon itself needs inside, whatever the policy: the exec bridge's
   * sockets and wrapper (see `bridgeReadablePaths`).
   */
  bridgePaths?: readonly string[];
  /** Filesystem look-ups (default: Node's). */
  fs?: PathInspector;
}

export interface LinuxReadablePaths {
  /** The launcher's `--readable-root` arguments, in order. */
  readableRoots: string[];
  /** Landlock: READ_FILE, READ_DIR and EXECUTE beneath these paths only; every right beneath the writable roots. */
  landlock: { readable: string[]; writable: string[] };
  /**
   * Where a mount namespace can be made, the command's fresh root holds only
   * these, bound at their own paths; nothing else in it has a name.
   */
  mountNamespace: { readOnly: string[]; writable: string[] };
}

const PROC = "/proc";

function isWithin(path: string, root: string): boolean {
  return root === "/" || path === root || path.startsWith(`${root}/`);
}

/**
 * The platform-defaults entries as the kernel will meet them: the directories on
 * the way canonical, the last name kept, so that a link (/bin on a merged
 * /usr) stays the link it is; its target is readable only where the list
 * grants it too. Entries in /proc and /dev are taken as written: their
 * links (/proc/self, /dev/stdout) are per process and may lead nowhere a path
 * can name (a pipe). Another entry that does not exist here grants nothing
 * and is left out.
 */
export function resolvePlatformDefaults(entries: readonly string[], fs: PathInspector = nodePathInspector): string[] {
  const parents = new Map<string, string>();
  const canonicalParent = (path: string) => {
    const parent = dirname(path);
    let canonical = parents.get(parent);
    if (canonical === undefined) parents.set(parent, (canonical = canonicalPath(parent, fs)));
    return canonical;
  };
  return entries.flatMap((entry) => {
    if (isWithin(entry, PROC) || isWithin(entry, "/dev")) return [entry];
    const path = join(canonicalParent(entry), basename(entry));
    return fs.realpath(path) === null ? [] : [path];
  });
}

/** Drops every path beneath an earlier or outer one: a grant beneath the outer one covers it. */
function outermost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)];
  return unique.filter((path) => !unique.some((other) => other !== path && isWithin(path, other)));
}

/**
 * The paths a command may read under a policy with restricted reads, per
 * layer, or null when the policy reads everywhere. The readable roots come
 * first (the configured ones, the cwd, the writable roots), then the platform
 * defaults when the policy includes them.
 */
export function linuxReadablePaths(policy: SandboxPolicy, options: RestrictedReadsOptions): LinuxReadablePaths | null {
  const access = readOnlyAccessOf(policy);
  if (access.type === "full-access") return null;
  const fs = options.fs ?? nodePathInspector;
  const writable = options.writableRoots.map(({ root }) => root);
  // A writable "/" lets the command read everything: nothing to restrict.
  if (writable.includes("/")) return null;
  const roots = readableRoots(policy, { cwd: options.cwd, env: options.env, writableRoots: options.writableRoots, fs }) ?? [];
  const defaults = access.includePlatformDefaults ? options.platformDefaults : [];
  const readable = outermost([...roots, ...defaults, ...(options.bridgePaths ?? [])]);
  const inWritableRoot = (path: string) => writable.some((root) => isWithin(path, root));
  // /proc is bound whole (its links are per process); Landlock grants only the entries listed in it.
  const bound = readable.filter((path) => !inWritableRoot(path)).map((path) => (isWithin(path, PROC) ? PROC : path));
  return {
    readableRoots: readable,
    landlock: { readable: readable.filter((path) => !inWritableRoot(path)), writable },
    mountNamespace: { readOnly: [...new Set(bound)], writable: outermost(writable) },
  };
}

/**
 * What the command must still see under restricted reads to reach what the
 * host named for it: the Unix sockets it may connect to, and the files its
 * environment runs with every exec (`EXEC_WRAPPER`, for a shell that honours
 * it, and each `LD_PRELOAD` entry, which the loader would skip silently).
 * The exec supervisor needs nothing inside: it asks from outside.
 */
export function bridgeReadablePaths(env: NodeJS.ProcessEnv, allowUnixSockets: readonly string[] = []): string[] {
  const preloads = (env.LD_PRELOAD ?? "").split(/[\s:]+/);
  return [...allowUnixSockets, env.EXEC_WRAPPER ?? "", ...preloads].filter((path) => path.startsWith("/"));
}

/**
 * The paths of a platform-defaults list: one absolute path per line, `#`
 * starting a comment. The list ships with cordon, so a malformed one is a
 * broken package (NativeError).
 */
export function parsePlatformDefaults(text: string, source: string): string[] {
  const paths: string[] = [];
  text.split("\n").forEach((line, index) => {
    const path = line.replace(/(^|\s)#.*$/, "").trim();
    if (path === "") return;
    if (!path.startsWith("/") || /\s/.test(path)) {
      throw new NativeError(`${source}:${index + 1}: expected one absolute path, got ${JSON.stringify(path)}`);
    }
    paths.push(path);
  });
  return paths;
}
