/**
 * The sandbox policy a command runs under: `--policy FILE` (or `-` for
 * stdin), or for simple cases the shorthands `--sandbox MODE`,
 * `--writable-root DIR` and `--network`. The policy model (and its zod
 * schemas) is loaded only here, when a policy is built.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { PolicyError, UsageError } from "../errors.js";
import type { SandboxPolicy } from "../policy/index.js";
import type { CliIO } from "./command.js";

const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;

/** The parseArgs definitions of the policy flags of `run` and `shell`. */
export const policyFlagOptions = {
  policy: { type: "string" },
  sandbox: { type: "string" },
  "writable-root": { type: "string", multiple: true },
  network: { type: "boolean" },
} as const;

export interface PolicyFlags {
  policy?: string;
  sandbox?: string;
  "writable-root"?: string[];
  network?: boolean;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads and validates the policy; without `--policy` the default is read-only. */
export async function loadPolicyOption(file: string | undefined, stdin: Readable): Promise<SandboxPolicy> {
  const { parseSandboxPolicyJson, READ_ONLY_POLICY } = await import("../policy/index.js");
  if (file === undefined) return READ_ONLY_POLICY;
  let text: string;
  try {
    text = file === "-" ? await readAll(stdin) : await readFile(file, "utf8");
  } catch (error) {
    throw new PolicyError(`cannot read policy file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseSandboxPolicyJson(text);
}

/** A root given relatively is taken from `cwd`; one that is missing here is the policy's error, as from a file. */
function writableRoot(dir: string, cwd: string): string {
  if (dir === "") throw new UsageError("--writable-root: the directory name is empty");
  return resolve(cwd, dir);
}

/** The Codex wire form the shorthands stand for. */
function shorthandPolicy(flags: PolicyFlags, cwd: string, proxied: boolean): Record<string, unknown> {
  const mode = flags.sandbox ?? "read-only";
  if (!(SANDBOX_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--sandbox: expected one of ${SANDBOX_MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  }
  const roots = flags["writable-root"] ?? [];
  if (roots.length > 0 && mode !== "workspace-write") {
    throw new UsageError(`--writable-root needs --sandbox workspace-write (the sandbox is ${mode})`);
  }
  const networkAccess = flags.network === true || proxied;
  switch (mode) {
    case "danger-full-access":
      return { type: mode };
    case "workspace-write":
      return { type: mode, writable_roots: roots.map((dir) => writableRoot(dir, cwd)), network_access: networkAccess };
    default:
      return { type: mode, network_access: networkAccess };
  }
}

/**
 * The policy of `run` and `shell`: from `--policy`, or from the shorthands
 * (relative writable roots are taken from the current directory). The two
 * ways exclude each other. `proxied` (a domain flag was given) turns the
 * shorthands' network on, through the proxy; a policy file keeps its own.
 */
export async function loadPolicyFlags(flags: PolicyFlags, io: CliIO, proxied = false): Promise<SandboxPolicy> {
  const shorthands = (["sandbox", "writable-root", "network"] as const).filter((name) => flags[name] !== undefined);
  if (flags.policy === undefined) {
    if (shorthands.length === 0 && !proxied) return loadPolicyOption(undefined, io.stdin);
    const { parseSandboxPolicy } = await import("../policy/index.js");
    return parseSandboxPolicy(shorthandPolicy(flags, io.cwd, proxied));
  }
  if (shorthands.length > 0) {
    throw new UsageError(`--policy and ${shorthands.map((name) => `--${name}`).join(", ")} exclude each other: give the whole policy in the file`);
  }
  return loadPolicyOption(flags.policy, io.stdin);
}
