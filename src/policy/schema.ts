/**
 * The sandbox policy model. Types are camelCase; the parser also reads the
 * Codex wire form (kebab-case `type` tags, snake_case fields) and
 * `toCodexJson` writes it back, so policies can travel between the two.
 */
import { z } from "zod";
import { PolicyError } from "../errors.js";

const absolutePath = z
  .string({ error: "must be a string" })
  .refine((p) => !p.includes("\0"), { error: "must not contain NUL bytes" })
  .refine((p) => p.startsWith("/"), { error: "must be an absolute path" });

const fullAccessSchema = z.strictObject({ type: z.literal("full-access") });

const restrictedSchema = z.strictObject({
  type: z.literal("restricted"),
  includePlatformDefaults: z.boolean({ error: "must be a boolean" }).default(true),
  readableRoots: z.array(absolutePath, { error: "must be an array of absolute paths" }).default([]),
});

const readOnlyAccessSchema = z.discriminatedUnion("type", [fullAccessSchema, restrictedSchema], {
  error: 'must have "type" "full-access" or "restricted"',
});

const networkFlag = z.boolean({ error: "must be a boolean" }).default(false);

const policySchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("danger-full-access") }),
    z.strictObject({
      type: z.literal("read-only"),
      access: readOnlyAccessSchema.default({ type: "full-access" }),
      networkAccess: networkFlag,
    }),
    z.strictObject({
      type: z.literal("workspace-write"),
      writableRoots: z.array(absolutePath, { error: "must be an array of absolute paths" }).default([]),
      networkAccess: networkFlag,
      excludeTmpdirEnvVar: z.boolean({ error: "must be a boolean" }).default(false),
      excludeSlashTmp: z.boolean({ error: "must be a boolean" }).default(false),
      readOnlyAccess: readOnlyAccessSchema.default({ type: "full-access" }),
    }),
    z.strictObject({
      type: z.literal("external-sandbox"),
      networkAccess: z.enum(["restricted", "enabled"], { error: 'must be "restricted" or "enabled"' }).default("restricted"),
    }),
  ],
  { error: 'must have "type" one of "danger-full-access", "read-only", "workspace-write", "external-sandbox"' },
);

/** What a sandboxed command may read outside its writable roots. */
export type ReadOnlyAccess = z.infer<typeof readOnlyAccessSchema>;
/** A sandbox policy, as Codex defines it. */
export type SandboxPolicy = z.infer<typeof policySchema>;
export type WorkspaceWritePolicy = Extract<SandboxPolicy, { type: "workspace-write" }>;

/** snake_case wire names and their camelCase model names. */
const wireToModel = new Map<string, string>([
  ["network_access", "networkAccess"],
  ["writable_roots", "writableRoots"],
  ["exclude_tmpdir_env_var", "excludeTmpdirEnvVar"],
  ["exclude_slash_tmp", "excludeSlashTmp"],
  ["read_only_access", "readOnlyAccess"],
  ["include_platform_defaults", "includePlatformDefaults"],
  ["readable_roots", "readableRoots"],
]);
const modelToWire = new Map([...wireToModel].map(([wire, model]) => [model, wire]));

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Renames wire keys to model keys (recursively); a key given in both
 * spellings is an error. Keys are defined as own properties, so a
 * `__proto__` key stays an (unknown, rejected) field and never a prototype.
 */
