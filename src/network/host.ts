/**
 * Host names as the proxy judges them: the name the client asked for, in one
 * canonical spelling. The WHATWG URL host parser does the normalising, so
 * every spelling a client library would accept (upper case, a trailing dot,
 * decimal, octal or hexadecimal IPv4, bracketed IPv6) lands on the same text
 * the lists are matched against.
 */
import { isIP } from "node:net";

/** A host name, or an IP literal without brackets, lower-case and without a trailing dot. */
export type CanonicalHost = string;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Whether `host` is a plain DNS name (ASCII labels of letters, digits, `-` and `_`). */
function isDnsName(host: string): boolean {
  return host.length <= 253 && host.split(".").every((label) => LABEL.test(label));
}

/**
 * The canonical form of a host as a client names it (without port), or null
 * when it is no host at all: empty, userinfo, a path, a port, spaces, or
 * bytes no URL parser accepts.
 */
export function canonicalHost(raw: string): CanonicalHost | null {
  if (raw === "" || raw.length > 260) return null;
  if (/[\s@/\\?#%]/.test(raw) || /[^\x21-\x7e]/.test(raw)) return null;
  let host = raw;
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) return null;
    host = host.slice(1, -1);
    return isIP(host) === 6 ? canonicalIp(host) : null;
  }
  if (isIP(host) === 6) return canonicalIp(host);
  if (host.includes(":")) return null;
  let parsed: string;
  try {
    parsed = new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
  parsed = parsed.replace(/\.$/, "");
  if (isIP(parsed) === 4) return parsed;
  return isDnsName(parsed) ? parsed : null;
}

/** An IP literal in the URL parser's spelling (IPv6 compressed and lower-case). */
function canonicalIp(ip: string): CanonicalHost | null {
  try {
    const hostname = new URL(`http://${isIP(ip) === 6 ? `[${ip}]` : ip}/`).hostname;
    return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  } catch {
    return null;
  }
}

/** `host:port` of an authority (`CONNECT` target, SOCKS address) split; null when malformed. */
export function splitAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]*\]|[^:\[\]]*):([0-9]{1,5})$/.exec(authority);
  if (match === null) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1]!, port };
}
