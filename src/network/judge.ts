/**
 * One decision of the proxy: may the command reach this host and port, and
 * at which address. The name is judged as the client asked for it; the
 * proxy resolves it once, refuses local addresses, and returns the one
 * address that the caller then connects to, so the name cannot be resolved
 * again to something else (DNS rebinding).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { describeError } from "../errors.js";
import { isLocalAddress } from "./addresses.js";
import type { CanonicalHost } from "./host.js";
import { listVerdict, type NetworkPolicy } from "./policy.js";

/** How the command reached the proxy: a forwarded plain-HTTP request, a `CONNECT` tunnel, or SOCKS5. */
export type ProxyProtocol = "http" | "https" | "socks5_tcp";

/** What `decide` is asked about: a host no list settles, or one a `prompt` rule names. */
export interface NetworkRequest {
  host: CanonicalHost;
  port: number;
  protocol: ProxyProtocol;
  runId: string;
}

/** `remember`: the answer holds for this host for the rest of the proxy's life (the run). */
export type NetworkDecision = { action: "allow"; remember?: boolean } | { action: "deny"; reason?: string };

export type NetworkDecider = (request: NetworkRequest) => Promise<NetworkDecision> | NetworkDecision;

/** The `x-proxy-error` value of a refusal. */
export type BlockCode = "blocked-by-allowlist" | "blocked-by-denylist" | "blocked-by-local-address" | "blocked-by-method-policy";

export type Judgement =
  | { allowed: true; address: string; reason: string }
  | { allowed: false; code: BlockCode | "unresolved"; reason: string };

const LIMITED_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface JudgeContext {
  policy: NetworkPolicy;
  runId: string;
  decide?: NetworkDecider;
  /** Hosts a `remember`ed answer allowed. */
  remembered: Set<string>;
  /** Reports a `decide` that threw (its text never reaches the command). */
  onDecideError: (error: unknown) => void;
}

async function askDecider(context: JudgeContext, request: NetworkRequest): Promise<Judgement | null> {
  if (context.remembered.has(request.host)) return null;
  const denied = (reason: string): Judgement => ({ allowed: false, code: "blocked-by-allowlist", reason });
  if (context.decide === undefined) return denied("not on the allow list");
  let decision: NetworkDecision;
  try {
    decision = await context.decide(request);
  } catch (error) {
    context.onDecideError(error);
    return denied("the host's decision failed");
  }
  if (decision?.action === "allow") {
    if (decision.remember === true) context.remembered.add(request.host);
    return null;
  }
  const reason = typeof decision?.reason === "string" && decision.reason !== "" ? decision.reason : "denied by the host";
  return denied(reason.replace(/[\r\n]+/g, " "));
}

/** Judges one connection; `method` is the HTTP method of a forwarded request. */
export async function judge(context: JudgeContext, request: NetworkRequest, method?: string): Promise<Judgement> {
  const { policy } = context;
  if (policy.mode === "limited" && (request.protocol !== "http" || !LIMITED_METHODS.has(method ?? ""))) {
    const what = request.protocol === "http" ? `method ${method}` : request.protocol === "https" ? "CONNECT" : "SOCKS5";
    return { allowed: false, code: "blocked-by-method-policy", reason: `${what} is not allowed in limited mode` };
  }
  const verdict = listVerdict(policy, request.host);
  if (verdict === "denied") return { allowed: false, code: "blocked-by-denylist", reason: "on the deny list" };
  if (verdict !== "allowed") {
    const refusal = await askDecider(context, request);
    if (refusal !== null) return refusal;
  }
  const literal = isIP(request.host) !== 0;
  let addresses: string[];
  if (literal) {
    addresses = [request.host];
  } else {
    try {
      addresses = (await lookup(request.host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error) {
      return { allowed: false, code: "unresolved", reason: `cannot resolve: ${describeError(error)}` };
    }
  }
  const local = addresses.find(isLocalAddress);
  const literalAllowed = literal && policy.allowedDomains.includes(request.host);
  if (local !== undefined && !policy.allowLocalAddresses && !literalAllowed) {
    const reason = literal ? "a local address" : `resolves to a local address (${local})`;
    return { allowed: false, code: "blocked-by-local-address", reason };
  }
  // Every address passed the check; IPv4 first, since many hosts have no IPv6 route.
  const address = addresses.find((candidate) => isIP(candidate) === 4) ?? addresses[0]!;
  return { allowed: true, address, reason: verdict === "allowed" ? "on the allow list" : "allowed by the host" };
}
