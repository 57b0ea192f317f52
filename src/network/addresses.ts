/**
 * Local destinations: addresses a sandboxed command must not reach through
 * the proxy unless the host allows it, because they are the host's own
 * services, its private networks or a cloud's metadata service.
 */
import { BlockList, isIP } from "node:net";

const LOCAL_IPV4: readonly [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // RFC 1918
  ["100.64.0.0", 10], // carrier-grade NAT (Alibaba's metadata service lives here)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, and the usual cloud metadata address 169.254.169.254
  ["172.16.0.0", 12], // RFC 1918
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16], // RFC 1918
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
];

const LOCAL_IPV6: readonly [string, number][] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["fc00::", 7], // unique local (fd00:ec2::254 is a metadata address)
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
];

const local = new BlockList();
for (const [network, prefix] of LOCAL_IPV4) local.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of LOCAL_IPV6) local.addSubnet(network, prefix, "ipv6");

/** The IPv4 address an IPv4-mapped or IPv4-compatible IPv6 address carries, else null. */
function embeddedIpv4(ipv6: string): string | null {
  const mapped = /^(?:0{0,4}:){0,5}(?:ffff:)?(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ipv6.startsWith("::") ? ipv6 : "");
  if (mapped === null) return null;
  if (mapped[1] !== undefined) return mapped[1];
  const high = parseInt(mapped[2]!, 16);
  const low = parseInt(mapped[3]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Whether `ip` (an IPv4 or IPv6 literal) is loopback, private, link-local, unique-local, multicast or metadata. */
export function isLocalAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return local.check(ip, "ipv4");
  if (family !== 6) return true;
  const embedded = embeddedIpv4(ip);
  if (embedded !== null && isIP(embedded) === 4) return local.check(embedded, "ipv4");
  return local.check(ip, "ipv6");
}
