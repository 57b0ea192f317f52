/**
 * The network policy of a run (SPEC §11): which hosts the proxy lets through.
 * Parsed with zod at the edge; Codex's snake_case spelling is accepted.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { PolicyError } from "../errors.js";
import { canonicalHost, type CanonicalHost } from "./host.js";

/** `"full"`: every protocol; `"limited"`: plain-HTTP `GET`, `HEAD` and `OPTIONS` only. */
export type NetworkMode = "full" | "limited";

export interface NetworkPolicy {
  /** `x` matches that host only; `*.x` any subdomain of x. */
  readonly allowedDomains: readonly string[];
  /** Same patterns; deny wins over allow. */
  readonly deniedDomains: readonly string[];
  /** Hosts that always go to `decide` (network rules whose decision is `prompt`), unless denied. */
  readonly promptDomains: readonly string[];
  /** Loopback, private, link-local, unique-local and metadata destinations. */
  readonly allowLocalAddresses: boolean;
  /** Whether the command may listen on its own loopback (Seatbelt; a Linux sandbox always may, in its namespace). */
  readonly allowLocalBinding: boolean;
  readonly mode: NetworkMode;
}

/** A network policy as a host writes it: cordon's camelCase fields or Codex's snake_case ones, all optional. */
export type NetworkPolicyInput = Partial<NetworkPolicy> | Record<string, unknown>;

/** A domain pattern in its canonical spelling, or an error naming what is wrong with it. */
export function canonicalPattern(raw: string): { pattern: string } | { error: string } {
  if (raw === "*" || raw === "*." || raw === "**") return { error: "a wildcard-only pattern would match every host" };
  const wildcard = raw.startsWith("*.");
  const rest = wildcard ? raw.slice(2) : raw;
  if (rest.includes("*")) return { error: "only a leading `*.` is allowed as a wildcard" };
  const host = canonicalHost(rest);
  if (host === null) return { error: "not a host name or IP literal (no scheme, port, path or spaces)" };
  if (wildcard && isIP(host) !== 0) return { error: "`*.` cannot stand before an IP literal" };
  return { pattern: wildcard ? `*.${host}` : host };
}

const patternList = (field: string) =>
  z.array(z.string({ error: `${field} must hold strings` }), { error: `${field} must be a list of strings` }).transform((list, context) => {
    const patterns: string[] = [];
    for (const raw of list) {
      const result = canonicalPattern(raw);
      if ("error" in result) {
        context.addIssue({ code: "custom", message: `${field}: ${JSON.stringify(raw)}: ${result.error}` });
      } else if (!patterns.includes(result.pattern)) {
        patterns.push(result.pattern);
      }
    }
    return patterns;
  });

const modeSchema = z.enum(["full", "limited"], { error: 'mode must be "full" or "limited"' });

const camelSchema = z.strictObject({
  allowedDomains: patternList("allowedDomains").optional(),
  deniedDomains: patternList("deniedDomains").optional(),
  promptDomains: patternList("promptDomains").optional(),
  allowLocalAddresses: z.boolean({ error: "allowLocalAddresses must be a boolean" }).optional(),
  allowLocalBinding: z.boolean({ error: "allowLocalBinding must be a boolean" }).optional(),
  mode: modeSchema.optional(),
});

const snakeSchema = z.strictObject({
  allowed_domains: patternList("allowed_domains").optional(),
  denied_domains: patternList("denied_domains").optional(),
  prompt_domains: patternList("prompt_domains").optional(),
  allow_local_addresses: z.boolean({ error: "allow_local_addresses must be a boolean" }).optional(),
  allow_local_binding: z.boolean({ error: "allow_local_binding must be a boolean" }).optional(),
  mode: modeSchema.optional(),
});

const SNAKE_KEYS = ["allowed_domains", "denied_domains", "prompt_domains", "allow_local_addresses", "allow_local_binding"];

/** A network policy from JSON or an object, in cordon's camelCase or Codex's snake_case; throws PolicyError naming the field. */
export function parseNetworkPolicy(input: unknown): NetworkPolicy {
  const snake = typeof input === "object" && input !== null && SNAKE_KEYS.some((key) => Object.hasOwn(input, key));
  const parsed = (snake ? snakeSchema : camelSchema).safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 && issue.code !== "custom" ? `${issue.path.join(".")}: ` : "";
    throw new PolicyError(`invalid network policy: ${where}${issue.message}`);
  }
  const value = parsed.data as Record<string, unknown>;
  const pick = <T>(camel: string, snakeName: string, fallback: T): T => (value[snake ? snakeName : camel] as T | undefined) ?? fallback;
  return {
    allowedDomains: pick("allowedDomains", "allowed_domains", []),
    deniedDomains: pick("deniedDomains", "denied_domains", []),
    promptDomains: pick("promptDomains", "prompt_domains", []),
    allowLocalAddresses: pick("allowLocalAddresses", "allow_local_addresses", false),
    allowLocalBinding: pick("allowLocalBinding", "allow_local_binding", false),
    mode: pick<NetworkMode>("mode", "mode", "full"),
  };
}

/** Whether a canonical pattern matches a canonical host. */
export function patternMatches(pattern: string, host: CanonicalHost): boolean {
  return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : pattern === host;
}

/** Where a host stands on the lists: deny wins, then allow, then prompt. */
export type ListVerdict = "denied" | "allowed" | "prompt" | "unlisted";

export function listVerdict(policy: NetworkPolicy, host: CanonicalHost): ListVerdict {
  const on = (patterns: readonly string[]) => patterns.some((pattern) => patternMatches(pattern, host));
  if (on(policy.deniedDomains)) return "denied";
  if (on(policy.promptDomains)) return "prompt";
  if (on(policy.allowedDomains)) return "allowed";
  return "unlisted";
}
