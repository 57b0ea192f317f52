/**
 * What an HTTP proxy request asks for: the authority of a `CONNECT`, or the
 * absolute URL of a forwarded plain-HTTP request. Anything a proxy should
 * not guess about (userinfo, another scheme, no port where one is needed)
 * is malformed.
 */
import { canonicalHost, splitAuthority, type CanonicalHost } from "./host.js";

export interface RequestTarget {
  host: CanonicalHost;
  port: number;
  /** For forwarded requests: the path and query to send upstream. */
  path: string;
}

export type TargetParse = { ok: true; target: RequestTarget } | { ok: false; reason: string };

const bad = (reason: string): TargetParse => ({ ok: false, reason });

/** The target of `CONNECT host:port`. */
export function parseConnectTarget(authority: string): TargetParse {
  if (authority.includes("@")) return bad("userinfo is not allowed in a CONNECT target");
  const split = splitAuthority(authority);
  if (split === null) return bad("a CONNECT target must be host:port");
  const host = canonicalHost(split.host);
  if (host === null) return bad("not a host name or IP literal");
  return { ok: true, target: { host, port: split.port, path: "" } };
}

/** The target of a forwarded request (`GET http://host[:port]/path`). */
export function parseForwardTarget(url: string): TargetParse {
  if (!/^http:\/\//i.test(url)) return bad("a proxy request needs an absolute http:// URL (use CONNECT for https)");
  const authorityEnd = url.slice(7).search(/[/?#]/);
  const authority = authorityEnd === -1 ? url.slice(7) : url.slice(7, 7 + authorityEnd);
  if (authority.includes("@")) return bad("userinfo is not allowed in a proxy request");
  const split = /:[0-9]*$/.test(authority) && !/^\[[^\]]*\]$/.test(authority) ? splitAuthority(authority) : { host: authority, port: 80 };
  if (split === null) return bad("malformed port");
  const host = canonicalHost(split.host);
  if (host === null) return bad("not a host name or IP literal");
  const rest = authorityEnd === -1 ? "/" : url.slice(7 + authorityEnd);
  const path = rest.startsWith("/") ? rest.replace(/#.*$/s, "") : `/${rest.replace(/#.*$/s, "")}`;
  if (/[\x00-\x20\x7f]/.test(path)) return bad("the path holds spaces or control characters");
  return { ok: true, target: { host, port: split.port, path } };
}
