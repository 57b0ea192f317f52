/**
 * The SOCKS5 handshake (RFC 1928), parsed from the bytes received so far.
 * Pure functions: each says whether more bytes are needed, the bytes are
 * malformed, or what they ask for and how many bytes they took.
 */

export const SOCKS_VERSION = 5;
export const SOCKS_NO_AUTHENTICATION = 0x00;
export const SOCKS_NO_ACCEPTABLE_METHOD = 0xff;
export const SOCKS_COMMAND_CONNECT = 0x01;

/** Reply codes the proxy sends. */
export const SocksReply = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowedByRuleset: 0x02,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

export type SocksParse<T> = { status: "incomplete" } | { status: "invalid"; reason: string } | ({ status: "complete"; length: number } & T);

/** The client's greeting: version 5 and the authentication methods it offers. */
export function parseSocksGreeting(bytes: Uint8Array): SocksParse<{ methods: number[] }> {
  if (bytes.length < 2) return bytes.length === 1 && bytes[0] !== SOCKS_VERSION ? invalidVersion(bytes[0]!) : { status: "incomplete" };
  if (bytes[0] !== SOCKS_VERSION) return invalidVersion(bytes[0]!);
  const count = bytes[1]!;
  if (count === 0) return { status: "invalid", reason: "the greeting offers no authentication method" };
  if (bytes.length < 2 + count) return { status: "incomplete" };
  return { status: "complete", length: 2 + count, methods: [...bytes.subarray(2, 2 + count)] };
}

function invalidVersion(version: number): { status: "invalid"; reason: string } {
  return { status: "invalid", reason: `not SOCKS version 5 (got ${version})` };
}

/** What a request names: a domain name (remote resolution) or an IP literal the client resolved itself. */
export type SocksAddress = { type: "domain"; name: Uint8Array } | { type: "ipv4" | "ipv6"; ip: string };

/** The request after the greeting: command, destination and port. */
export function parseSocksRequest(bytes: Uint8Array): SocksParse<{ command: number; address: SocksAddress; port: number }> {
  if (bytes.length >= 1 && bytes[0] !== SOCKS_VERSION) return invalidVersion(bytes[0]!);
  if (bytes.length < 5) return { status: "incomplete" };
  const command = bytes[1]!;
  if (bytes[2] !== 0) return { status: "invalid", reason: "the reserved byte is not zero" };
  const type = bytes[3]!;
  let address: SocksAddress;
  let end: number;
  if (type === 0x01) {
    end = 4 + 4;
    if (bytes.length < end + 2) return { status: "incomplete" };
    address = { type: "ipv4", ip: [...bytes.subarray(4, 8)].join(".") };
  } else if (type === 0x04) {
    end = 4 + 16;
    if (bytes.length < end + 2) return { status: "incomplete" };
    const groups: string[] = [];
    for (let i = 4; i < end; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    address = { type: "ipv6", ip: groups.join(":") };
  } else if (type === 0x03) {
    const length = bytes[4]!;
    if (length === 0) return { status: "invalid", reason: "the domain name is empty" };
    end = 5 + length;
    if (bytes.length < end + 2) return { status: "incomplete" };
    address = { type: "domain", name: bytes.slice(5, end) };
  } else {
    return { status: "invalid", reason: `unknown address type ${type}` };
  }
  const port = (bytes[end]! << 8) | bytes[end + 1]!;
  if (port === 0) return { status: "invalid", reason: "port 0" };
  return { status: "complete", length: end + 2, command, address, port };
}

/** A reply with an unspecified bound address (0.0.0.0:0): clients do not need it for CONNECT. */
export function socksReply(code: number): Buffer {
  return Buffer.from([SOCKS_VERSION, code, 0, 0x01, 0, 0, 0, 0, 0, 0]);
}
