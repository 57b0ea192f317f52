/**
 * The network flags of `run` and `shell` (SPEC §8, §11): `--allow-domain`
 * and `--deny-domain` turn the network on through cordon's proxy, and only
 * through it; `--allow-local-addresses` lets the proxy reach local
 * destinations. With `--network` and rules that hold a `network_rule`
 * (`shell`), the proxy is used too; `--network` alone stays full network. A
 * policy without network always wins.
 */
import type { NetworkPolicyInput } from "../network/index.js";
import { hasFullNetworkAccess, type SandboxPolicy } from "../policy/index.js";
import type { NetworkDomains } from "../rules/network-domains.js";

export const networkFlagOptions = {
  "allow-domain": { type: "string", multiple: true },
  "deny-domain": { type: "string", multiple: true },
  "allow-local-addresses": { type: "boolean" },
} as const;

export interface NetworkFlags {
  "allow-domain"?: string[];
  "deny-domain"?: string[];
  "allow-local-addresses"?: boolean;
}

/** Whether a domain flag asks for the proxy (and so for network, where shorthands build the policy). */
export function domainFlagsGiven(flags: NetworkFlags): boolean {
  return (flags["allow-domain"] ?? []).length > 0 || (flags["deny-domain"] ?? []).length > 0;
}

/** Whether the rules give the proxy anything to judge by. */
function rulesHaveNetwork(rules: NetworkDomains | undefined): boolean {
  return rules !== undefined && rules.allowedDomains.length + rules.deniedDomains.length + rules.prompt.length > 0;
}

/**
 * The proxy's policy for this run (the rules' lists are joined to it by the
 * run), or undefined when the command gets the network the policy says:
 * none, or all of it.
 */
export function networkOptionFrom(flags: NetworkFlags, policy: SandboxPolicy, rules?: NetworkDomains): NetworkPolicyInput | undefined {
  if (!hasFullNetworkAccess(policy)) return undefined;
  if (!domainFlagsGiven(flags) && !rulesHaveNetwork(rules)) return undefined;
  return {
    allowedDomains: flags["allow-domain"] ?? [],
    deniedDomains: flags["deny-domain"] ?? [],
    allowLocalAddresses: flags["allow-local-addresses"] === true,
  };
}
