/** The bridge's private directory: 0700, ours, holding its sockets (0600) and nothing else of anyone's. */
import { chmod, lstat, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BridgeError } from "../errors.js";

/** sun_path holds 108 bytes on Linux and 104 on macOS, NUL included. */
const MAX_SOCKET_PATH_BYTES = 103;

export async function createPrivateDir(parent: string | undefined): Promise<string> {
  const base = parent ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(join(base, "cordon-exec-"));
    await chmod(dir, 0o700);
    const stats = await lstat(dir);
    if (!stats.isDirectory() || stats.uid !== process.getuid?.() || (stats.mode & 0o777) !== 0o700) {
      throw new Error("it is not a 0700 directory owned by this user");
    }
  } catch (error) {
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
