/**
 * Seatbelt profile text from already-computed access (SPEC §3). Pure: the
 * same input always gives the same profile and parameters, and no path ever
 * enters the profile text. Paths travel as `-D` parameters that the profile
 * names with `(param "KEY")`, so quotes, parentheses, semicolons or newlines
 * in a path can never change the meaning of the profile.
 */
import type { WritableRoot } from "../policy/index.js";
import type { SeatbeltFragments } from "./fragments.js";

/** What the sandboxed command may read. */
export type SeatbeltReadAccess =
  | { type: "everywhere" }
  | { type: "roots"; roots: readonly string[]; includePlatformDefaults: boolean };

/** What the sandboxed command may write. */
export type SeatbeltWriteAccess =
  | { type: "nowhere" }
  | { type: "everywhere" }
  | { type: "roots"; roots: readonly WritableRoot[] };

/**
 * Through a network proxy (SPEC §11), Codex's `dynamic_network_policy`:
 * outbound TCP only to the proxy's loopback ports, loopback binding only
 * when allowed, and no network at all when no port is usable.
 */
export interface SeatbeltNetworkProxy {
  ports: readonly number[];
  allowLocalBinding: boolean;
}

export interface SeatbeltAccess {
  read: SeatbeltReadAccess;
  write: SeatbeltWriteAccess;
  network: boolean;
  /** With `network`: only through this proxy. */
  networkProxy?: SeatbeltNetworkProxy;
  /** Exact socket paths the command may connect to, whatever `network` says. */
  unixSockets: readonly string[];
  /** The per-user cache folder; used only with `network`, and omitted when null. */
  darwinUserCacheDir: string | null;
}

/** A `-D` definition: the profile says `(param "key")`, sandbox-exec substitutes `value`. */
export interface SeatbeltParameter {
  key: string;
  value: string;
}

export interface SeatbeltProfile {
  profile: string;
  parameters: SeatbeltParameter[];
}

function param(key: string): string {
  return `(param "${key}")`;
}

function readSection(read: SeatbeltReadAccess, fragments: SeatbeltFragments, parameters: SeatbeltParameter[]): string {
  if (read.type === "everywhere") return "; reads: everywhere\n(allow file-read*)\n";
  const filters = read.roots.map((root, i) => {
    const key = `READABLE_ROOT_${i}`;
    parameters.push({ key, value: root });
    return `  (subpath ${param(key)})`;
  });
  const rootsRule = `; reads: only under the readable roots\n(allow file-read*\n${filters.join("\n")})\n`;
  return read.includePlatformDefaults ? `${rootsRule}\n${fragments.platformDefaults}` : rootsRule;
}

/**
 * One filter per writable root: the root, minus each read-only subpath.
 * The `literal` exclusion sits beside `subpath` because Seatbelt has let the
 * first creation of a protected path itself through (`mkdir .git` where none
 * existed) when only `subpath` excluded it.
 */
function writableRootFilter(root: WritableRoot, index: number, parameters: SeatbeltParameter[]): string {
  const key = `WRITABLE_ROOT_${index}`;
  parameters.push({ key, value: root.root });
  if (root.readOnlySubpaths.length === 0) return `  (subpath ${param(key)})`;
  const exclusions = root.readOnlySubpaths.map((subpath, j) => {
    const subKey = `${key}_RO_${j}`;
    parameters.push({ key: subKey, value: subpath });
    return `\n    (require-not (literal ${param(subKey)}))\n    (require-not (subpath ${param(subKey)}))`;
  });
  return `  (require-all\n    (subpath ${param(key)})${exclusions.join("")})`;
}

function writeSection(write: SeatbeltWriteAccess, parameters: SeatbeltParameter[]): string {
  switch (write.type) {
    case "nowhere":
      return "";
    case "everywhere":
      return "; writes: everywhere\n(allow file-write*)\n";
    case "roots": {
      if (write.roots.length === 0) return "";
      const filters = write.roots.map((root, i) => writableRootFilter(root, i, parameters));
      const comment = "; writes: only under the writable roots, never into their read-only subpaths";
      return `${comment}\n(allow file-write*\n${filters.join("\n")})\n`;
    }
  }
}

function isUsablePort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** The proxy's rules: its ports, and loopback binding when allowed; empty when no port is usable. */
function proxyRules(proxy: SeatbeltNetworkProxy): string {
  const ports = [...new Set(proxy.ports.filter(isUsablePort))];
  if (ports.length === 0) return "";
  const lines = ["; network: only through the proxy's loopback ports", "(allow system-socket (socket-domain AF_INET) (socket-domain AF_INET6))"];
  if (proxy.allowLocalBinding) {
    lines.push(
      "; loopback binding and loopback traffic",
      '(allow network-bind (local tcp "localhost:*"))',
      '(allow network-inbound (local tcp "localhost:*"))',
      '(allow network-outbound (remote tcp "localhost:*"))',
    );
  }
  for (const port of ports) lines.push(`(allow network-outbound (remote tcp "localhost:${port}"))`);
  return `${lines.join("\n")}\n`;
}

function networkSection(access: SeatbeltAccess, fragments: SeatbeltFragments, parameters: SeatbeltParameter[]): string {
  if (!access.network) return "";
  const reach = access.networkProxy === undefined ? fragments.network : proxyRules(access.networkProxy);
  // A proxy without a usable port grants no network at all, rather than all of it.
  if (reach === "") return "";
  const granted = `${reach}\n${fragments.networkServices}`;
  if (access.darwinUserCacheDir === null) return granted;
  parameters.push({ key: "DARWIN_USER_CACHE_DIR", value: access.darwinUserCacheDir });
  return `${granted}\n${fragments.darwinUserCache}`;
}

/**
 * Connecting to exactly the named socket paths: creating an AF_UNIX socket,
 * and an outbound connection only to a `path-literal` (no subpath, so no
 * sibling socket in the same folder). Nothing here binds or listens.
 */
function unixSocketSection(sockets: readonly string[], parameters: SeatbeltParameter[]): string {
  if (sockets.length === 0) return "";
  const rules = sockets.map((socket, i) => {
    const key = `ALLOWED_UNIX_SOCKET_${i}`;
    parameters.push({ key, value: socket });
    return `(allow network-outbound (remote unix-socket (path-literal ${param(key)})))`;
  });
  const comment = "; Unix sockets: connect to the named socket paths only";
  return `${comment}\n(allow system-socket (socket-domain AF_UNIX))\n${rules.join("\n")}\n`;
}

/**
 * The profile for `access`: the base fragment, then the read, write, network
 * and Unix-socket sections (each present only when it grants something), and
 * the `-D` parameters in the order their sections use them.
 */
export function buildSeatbeltProfile(access: SeatbeltAccess, fragments: SeatbeltFragments): SeatbeltProfile {
  const parameters: SeatbeltParameter[] = [];
  const sections = [
    fragments.base,
    readSection(access.read, fragments, parameters),
    writeSection(access.write, parameters),
    networkSection(access, fragments, parameters),
    unixSocketSection(access.unixSockets, parameters),
  ].filter((section) => section !== "");
  return { profile: sections.join("\n"), parameters };
}
