/**
 * Reading a file that a sandbox could have written (rules files in a
 * workspace, the bridge's owner records): it must be a regular file, it is
 * opened with O_NONBLOCK so that a FIFO cannot hang the host, and no more
 * than a cap is read, so that a device such as /dev/zero cannot exhaust its
 * memory. Callers that must not follow a symlink open the file themselves
 * (O_NOFOLLOW) and read it through its descriptor.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** The contents of the regular file open on `fd`, when it holds at most `maxBytes`; throws otherwise. */
export function readRegularFileFd(fd: number, maxBytes: number): Buffer {
  const stats = fstatSync(fd);
  if (!stats.isFile()) throw new Error("it is not a regular file");
  if (stats.size > maxBytes) throw new Error(`it is longer than ${maxBytes} bytes`);
  // One byte more than its size: a file that grows meanwhile is noticed, not cut short.
  const bytes = Buffer.alloc(stats.size + 1);
  let length = 0;
  for (;;) {
    const read = readSync(fd, bytes, length, bytes.length - length, length);
    length += read;
    if (read === 0) return bytes.subarray(0, length);
    if (length === bytes.length) throw new Error("it changed while it was read");
  }
}

/** The contents of the regular file at `path` (symlinks followed), when it holds at most `maxBytes`; throws otherwise. */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return readRegularFileFd(fd, maxBytes);
  } finally {
    closeSync(fd);
  }
}
