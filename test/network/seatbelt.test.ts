/**
 * Seatbelt through the proxy: Codex's seatbelt.rs tests for proxy-routed
 * profiles (create_seatbelt_args_routes_network_through_proxy_ports and its
 * neighbours), translated. cordon writes `(remote tcp "localhost:PORT")`
 * where Codex writes `(remote ip ...)`: only TCP reaches the proxy. Unlike
 * Codex, a policy without network gets none even with a proxy.
 */
import { describe, expect, test } from "@jest/globals";
import { NetworkProxy } from "../../src/network/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs, type SeatbeltNetworkProxy } from "../../src/seatbelt/index.js";

const withNetwork = parseSandboxPolicy({ type: "read-only", network_access: true });
const profileOf = (networkProxy: SeatbeltNetworkProxy | undefined, policy = withNetwork) => {
  const args = createSeatbeltCommandArgs(["/bin/true"], policy, { cwd: "/", darwinUserCacheDir: null, networkProxy });
  expect(checkSeatbeltProfile(args)).toEqual([]);
  return args[1]!;
};

describe("Seatbelt profiles through a network proxy (Codex seatbelt.rs)", () => {
  test("create_seatbelt_args_routes_network_through_proxy_ports", () => {
    const profile = profileOf({ ports: [43128, 48081], allowLocalBinding: false });
    expect(profile).toContain('(allow network-outbound (remote tcp "localhost:43128"))');
    expect(profile).toContain('(allow network-outbound (remote tcp "localhost:48081"))');
    expect(profile).not.toContain("\n(allow network-outbound)\n");
    expect(profile).not.toContain("(allow network-inbound)");
    expect(profile).not.toContain("network-bind");
    expect(profile).not.toContain('(allow network-inbound (local tcp "localhost:*"))');
    // TLS still verifies certificates through trustd.
    expect(profile).toContain('(global-name "com.apple.trustd.agent")');
  });

  test("prepared_managed_network_context_allows_only_its_proxy_ports", () => {
    const profile = profileOf({ ports: [43123, 48081], allowLocalBinding: false });
    expect(profile).toContain('(remote tcp "localhost:43123")');
    expect(profile).not.toContain('"localhost:9999"');
    expect(profile).not.toMatch(/\(allow network-outbound\)\n/);
  });

  test("local binding, when allowed, is loopback only", () => {
    const profile = profileOf({ ports: [43128], allowLocalBinding: true });
    expect(profile).toContain('(allow network-bind (local tcp "localhost:*"))');
    expect(profile).toContain('(allow network-inbound (local tcp "localhost:*"))');
    expect(profile).not.toContain('"*:*"');
  });

  test.each([[[]], [[0]], [[70000, -1]]])("a proxy whose ports %j are not usable grants no network at all (fail closed)", (ports) => {
    const profile = profileOf({ ports, allowLocalBinding: true });
    expect(profile).not.toContain("network-outbound");
    expect(profile).not.toContain("network-bind");
    expect(profile).not.toContain("com.apple.SystemConfiguration.DNSConfiguration");
  });

  test("without a proxy, a policy with network keeps the blanket network, as before", () => {
    const profile = profileOf(undefined);
    expect(profile).toContain("\n(allow network-outbound)\n");
    expect(profile).toContain("com.apple.SystemConfiguration.DNSConfiguration");
  });

  test("a policy without network gets none, proxy or not", () => {
    const profile = profileOf({ ports: [43128], allowLocalBinding: true }, parseSandboxPolicy({ type: "read-only" }));
    expect(profile).not.toContain("network-outbound");
  });

  test("prepareSandboxedCommand for macOS routes a running proxy's TCP ports, and names them to the command", async () => {
    const proxy = await NetworkProxy.start({ tcp: true, policy: { allowedDomains: ["example.org"] } });
    try {
      const prepared = prepareSandboxedCommand(["/usr/bin/curl", "https://example.org"], withNetwork, { cwd: "/", platform: "darwin", env: {}, networkProxy: proxy });
      const profile = prepared.args[1]!;
      expect(profile).toContain(`(remote tcp "localhost:${proxy.httpPort}")`);
      expect(profile).toContain(`(remote tcp "localhost:${proxy.socksPort}")`);
      expect(profile).not.toContain("\n(allow network-outbound)\n");
      expect(prepared.env).toMatchObject({ HTTPS_PROXY: `http://127.0.0.1:${proxy.httpPort}`, ALL_PROXY: `socks5h://127.0.0.1:${proxy.socksPort}` });
    } finally {
      await proxy.close();
    }
  });

  test("a proxy without TCP ports gives a macOS command no network and no proxy variables", async () => {
    const proxy = await NetworkProxy.start({ policy: { allowedDomains: ["example.org"] } });
    try {
      const prepared = prepareSandboxedCommand(["/usr/bin/true"], withNetwork, { cwd: "/", platform: "darwin", env: {}, networkProxy: proxy });
      expect(prepared.args[1]).not.toContain("network-outbound");
      expect(prepared.env.HTTP_PROXY).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
