/**
 * Network egress through a proxy (SPEC §11): the policy (allow and deny lists,
 * local addresses, limited mode) and the proxy that enforces it in the host's
 * process.
 */
export { parseNetworkPolicy, canonicalPattern, patternMatches, type NetworkPolicy, type NetworkPolicyInput, type NetworkMode } from "./policy.js";
export { canonicalHost } from "./host.js";
export { isLocalAddress } from "./addresses.js";
export { parseSocksGreeting, parseSocksRequest, type SocksParse, type SocksAddress } from "./socks5.js";
export { parseConnectTarget, parseForwardTarget, type RequestTarget } from "./request-target.js";
export type { NetworkRequest, NetworkDecision, NetworkDecider, ProxyProtocol, BlockCode } from "./judge.js";
export { NetworkProxy, type NetworkEvent, type NetworkProxyOptions } from "./proxy.js";
export { proxyEnvironment, LINUX_PROXY_PORTS, NO_PROXY, type ProxyPorts, type NetworkProxyEndpoints } from "./environment.js";
