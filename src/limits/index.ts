/**
 * Resource limits of a run (SPEC §12): one budget of processes and memory for
 * every process of the run together, and per-process CPU seconds, file size
 * and open files. The launcher enforces them (cgroups, setrlimit); this module
 * only says what is asked, how it is written, and what the launcher reported.
 */
import { z } from "zod";
import { UsageError } from "../errors.js";

export interface ResourceLimits {
  /** Processes (and threads) of the whole run at once. Default: 4,096 wherever it can be enforced. */
  pids?: number;
  /** Memory of the whole run, in bytes, swap included; past it the run is killed. */
  memoryBytes?: number;
  /** CPU seconds of each process (SIGXCPU at the limit). */
  cpuSeconds?: number;
  /** Largest file each process may write, in bytes (SIGXFSZ past it). */
  fileSizeBytes?: number;
  /** Descriptors each process may hold open. */
  openFiles?: number;
}

/** The names the launcher, the CLI and `limitExceeded` use. */
export type LimitName = "pids" | "memory" | "cpu" | "file-size" | "open-files";

export const DEFAULT_PIDS_LIMIT = 4096;

const LIMITS: ReadonlyArray<{ key: keyof ResourceLimits; name: LimitName; unit: "count" | "bytes" | "seconds" }> = [
  { key: "pids", name: "pids", unit: "count" },
  { key: "memoryBytes", name: "memory", unit: "bytes" },
  { key: "cpuSeconds", name: "cpu", unit: "seconds" },
  { key: "fileSizeBytes", name: "file-size", unit: "bytes" },
  { key: "openFiles", name: "open-files", unit: "count" },
];

const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const resourceLimitsSchema = z
  .strictObject({ pids: amount, memoryBytes: amount, cpuSeconds: amount, fileSizeBytes: amount, openFiles: amount })
  .partial();

/** The limits, checked (whole numbers from 1; no other key). */
export function parseResourceLimits(input: unknown): ResourceLimits {
  const parsed = resourceLimitsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`limits${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The launcher's arguments for `limits`: each one asked for is required
 * (`--limit`), unless the caller downgraded limits to best-effort
 * (`--limit-if-possible`); the default pids limit is always best-effort.
 */
export function limitLauncherArgs(limits: ResourceLimits, level: "required" | "best-effort" = "required"): string[] {
  const args: string[] = [];
  for (const { key, name } of LIMITS) {
    const value = limits[key];
    if (value !== undefined) args.push(level === "required" ? "--limit" : "--limit-if-possible", `${name}=${value}`);
  }
  if (limits.pids === undefined) args.push("--limit-if-possible", `pids=${DEFAULT_PIDS_LIMIT}`);
  return args;
}

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `NAME=VALUE` as the CLI takes it (`pids=256`, `memory=512M`, `cpu=60s`, `file-size=1G`, `open-files=1024`). */
export function parseLimitOption(text: string, into: ResourceLimits = {}): ResourceLimits {
  const match = /^([a-z-]+)=(.*)$/.exec(text);
  const limit = match ? LIMITS.find(({ name }) => name === match[1]) : undefined;
  if (!match || !limit) {
    throw new UsageError(`--limit: expected NAME=VALUE with NAME one of ${LIMITS.map(({ name }) => name).join(", ")}, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  const value = match[2]!;
  const pattern = limit.unit === "bytes" ? /^(\d+)([KMGT]?)$/ : limit.unit === "seconds" ? /^(\d+)s?$/ : /^(\d+)$/;
  const parts = pattern.exec(value);
  const number = parts ? Number(parts[1]) * (limit.unit === "bytes" ? UNITS[parts[2] ?? ""]! : 1) : NaN;
  if (!parts || !Number.isSafeInteger(number) || number < 1) {
    const form = limit.unit === "bytes" ? "a whole number of bytes, with K, M, G or T" : limit.unit === "seconds" ? "whole seconds (60 or 60s)" : "a whole number";
    throw new UsageError(`--limit ${limit.name}: expected ${form} from 1, got ${JSON.stringify(value.slice(0, 80))}`);
  }
  return { ...into, [limit.key]: number };
}

/** A limit's value as people read it: `512 MiB`, `60 s`, `256`. */
export function describeLimit(name: LimitName, limits: ResourceLimits): string {
  const limit = LIMITS.find((entry) => entry.name === name)!;
  const value = limits[limit.key] ?? (name === "pids" ? DEFAULT_PIDS_LIMIT : undefined);
  if (value === undefined) return "unlimited";
  if (limit.unit === "seconds") return `${value} s`;
  if (limit.unit === "count") return String(value);
  for (const [suffix, size] of [["TiB", 1024 ** 4], ["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (value % size === 0) return `${value / size} ${suffix}`;
  }
  return `${value} bytes`;
}

/** What the launcher said on its report descriptor. */
export interface LimitReport {
  /** The limit the kernel enforced on the run (the reason it ended), if any. */
  limitExceeded: LimitName | null;
  /** Limits asked for only where possible that this host could not enforce, with why. */
  notEnforced: Array<{ name: LimitName; reason: string }>;
}

export function parseLimitReport(text: string): LimitReport {
  const report: LimitReport = { limitExceeded: null, notEnforced: [] };
  const known = (name: string | undefined): name is LimitName => LIMITS.some((limit) => limit.name === name);
  for (const line of text.split("\n")) {
    const [kind, name, ...reason] = line.split(" ");
    if (kind === "limit-exceeded" && known(name)) report.limitExceeded = name;
    if (kind === "limit-not-enforced" && known(name)) report.notEnforced.push({ name, reason: reason.join(" ") });
  }
  return report;
}

/** `cordon: the run exceeded its memory limit (512 MiB)`. */
export function limitExceededMessage(name: LimitName, limits: ResourceLimits): string {
  return `cordon: the run exceeded its ${name} limit (${describeLimit(name, limits)})`;
}

/** The limits only a cgroup can hold for the whole run (`pids`, `memoryBytes`), by their names, among those asked. */
export function perRunLimitsAsked(limits: ResourceLimits): LimitName[] {
  return LIMITS.filter(({ key }) => (key === "pids" || key === "memoryBytes") && limits[key] !== undefined).map(({ name }) => name);
}

/** The ulimit file-size unit of POSIX shells (`ulimit -f`): 512-byte blocks. */
const ULIMIT_BLOCK = 512;

/**
 * Where no launcher runs (macOS): the per-process limits set by `/bin/sh`'s
 * `ulimit` (setrlimit, soft and hard) just before it execs the program, as
 * the argv that runs `program` under them; null when none is asked. The
 * values travel as arguments, never inside the script text.
 */
export function perProcessLimitPrefix(limits: ResourceLimits): string[] | null {
  const settings: Array<[string, number]> = [];
  if (limits.cpuSeconds !== undefined) settings.push(["-t", limits.cpuSeconds]);
  if (limits.fileSizeBytes !== undefined) settings.push(["-f", Math.max(1, Math.floor(limits.fileSizeBytes / ULIMIT_BLOCK))]);
  if (limits.openFiles !== undefined) settings.push(["-n", limits.openFiles]);
  if (settings.length === 0) return null;
  const script = settings.map(([flag], i) => `ulimit ${flag} "$${i + 1}"`).join(" && ");
  return ["/bin/sh", "-c", `${script} && shift ${settings.length} && exec "$@"`, "sh", ...settings.map(([, value]) => String(value))];
}

export { limitMechanisms } from "./host.js";