function toModelKeys(value: unknown, path: string): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const modelKey = wireToModel.get(key) ?? key;
    if (Object.hasOwn(out, modelKey)) {
      throw new PolicyError(`invalid sandbox policy: ${path}${key}: given twice (as "${modelToWire.get(modelKey)}" and "${modelKey}")`);
    }
    Object.defineProperty(out, modelKey, { value: toModelKeys(inner, `${path}${key}.`), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function formatPath(path: readonly PropertyKey[], wire: boolean): string {
  let text = "policy";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += `.${wire ? (modelToWire.get(String(part)) ?? String(part)) : String(part)}`;
  }
  return text;
}

function usesWireKeys(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(([key, inner]) => wireToModel.has(key) || usesWireKeys(inner));
}

/**
 * Validates a policy given as the Codex wire form or as camelCase. Throws a
 * PolicyError whose message names each offending field and why.
 */
export function parseSandboxPolicy(input: unknown): SandboxPolicy {
  if (!isPlainObject(input)) {
    throw new PolicyError("invalid sandbox policy: policy: must be a JSON object");
  }
  const result = policySchema.safeParse(toModelKeys(input, ""));
  if (result.success) return result.data;
  const wire = usesWireKeys(input);
  const problems = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `"${wire ? (modelToWire.get(k) ?? k) : k}"`).join(", ");
      return `${formatPath(issue.path, wire)}: unknown field ${keys}`;
    }
    return `${formatPath(issue.path, wire)}: ${issue.message}`;
  });
  throw new PolicyError(`invalid sandbox policy: ${problems.join("; ")}`);
}

/** Parses JSON text, reporting syntax errors as PolicyError too. */
export function parseSandboxPolicyJson(text: string): SandboxPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(`invalid sandbox policy: not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseSandboxPolicy(value);
}

function readOnlyAccessToCodex(access: ReadOnlyAccess): Record<string, unknown> {
  if (access.type === "full-access") return { type: "full-access" };
  return {
    type: "restricted",
    include_platform_defaults: access.includePlatformDefaults,
    readable_roots: [...access.readableRoots],
  };
}

/** Writes a policy in the Codex wire form, with every default spelled out. */
export function toCodexJson(policy: SandboxPolicy): Record<string, unknown> {
  switch (policy.type) {
    case "danger-full-access":
      return { type: policy.type };
    case "read-only":
      return { type: policy.type, access: readOnlyAccessToCodex(policy.access), network_access: policy.networkAccess };
    case "workspace-write":
      return {
        type: policy.type,
        writable_roots: [...policy.writableRoots],
        network_access: policy.networkAccess,
        exclude_tmpdir_env_var: policy.excludeTmpdirEnvVar,
        exclude_slash_tmp: policy.excludeSlashTmp,
        read_only_access: readOnlyAccessToCodex(policy.readOnlyAccess),
      };
    case "external-sandbox":
      return { type: policy.type, network_access: policy.networkAccess };
  }
}

/** The default policy of the CLI and of hosts that name none: read everything, write nothing, no network. */
export const READ_ONLY_POLICY: SandboxPolicy = Object.freeze({
  type: "read-only",
  access: { type: "full-access" },
  networkAccess: false,
}) as SandboxPolicy;

/** A policy as a host may write it in code: the model's camelCase shape with every defaulted field optional. */
export type SandboxPolicyModelInput = z.input<typeof policySchema>;

type CodexReadOnlyAccessInput =
  | { type: "full-access" }
  | { type: "restricted"; include_platform_defaults?: boolean; readable_roots?: string[] };

/** A policy in the Codex wire form (snake_case), with every defaulted field optional. */
export type CodexSandboxPolicyInput =
  | { type: "danger-full-access" }
  | { type: "read-only"; access?: CodexReadOnlyAccessInput; network_access?: boolean }
  | {
      type: "workspace-write";
      writable_roots?: string[];
      network_access?: boolean;
      exclude_tmpdir_env_var?: boolean;
      exclude_slash_tmp?: boolean;
      read_only_access?: CodexReadOnlyAccessInput;
    }
  | { type: "external-sandbox"; network_access?: "restricted" | "enabled" };

/**
 * What the functions that run a command accept as a policy: a parsed
 * SandboxPolicy, a literal in either spelling (`{ type: "workspace-write" }`),
 * or the Codex JSON text. Each is validated with parseSandboxPolicy.
 */
export type SandboxPolicyInput = SandboxPolicyModelInput | CodexSandboxPolicyInput | string;

/** Validates a SandboxPolicyInput; a PolicyError names what is wrong. */
export function policyFromInput(input: SandboxPolicyInput): SandboxPolicy {
  return typeof input === "string" ? parseSandboxPolicyJson(input) : parseSandboxPolicy(input);
}
