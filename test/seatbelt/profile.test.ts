import { parseSandboxPolicy, PolicyError } from "../../src/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs, SANDBOX_EXEC_PATH } from "../../src/seatbelt/index.js";
import { seatbeltFragments } from "../../src/seatbelt/fragments.js";
import { buildSeatbeltProfile, type SeatbeltAccess } from "../../src/seatbelt/profile.js";
import { allowsEverywhere, blanketReadAllows, describedFs, flatFs, keysOf, readSandboxExecArgs, rulesOf } from "./support.js";

// A small machine: /w is the workspace (with a .git directory), /data and
// /out are extra roots, /var is a symlink into /private (as on macOS).
const fs = describedFs(
  {
    "/w": "directory",
    "/w/.git": "directory",
    "/data": "directory",
    "/out": "directory",
    "/private/var/folders/zz/C": "directory",
    "/private/tmp": "directory",
    "/private/tmp/bridge.sock": "file",
  },
  { "/tmp": "/private/tmp", "/var": "/private/var", "/tmp/bridge.sock": "/private/tmp/bridge.sock" },
);
const base = { cwd: "/w", env: {}, fs, darwinUserCacheDir: null };
const command = ["git", "status", "--", "-p", "(x)"];

function generate(policy: unknown, options: Partial<Parameters<typeof createSeatbeltCommandArgs>[2]> = {}) {
  const args = createSeatbeltCommandArgs(command, parseSandboxPolicy(policy), { ...base, ...options });
  expect(checkSeatbeltProfile(args)).toEqual([]);
  return { args, ...readSandboxExecArgs(args) };
}

function writeRule(profile: string): string | undefined {
  return rulesOf(profile).find((rule) => rule.startsWith("(allow file-write* "));
}

const networkRule = "(allow network-outbound)";
const socketDomainRule = "(allow system-socket (socket-domain AF_UNIX))";

describe("createSeatbeltCommandArgs: the argument list", () => {
  test("sandbox-exec is the fixed system path", () => {
    expect(SANDBOX_EXEC_PATH).toBe("/usr/bin/sandbox-exec");
  });

  test("-p and the profile, then the -D definitions, then -- and the command unchanged", () => {
    const { args, command: after } = generate({ type: "read-only", access: { type: "restricted", readable_roots: ["/data"] } });
    expect(args.slice(0, 2)).toEqual(["-p", args[1]]);
    expect(args.slice(2, 4)).toEqual(["-DREADABLE_ROOT_0=/data", "-DREADABLE_ROOT_1=/w"]);
    expect(args[4]).toBe("--");
    expect(after).toEqual(command);
  });

  test("the profile starts from the deny-by-default base", () => {
    const { profile } = generate({ type: "read-only" });
    expect(profile.startsWith(seatbeltFragments().base)).toBe(true);
    expect(rulesOf(profile).slice(0, 2)).toEqual(["(version 1)", "(deny default)"]);
  });
});

