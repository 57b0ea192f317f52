/**
 * The variables that point a sandboxed command's clients at the proxy
 * (SPEC §11): the common `*_PROXY` names in both cases, and the ones npm and
 * pip read besides (each tested with the real client). Pure.
 */

/** Where the command reaches the proxy: 127.0.0.1 ports in its own view. */
export interface ProxyPorts {
  http: number;
  socks: number;
}

/** The proxy's ports inside a Linux sandbox's network namespace (its own, so these are always free). */
export const LINUX_PROXY_PORTS: Readonly<ProxyPorts> = Object.freeze({ http: 3128, socks: 1080 });

export const NO_PROXY = "localhost,127.0.0.1,::1";

export function proxyEnvironment(ports: ProxyPorts): Record<string, string> {
  const http = `http://127.0.0.1:${ports.http}`;
  const socks = `socks5h://127.0.0.1:${ports.socks}`;
  return {
    HTTP_PROXY: http,
    HTTPS_PROXY: http,
    ALL_PROXY: socks,
    NO_PROXY,
    http_proxy: http,
    https_proxy: http,
    all_proxy: socks,
    no_proxy: NO_PROXY,
    // npm reads its own configuration from the environment; pip's --proxy.
    npm_config_proxy: http,
    npm_config_https_proxy: http,
    npm_config_noproxy: NO_PROXY,
    PIP_PROXY: http,
  };
}

/** What the platform layer needs of a running proxy. */
export interface NetworkProxyEndpoints {
  httpSocketPath: string;
  socksSocketPath: string;
  /** Loopback TCP ports (started with `tcp: true`), for Seatbelt. */
  httpPort?: number;
  socksPort?: number;
  /** Whether the command may listen on loopback (Seatbelt; a Linux sandbox's loopback is its own anyway). */
  allowLocalBinding?: boolean;
}
