/**
 * The exact bytes of cordon's own arguments. Node decodes argv as UTF-8 and
 * puts U+FFFD where bytes are not, so the strings alone may have lost bytes.
 * On Linux the kernel keeps them whole in `/proc/self/cmdline`.
 */
import { readFileSync } from "node:fs";

/**
 * The bytes of the last `args.length` arguments of this process, each
 * checked against the string Node made of it; null where they cannot be had
 * (not Linux, no /proc, or a command line changed since: then an argument
 * that may have lost bytes cannot be carried).
 */
export function readExactArgs(args: readonly string[]): Buffer[] | null {
  if (process.platform !== "linux") return null;
  let cmdline: Buffer;
  try {
    cmdline = readFileSync("/proc/self/cmdline");
  } catch {
    return null;
  }
  const entries = splitCmdline(cmdline);
  if (entries.length < args.length) return null;
  const exact = entries.slice(entries.length - args.length);
  return exact.every((bytes, i) => bytes.toString("utf8") === args[i]) ? exact : null;
}

/** NUL-terminated entries, each as its own Buffer. */
function splitCmdline(cmdline: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let start = 0;
  for (let end = cmdline.indexOf(0); end !== -1; end = cmdline.indexOf(0, start)) {
    entries.push(cmdline.subarray(start, end));
    start = end + 1;
  }
  return entries;
}

/**
 * Whether `arg` may not be what was typed: its exact bytes differ from its
 * UTF-8, or (bytes unknown) it holds U+FFFD, which may stand for lost bytes.
 */
export function isInexact(arg: string, exact: Buffer | undefined): boolean {
  return exact === undefined ? arg.includes("\uFFFD") : !exact.equals(Buffer.from(arg));
}