describe("read-only policy", () => {
  test("full reads: one blanket read allow, no parameters, no writes, no network", () => {
    const { profile, parameters } = generate({ type: "read-only" });
    expect(parameters).toEqual([]);
    expect(allowsEverywhere(profile, "file-read*")).toBe(true);
    expect(writeRule(profile)).toBeUndefined();
    expect(rulesOf(profile)).not.toContain(networkRule);
    expect(profile).not.toContain("system-socket");
  });

  test("with network: the network section, and DARWIN_USER_CACHE_DIR canonical when known", () => {
    const { profile, parameters } = generate(
      { type: "read-only", network_access: true },
      { darwinUserCacheDir: "/var/folders/zz/C" },
    );
    expect(profile).toContain(seatbeltFragments().network);
    expect(profile).toContain(seatbeltFragments().darwinUserCache);
    expect(rulesOf(profile)).toEqual(expect.arrayContaining([networkRule, "(allow network-inbound)"]));
    expect(parameters).toEqual([["DARWIN_USER_CACHE_DIR", "/private/var/folders/zz/C"]]);
  });

  test("with network but no known cache folder (any OS but macOS): the parameter and its rule are left out", () => {
    const { profile, parameters } = generate({ type: "read-only", network_access: true });
    expect(profile).toContain(seatbeltFragments().network);
    expect(profile).not.toContain('(param "DARWIN_USER_CACHE_DIR")');
    expect(parameters).toEqual([]);
  });

  test("without network the cache folder is not asked for or granted", () => {
    const { profile, parameters } = generate({ type: "read-only" }, { darwinUserCacheDir: "/var/folders/zz/C" });
    expect(profile).not.toContain('(param "DARWIN_USER_CACHE_DIR")');
    expect(parameters).toEqual([]);
  });

  test("restricted reads: only under READABLE_ROOT_i (roots, then cwd), with the platform defaults, never blanket", () => {
    const { profile, parameters } = generate({ type: "read-only", access: { type: "restricted", readable_roots: ["/data", "/out"] } });
    expect(parameters).toEqual([
      ["READABLE_ROOT_0", "/data"],
      ["READABLE_ROOT_1", "/out"],
      ["READABLE_ROOT_2", "/w"],
    ]);
    expect(blanketReadAllows(profile)).toEqual([]);
    expect(rulesOf(profile)).toContain(
      '(allow file-read* (subpath (param "READABLE_ROOT_0")) (subpath (param "READABLE_ROOT_1")) (subpath (param "READABLE_ROOT_2")))',
    );
    expect(profile).toContain(seatbeltFragments().platformDefaults);
  });

  test("restricted reads without platform defaults: the roots alone", () => {
    const { profile } = generate({
      type: "read-only",
      access: { type: "restricted", include_platform_defaults: false, readable_roots: ["/data"] },
    });
    expect(profile).not.toContain(seatbeltFragments().platformDefaults);
    expect(blanketReadAllows(profile)).toEqual([]);
    const reads = rulesOf(profile).filter((rule) => /^\(allow [^(]*file-read/.test(rule));
    expect(reads).toEqual([
      // from the base: terminals the command itself opens, and its controlling terminal by name
      '(allow file-read* file-write* file-ioctl (literal "/dev/ptmx"))',
      '(allow file-read* file-write* file-ioctl (require-all (regex #"^/dev/ttys[0-9]+$") (extension "com.apple.sandbox.pty")))',
      '(allow file-read* file-write-data file-ioctl (literal "/dev/tty"))',
      '(allow file-read* (subpath (param "READABLE_ROOT_0")) (subpath (param "READABLE_ROOT_1")))',
    ]);
  });

  test("restricted reads with network: network section and no blanket read", () => {
    const { profile } = generate({ type: "read-only", access: { type: "restricted" }, network_access: true });
    expect(rulesOf(profile)).toContain(networkRule);
    expect(blanketReadAllows(profile)).toEqual([]);
  });
});

describe("workspace-write policy", () => {
  const noTmp = { exclude_slash_tmp: true, exclude_tmpdir_env_var: true };

  test("one file-write* allow: each root minus its read-only subpaths, parameters root by root", () => {
    const { profile, parameters } = generate({ type: "workspace-write", writable_roots: ["/out"], ...noTmp });
    expect(parameters).toEqual([
      ["WRITABLE_ROOT_0", "/out"],
      ["WRITABLE_ROOT_0_RO_0", "/out/.git"],
      ["WRITABLE_ROOT_0_RO_1", "/out/.codex"],
      ["WRITABLE_ROOT_1", "/w"],
      ["WRITABLE_ROOT_1_RO_0", "/w/.git"],
      ["WRITABLE_ROOT_1_RO_1", "/w/.codex"],
    ]);
    const root = (i: number) =>
      `(require-all (subpath (param "WRITABLE_ROOT_${i}"))` +
      ` (require-not (literal (param "WRITABLE_ROOT_${i}_RO_0"))) (require-not (subpath (param "WRITABLE_ROOT_${i}_RO_0")))` +
      ` (require-not (literal (param "WRITABLE_ROOT_${i}_RO_1"))) (require-not (subpath (param "WRITABLE_ROOT_${i}_RO_1"))))`;
    expect(writeRule(profile)).toBe(`(allow file-write* ${root(0)} ${root(1)})`);
    expect(rulesOf(profile).filter((rule) => rule.includes("file-write*") && rule.includes("param"))).toHaveLength(1);
    expect(allowsEverywhere(profile, "file-read*")).toBe(true);
    expect(rulesOf(profile)).not.toContain(networkRule);
  });

  test("roots in order: configured, cwd, /tmp (canonical), $TMPDIR; host protected names replace .codex", () => {
    const { parameters } = generate(
      { type: "workspace-write", writable_roots: ["/data"] },
      { env: { TMPDIR: "/out" }, protectedNames: [".agent", "secrets (prod)"] },
    );
    expect(parameters.filter(([key]) => /^WRITABLE_ROOT_\d+$/.test(key))).toEqual([
      ["WRITABLE_ROOT_0", "/data"],
      ["WRITABLE_ROOT_1", "/w"],
      ["WRITABLE_ROOT_2", "/private/tmp"],
      ["WRITABLE_ROOT_3", "/out"],
    ]);
    expect(parameters.filter(([key]) => key.startsWith("WRITABLE_ROOT_1_"))).toEqual([
      ["WRITABLE_ROOT_1_RO_0", "/w/.git"],
      ["WRITABLE_ROOT_1_RO_1", "/w/.agent"],
      ["WRITABLE_ROOT_1_RO_2", "/w/secrets (prod)"],
    ]);
  });

  test("restricted reads: readable roots, cwd, then the writable roots, before the write parameters", () => {
    const { profile, args } = generate({
      type: "workspace-write",
      writable_roots: ["/out"],
      read_only_access: { type: "restricted", readable_roots: ["/data"] },
      ...noTmp,
    });
    expect(keysOf(args)).toEqual([
      "READABLE_ROOT_0",
      "READABLE_ROOT_1",
      "READABLE_ROOT_2",
      "WRITABLE_ROOT_0",
      "WRITABLE_ROOT_0_RO_0",
      "WRITABLE_ROOT_0_RO_1",
      "WRITABLE_ROOT_1",
      "WRITABLE_ROOT_1_RO_0",
      "WRITABLE_ROOT_1_RO_1",
    ]);
    expect(readSandboxExecArgs(args).parameters.slice(0, 3).map(([, value]) => value)).toEqual(["/data", "/w", "/out"]);
    expect(blanketReadAllows(profile)).toEqual([]);
  });

  test("with network: network section; without: none", () => {
    expect(rulesOf(generate({ type: "workspace-write", network_access: true, ...noTmp }).profile)).toContain(networkRule);
    expect(rulesOf(generate({ type: "workspace-write", network_access: false, ...noTmp }).profile)).not.toContain(networkRule);
  });
});

describe("policies that are normally not sandboxed at all", () => {
  test("danger-full-access: read, write and network everywhere, no parameters", () => {
    const { profile, parameters } = generate({ type: "danger-full-access" });
    expect(parameters).toEqual([]);
    expect(allowsEverywhere(profile, "file-read*")).toBe(true);
    expect(allowsEverywhere(profile, "file-write*")).toBe(true);
    expect(rulesOf(profile)).toContain(networkRule);
  });

  test("external-sandbox: files everywhere, network only when enabled", () => {
    const restricted = generate({ type: "external-sandbox", network_access: "restricted" }).profile;
    expect(allowsEverywhere(restricted, "file-write*")).toBe(true);
    expect(rulesOf(restricted)).not.toContain(networkRule);
    expect(rulesOf(generate({ type: "external-sandbox", network_access: "enabled" }).profile)).toContain(networkRule);
  });
});

describe("Unix sockets", () => {
  test("with network off: AF_UNIX sockets and an exact path-literal connect rule, nothing more", () => {
    const { profile, parameters } = generate({ type: "read-only" }, { allowUnixSockets: ["/private/tmp/bridge.sock"] });
    expect(parameters).toEqual([["ALLOWED_UNIX_SOCKET_0", "/private/tmp/bridge.sock"]]);
    const rules = rulesOf(profile);
    expect(rules).toContain(socketDomainRule);
    expect(rules).toContain('(allow network-outbound (remote unix-socket (path-literal (param "ALLOWED_UNIX_SOCKET_0"))))');
    expect(rules).not.toContain(networkRule);
    expect(rules).not.toContain("(allow system-socket)");
    expect(rules.filter((rule) => rule.includes("ALLOWED_UNIX_SOCKET"))).toHaveLength(1);
    expect(profile).not.toMatch(/network-bind|network-inbound|unix-socket \(subpath/);
  });

  test("a socket whose canonical path differs is allowed under both, raw first; duplicates collapse", () => {
    const { parameters, profile } = generate(
      { type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true },
      { allowUnixSockets: ["/tmp/bridge.sock", "/private/tmp/bridge.sock", "/tmp/bridge.sock"] },
    );
    expect(parameters.filter(([key]) => key.startsWith("ALLOWED_UNIX_SOCKET_"))).toEqual([
      ["ALLOWED_UNIX_SOCKET_0", "/tmp/bridge.sock"],
      ["ALLOWED_UNIX_SOCKET_1", "/private/tmp/bridge.sock"],
    ]);
    expect(rulesOf(profile).filter((rule) => rule === socketDomainRule)).toHaveLength(1);
  });

  test("a socket that does not exist yet is canonicalised through its folder", () => {
    const { parameters } = generate({ type: "read-only" }, { allowUnixSockets: ["/tmp/later.sock"] });
    expect(parameters).toEqual([
      ["ALLOWED_UNIX_SOCKET_0", "/tmp/later.sock"],
      ["ALLOWED_UNIX_SOCKET_1", "/private/tmp/later.sock"],
    ]);
  });

  test("with network on: the socket rules are still there, after the network section", () => {
    const { args, profile } = generate({ type: "read-only", network_access: true }, { allowUnixSockets: ["/private/tmp/bridge.sock"] });
    expect(keysOf(args)).toEqual(["ALLOWED_UNIX_SOCKET_0"]);
    expect(profile.indexOf(socketDomainRule)).toBeGreaterThan(profile.indexOf(seatbeltFragments().network));
  });

  test("no sockets: no socket section", () => {
    expect(generate({ type: "read-only" }).profile).not.toContain("unix-socket");
  });
});

describe("through a network proxy", () => {
  const withNetwork = { type: "read-only", network_access: true };
  const proxyRulesOf = (profile: string) => rulesOf(profile).filter((rule) => /network-|AF_INET/.test(rule));

  test("exactly: IPv4 and IPv6 sockets, then one outbound rule per usable port, each once, in order; then the services", () => {
    const { profile, parameters } = generate(withNetwork, { networkProxy: { ports: [8080, 1, 65535, 8080], allowLocalBinding: false } });
    expect(parameters).toEqual([]);
    expect(proxyRulesOf(profile)).toEqual([
      "(allow system-socket (socket-domain AF_INET) (socket-domain AF_INET6))",
      '(allow network-outbound (remote tcp "localhost:8080"))',
      '(allow network-outbound (remote tcp "localhost:1"))',
      '(allow network-outbound (remote tcp "localhost:65535"))',
    ]);
    expect(profile).toContain(`; network: only through the proxy's loopback ports\n(allow system-socket`);
    expect(profile).toContain(`(remote tcp "localhost:65535"))\n\n${seatbeltFragments().networkServices}`);
    expect(profile).not.toContain(seatbeltFragments().network);
  });

  test("ports outside 1-65535 and fractions are left out", () => {
    const { profile } = generate(withNetwork, { networkProxy: { ports: [0, 65536, 443.5, -443, NaN, 443], allowLocalBinding: false } });
    expect(proxyRulesOf(profile).filter((rule) => rule.startsWith("(allow network-outbound"))).toEqual([
      '(allow network-outbound (remote tcp "localhost:443"))',
    ]);
  });

  test("local binding: loopback bind, inbound and outbound, before the ports", () => {
    const { profile } = generate(withNetwork, { networkProxy: { ports: [3128], allowLocalBinding: true } });
    expect(proxyRulesOf(profile)).toEqual([
      "(allow system-socket (socket-domain AF_INET) (socket-domain AF_INET6))",
      '(allow network-bind (local tcp "localhost:*"))',
      '(allow network-inbound (local tcp "localhost:*"))',
      '(allow network-outbound (remote tcp "localhost:*"))',
      '(allow network-outbound (remote tcp "localhost:3128"))',
    ]);
    expect(profile).toContain("; loopback binding and loopback traffic\n(allow network-bind");
  });

  test("with the cache folder: the proxy rules, the services, then the cache fragment and its parameter", () => {
    const { profile, parameters } = generate(withNetwork, {
      networkProxy: { ports: [3128], allowLocalBinding: false },
      darwinUserCacheDir: "/var/folders/zz/C",
    });
    expect(parameters).toEqual([["DARWIN_USER_CACHE_DIR", "/private/var/folders/zz/C"]]);
    expect(profile).toContain(`${seatbeltFragments().networkServices}\n${seatbeltFragments().darwinUserCache}`);
  });

  test("no usable port: no network section, no services, no cache folder", () => {
    const { profile, parameters } = generate(withNetwork, {
      networkProxy: { ports: [0], allowLocalBinding: true },
      darwinUserCacheDir: "/var/folders/zz/C",
    });
    expect(parameters).toEqual([]);
    expect(profile).not.toContain(seatbeltFragments().networkServices);
    expect(profile).not.toContain(seatbeltFragments().darwinUserCache);
    expect(profile).not.toMatch(/network-|AF_INET/);
  });
});

describe("sections in order, blank-line separated", () => {
  test("base, reads, writes, network, sockets: each once, joined by one blank line", () => {
    const fragments = seatbeltFragments();
    const { profile } = generate(
      { type: "workspace-write", writable_roots: [], network_access: true, exclude_slash_tmp: true, exclude_tmpdir_env_var: true },
      { allowUnixSockets: ["/private/tmp/bridge.sock"] },
    );
    const writes =
      "; writes: only under the writable roots, never into their read-only subpaths\n(allow file-write*\n" +
      '  (require-all\n    (subpath (param "WRITABLE_ROOT_0"))' +
      '\n    (require-not (literal (param "WRITABLE_ROOT_0_RO_0")))\n    (require-not (subpath (param "WRITABLE_ROOT_0_RO_0")))' +
      '\n    (require-not (literal (param "WRITABLE_ROOT_0_RO_1")))\n    (require-not (subpath (param "WRITABLE_ROOT_0_RO_1")))))\n';
    const sockets =
      "; Unix sockets: connect to the named socket paths only\n(allow system-socket (socket-domain AF_UNIX))\n" +
      '(allow network-outbound (remote unix-socket (path-literal (param "ALLOWED_UNIX_SOCKET_0"))))\n';
    expect(profile).toBe(
      [fragments.base, "; reads: everywhere\n(allow file-read*)\n", writes, `${fragments.network}\n${fragments.networkServices}`, sockets].join("\n"),
    );
  });

  test("restricted reads: the roots rule, a blank line, then the platform defaults", () => {
    const { profile } = generate({ type: "read-only", access: { type: "restricted", readable_roots: ["/data"] } });
    expect(profile).toBe(
      `${seatbeltFragments().base}\n; reads: only under the readable roots\n(allow file-read*\n` +
        `  (subpath (param "READABLE_ROOT_0"))\n  (subpath (param "READABLE_ROOT_1")))\n\n${seatbeltFragments().platformDefaults}`,
    );
  });

  // Roots from a policy always keep .git read-only; buildSeatbeltProfile takes any roots.
  const access = (write: SeatbeltAccess["write"]): SeatbeltAccess => ({
    read: { type: "everywhere" },
    write,
    network: false,
    unixSockets: [],
    darwinUserCacheDir: null,
  });

  test("a writable root without read-only subpaths is a bare subpath", () => {
    const { profile, parameters } = buildSeatbeltProfile(
      access({ type: "roots", roots: [{ root: "/a", readOnlySubpaths: [] }, { root: "/b", readOnlySubpaths: ["/b/.git"] }] }),
      seatbeltFragments(),
    );
    expect(profile).toContain('(allow file-write*\n  (subpath (param "WRITABLE_ROOT_0"))\n  (require-all\n    (subpath (param "WRITABLE_ROOT_1"))');
    expect(parameters).toEqual([
      { key: "WRITABLE_ROOT_0", value: "/a" },
      { key: "WRITABLE_ROOT_1", value: "/b" },
      { key: "WRITABLE_ROOT_1_RO_0", value: "/b/.git" },
    ]);
  });

  test("no writable roots, like no writes: no write section at all", () => {
    const nowhere = buildSeatbeltProfile(access({ type: "nowhere" }), seatbeltFragments());
    expect(nowhere).toEqual({ profile: `${seatbeltFragments().base}\n; reads: everywhere\n(allow file-read*)\n`, parameters: [] });
    expect(buildSeatbeltProfile(access({ type: "roots", roots: [] }), seatbeltFragments())).toEqual(nowhere);
  });
});

describe("options", () => {
  test("a relative cwd is taken from the process's working directory", () => {
    const { parameters } = generate(
      { type: "workspace-write", writable_roots: [], exclude_slash_tmp: true, exclude_tmpdir_env_var: true },
      { cwd: "rel", fs: flatFs, protectedNames: [] },
    );
    expect(parameters).toEqual([
      ["WRITABLE_ROOT_0", `${process.cwd()}/rel`],
      ["WRITABLE_ROOT_0_RO_0", `${process.cwd()}/rel/.git`],
    ]);
  });

  test("without darwinUserCacheDir, a host other than macOS gives no cache folder", () => {
    const args = createSeatbeltCommandArgs(["true"], parseSandboxPolicy({ type: "read-only", network_access: true }), { cwd: "/w", fs });
    expect(keysOf(args)).toEqual(process.platform === "darwin" ? ["DARWIN_USER_CACHE_DIR"] : []);
  });
});

describe("bad input gets a clear error", () => {
  const policy = parseSandboxPolicy({ type: "read-only" });

  test("a relative socket path", () => {
    expect(() => createSeatbeltCommandArgs(["true"], policy, { ...base, allowUnixSockets: ["run/s.sock"] })).toThrow(
      new PolicyError("invalid Seatbelt options: allowUnixSockets[0]: must be an absolute path"),
    );
  });

  test("NUL bytes in the cwd, a socket or the cache folder", () => {
    expect(() => createSeatbeltCommandArgs(["true"], policy, { ...base, cwd: "/w\0x" })).toThrow(/cwd: must not contain NUL bytes/);
    expect(() => createSeatbeltCommandArgs(["true"], policy, { ...base, allowUnixSockets: ["/s\0"] })).toThrow(
      /allowUnixSockets\[0\]: must not contain NUL bytes/,
    );
    const networked = parseSandboxPolicy({ type: "read-only", network_access: true });
    expect(() => createSeatbeltCommandArgs(["true"], networked, { ...base, darwinUserCacheDir: "/c\0" })).toThrow(
      new PolicyError("invalid Seatbelt options: darwinUserCacheDir: must not contain NUL bytes"),
    );
    expect(() => createSeatbeltCommandArgs(["true"], networked, { ...base, darwinUserCacheDir: "cache" })).toThrow(
      /darwinUserCacheDir: must be an absolute path/,
    );
  });
});
