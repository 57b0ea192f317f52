/**
 * The network rules of a policy as the proxy's lists (SPEC §6, §11), as
 * Codex's `compiled_network_domains` computes them, plus the hosts that
 * `prompt` rules send to the host's decision. The two lists are Codex's
 * exactly (a `prompt` rule leaves them as they were); a host whose last rule
 * says `prompt` and that neither list holds is asked about.
 */
import { compiledNetworkDomains, type ExecPolicy } from "./policy.js";

export interface NetworkDomains {
  allowedDomains: string[];
  deniedDomains: string[];
  /** Hosts whose last rule says `prompt` and that neither list holds. */
  prompt: string[];
}

export function compileNetworkDomains(policy: ExecPolicy): NetworkDomains {
  const { allowed, denied } = compiledNetworkDomains(policy);
  const last = new Map<string, string>();
  for (const rule of policy.networkRules) last.set(rule.host, rule.decision);
  const listed = new Set([...allowed, ...denied]);
  const prompt = [...last].filter(([host, decision]) => decision === "prompt" && !listed.has(host)).map(([host]) => host);
  return { allowedDomains: allowed, deniedDomains: denied, prompt };
}
