/**
 * Which paths a policy lets a command write, and which it lets it read.
 */
import { isAbsolute, join, resolve } from "node:path";
import { PolicyError } from "../errors.js";
import type { SandboxPolicy } from "./schema.js";
import { canonicalPath, nodePathInspector, type PathInspector } from "./paths.js";

/** A writable root and the paths under it that stay read-only. */
export interface WritableRoot {
  root: string;
  readOnlySubpaths: string[];
}

export interface RootOptions {
  /** The command's working directory; it is writable under workspace-write and readable under restricted reads. */
  cwd: string;
  /** Where `TMPDIR` is looked up (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Names kept read-only in every writable root besides `.git` (default `[".codex"]`). */
  protectedNames?: readonly string[];
  /** Filesystem look-ups (default: Node's). */
  fs?: PathInspector;
}

export const DEFAULT_PROTECTED_NAMES: readonly string[] = Object.freeze([".codex"]);

/**
 * The `.git` of a root: the path itself, and when it is a `gitdir:` pointer
 * file (worktrees, submodules) the directory it points to, which holds the
 * hooks and config that a write could turn into code execution.
 */
function gitSubpaths(root: string, fs: PathInspector): string[] {
  const dotGit = join(root, ".git");
  const paths = [dotGit];
  const real = fs.realpath(dotGit);
  if (real !== null && real !== dotGit) paths.push(real);
  if (fs.kind(dotGit) === "file") {
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readText(dotGit) ?? "");
    if (match) paths.push(canonicalPath(resolve(root, match[1]!), fs));
  }
  return paths;
}

function protectedSubpaths(root: string, names: readonly string[], fs: PathInspector): string[] {
  const paths = gitSubpaths(root, fs);
  for (const name of names) {
    const path = join(root, name);
    paths.push(path);
    const real = fs.realpath(path);
    if (real !== null && real !== path) paths.push(real);
  }
  return [...new Set(paths)];
}

/**
 * The writable roots of a workspace-write policy, canonical and in order:
 * the configured roots, the cwd, `/tmp` (unless excluded, and only if it is a
 * directory), then `$TMPDIR` (unless excluded). Each root carries the
 * subpaths that stay read-only: `.git` (and a `gitdir:` target) and the
 * protected names, whether or not they exist yet.
 *
 * Other policies have no writable roots: read-only writes nothing, and
 * danger-full-access / external-sandbox write everywhere
 * (see `hasFullDiskWriteAccess`).
 */
export function writableRoots(policy: SandboxPolicy, options: RootOptions): WritableRoot[] {
  if (policy.type !== "workspace-write") return [];
  const fs = options.fs ?? nodePathInspector;
  const env = options.env ?? process.env;
  const candidates = [...policy.writableRoots, resolve(options.cwd)];
  if (!policy.excludeSlashTmp && fs.kind("/tmp") === "directory") candidates.push("/tmp");
  const tmpdir = env.TMPDIR;
  if (!policy.excludeTmpdirEnvVar && tmpdir && isAbsolute(tmpdir) && fs.kind(tmpdir) === "directory") {
    candidates.push(tmpdir);
  }
  const names = options.protectedNames ?? DEFAULT_PROTECTED_NAMES;
  const seen = new Set<string>();
  const roots: WritableRoot[] = [];
  for (const candidate of candidates) {
    const root = canonicalPath(candidate, fs);
    if (seen.has(root)) continue;
    seen.add(root);
    roots.push({ root, readOnlySubpaths: protectedSubpaths(root, names, fs) });
  }
  return roots;
}

/**
 * The readable roots of a policy with restricted reads, canonical and
 * de-duplicated (first occurrence wins): the configured readable roots, the
 * cwd, then (workspace-write) the writable roots. Null when the policy reads
 * everywhere. A caller that has computed the writable roots already passes
 * them as `writableRoots`, so the filesystem is not asked twice.
 */
export function readableRoots(
  policy: SandboxPolicy,
  options: (RootOptions & { writableRoots?: readonly WritableRoot[] }) | string,
): string[] | null {
  const opts = typeof options === "string" ? { cwd: options } : options;
  const access =
    policy.type === "read-only" ? policy.access : policy.type === "workspace-write" ? policy.readOnlyAccess : null;
  if (access === null || access.type === "full-access") return null;
  const fs = opts.fs ?? nodePathInspector;
  const roots = [
    ...access.readableRoots.map((root) => canonicalPath(root, fs)),
    canonicalPath(resolve(opts.cwd), fs),
    ...(opts.writableRoots ?? writableRoots(policy, opts)).map((w) => w.root),
  ];
  return [...new Set(roots)];
}

/**
 * Throws a PolicyError naming the first writable root the policy configures
 * that is not an existing directory here: a command about to run must not
 * silently lose a root it was promised.
 */
export function checkWritableRootsExist(policy: SandboxPolicy, fs: PathInspector = nodePathInspector): void {
  if (policy.type !== "workspace-write") return;
  for (const root of policy.writableRoots) {
    const kind = fs.kind(root);
    if (kind !== "directory") {
      throw new PolicyError(`writable root ${root} ${kind === null ? "does not exist" : "is not a directory"}`);
    }
  }
}
