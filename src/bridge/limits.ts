/**
 * What one exec request and one run may make the host keep. A command
 * decides how many execs it makes and how long their argument lists are
 * (the kernel takes up to 6 MiB each); the host's memory must not follow.
 */
import { createHash } from "node:crypto";
import { commandText } from "./command-text.js";
import type { ExecRequest } from "./types.js";

/** The longest argument list (each element's bytes and its NUL) an exec may have and be asked about; longer ones are denied. */
export const MAX_ARGV_BYTES = 256 * 1024;

/**
 * The longest request line the server reads: room for MAX_ARGV_BYTES when
 * every byte is escaped (`\u0001`, six bytes) and carried once more in
 * base64, and for the paths beside it. Anything longer is denied unread.
 */
export const MAX_REQUEST_LINE_BYTES = 8 * MAX_ARGV_BYTES + 64 * 1024;

/** The most decisions a run lists in its result, and the most argument bytes they may hold together; the rest are counted. */
export const MAX_RUN_DECISIONS = 10_000;
export const MAX_RUN_DECISION_BYTES = 16 * 1024 * 1024;

/** The bytes an argv takes in the kernel's terms: each element and its terminating NUL. */
export function argvBytes(request: Pick<ExecRequest, "argv" | "exact">): number {
  const elements = request.exact?.argv ?? request.argv.map((arg) => Buffer.from(arg));
  return elements.reduce((sum, element) => sum + element.length + 1, 0);
}

/** What a retained decision costs a run's budget: its argument list and its paths. */
export function retainedBytes(request: Pick<ExecRequest, "argv" | "exact" | "file" | "cwd">): number {
  return argvBytes(request) + Buffer.byteLength(request.file) + Buffer.byteLength(request.cwd);
}

/** An argv cut to a budget for a record that must stay short (an audit line), with what was cut (in exact bytes). */
export interface BoundedArgv {
  /** The leading elements that fit whole in the budget. */
  argv: string[];
  /** Those elements as a shell would print them. */
  command: string;
  /** Null when nothing was cut; otherwise the bytes cut (elements and NULs) and the SHA-256 of the whole argv, NUL-terminated elements. */
  cut: { bytes: number; sha256: string } | null;
}

export function boundedArgv(request: Pick<ExecRequest, "argv" | "exact">, maxBytes: number): BoundedArgv {
  const elements = request.exact?.argv ?? request.argv.map((arg) => Buffer.from(arg));
  const total = argvBytes(request);
  if (total <= maxBytes) return { argv: [...request.argv], command: commandText(request.argv), cut: null };
  let kept = 0;
  let used = 0;
  while (kept < elements.length && used + elements[kept]!.length + 1 <= maxBytes) used += elements[kept++]!.length + 1;
  const digest = createHash("sha256");
  for (const element of elements) digest.update(element).update("\0");
  const argv = request.argv.slice(0, kept);
  return { argv, command: commandText(argv), cut: { bytes: total - used, sha256: digest.digest("hex") } };
}
