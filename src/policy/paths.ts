/**
 * Filesystem look-ups the root computation needs. They are passed in (with
 * Node's implementation as the default) so that root computation stays a
 * function of its inputs and tests can describe any filesystem they like.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface PathInspector {
  /** The canonical path (symlinks resolved), or null when the path does not exist. */
  realpath(path: string): string | null;
  /** What the path is, following symlinks; null when it does not exist. */
  kind(path: string): "directory" | "file" | "other" | null;
  /** The file's text, or null when it cannot be read. */
  readText(path: string): string | null;
}

export const nodePathInspector: PathInspector = {
  realpath(path) {
    try {
      return realpathSync.native(path);
    } catch {
      return null;
    }
  },
  kind(path) {
    try {
      const stats = statSync(path);
      return stats.isDirectory() ? "directory" : stats.isFile() ? "file" : "other";
    } catch {
      return null;
    }
  },
  readText(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return null;
    }
  },
};

/**
 * The canonical form of an absolute path. A path that does not exist yet is
 * canonicalised through its nearest existing ancestor, so that a root created
 * later under a symlinked directory (macOS `/tmp` is `/private/tmp`) still
 * names the place the kernel will see.
 */
export function canonicalPath(path: string, fs: PathInspector): string {
  const real = fs.realpath(path);
  if (real !== null) return real;
  const parent = dirname(path);
  if (parent === path) return path;
  return join(canonicalPath(parent, fs), basename(path));
}
