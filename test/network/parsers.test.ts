/** The policy parser, host normalisation, and fuzzing of the request-target and SOCKS5 parsers. */
import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import {
  canonicalHost,
  isLocalAddress,
  NetworkProxy,
  parseConnectTarget,
  parseForwardTarget,
  parseNetworkPolicy,
  parseSocksGreeting,
  parseSocksRequest,
  patternMatches,
} from "../../src/network/index.js";
import { PolicyError } from "../../src/errors.js";
import { fuzzParameters, fuzzRuns } from "../support/fuzz.js";
import { countingServer, exchange } from "./support.js";


describe("parseNetworkPolicy", () => {
  test("accepts Codex's spelling and normalises patterns", () => {
    const policy = parseNetworkPolicy({
      allowed_domains: ["Registry.Example.ORG.", "*.GitHub.com"],
      denied_domains: ["gist.github.com"],
      allow_local_binding: true,
      mode: "limited",
    });
    expect(policy).toEqual({
      allowedDomains: ["registry.example.org", "*.github.com"],
      deniedDomains: ["gist.github.com"],
      promptDomains: [],
      allowLocalAddresses: false,
      allowLocalBinding: true,
      mode: "limited",
    });
  });

  test.each([
    [{ allowedDomains: ["*"] }, "wildcard-only"],
    [{ allowedDomains: ["*."] }, "wildcard-only"],
    [{ deniedDomains: ["a.*.com"] }, "only a leading"],
    [{ allowedDomains: ["https://example.org"] }, "not a host name"],
    [{ allowedDomains: ["example.org:443"] }, "not a host name"],
    [{ allowedDomains: ["exa mple.org"] }, "not a host name"],
    [{ allowedDomains: ["*.127.0.0.1"] }, "IP literal"],
    [{ mode: "readonly" }, 'mode must be "full" or "limited"'],
    [{ allowedDomains: "example.org" }, "must be a list"],
    [{ allowDomains: [] }, "allowDomains"],
  ])("refuses %j, naming what is wrong", (input, message) => {
    expect(() => parseNetworkPolicy(input)).toThrow(PolicyError);
    expect(() => parseNetworkPolicy(input)).toThrow(message);
  });

  test("`x` matches that host only, `*.x` any subdomain but not x", () => {
    expect(patternMatches("example.org", "example.org")).toBe(true);
    expect(patternMatches("example.org", "a.example.org")).toBe(false);
    expect(patternMatches("*.example.org", "a.b.example.org")).toBe(true);
    expect(patternMatches("*.example.org", "example.org")).toBe(false);
    expect(patternMatches("*.example.org", "badexample.org")).toBe(false);
  });
});

describe("hosts and addresses", () => {
  test.each([
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["LOCALHOST.", "localhost"],
    ["[::FFFF:127.0.0.1]", "::ffff:7f00:1"],
    ["[0:0::1]", "::1"],
  ])("%s is judged as %s", (raw, canonical) => expect(canonicalHost(raw)).toBe(canonical));

  test.each(["a@b", "a b", "", "a/b", "é.example", "[::1", "a:1", "a%2eb"])("%j is no host", (raw) => expect(canonicalHost(raw)).toBeNull());

  test.each(["127.0.0.1", "10.1.2.3", "172.31.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:7f00:1", "::ffff:10.0.0.1"])(
    "%s is local",
    (ip) => expect(isLocalAddress(ip)).toBe(true),
  );
  test.each(["93.184.215.14", "2606:4700::1", "::ffff:93.184.215.14"])("%s is not local", (ip) => expect(isLocalAddress(ip)).toBe(false));
});

describe("fuzzing", () => {
  test("the request-target parsers never throw, and what they accept is canonical and has no userinfo", () => {
    const target = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.tuple(fc.constantFrom("http://", "HTTP://", "http://a@", ""), fc.webAuthority({ withUserInfo: true, withPort: true }), fc.webPath()).map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(target, (raw) => {
        for (const parsed of [parseConnectTarget(raw), parseForwardTarget(raw)]) {
          if (!parsed.ok) continue;
          expect(canonicalHost(parsed.target.host)).toBe(parsed.target.host);
          expect(parsed.target.port).toBeGreaterThanOrEqual(1);
          expect(parsed.target.port).toBeLessThanOrEqual(65535);
          expect(raw.replace(/^http:\/\//i, "").split(/[/?#]/)[0]).not.toContain("@");
        }
      }),
      fuzzParameters,
    );
  });

  test("the SOCKS5 parsers never throw, never read past the bytes given, and agree on every prefix", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const parse of [parseSocksGreeting, parseSocksRequest]) {
          const whole = parse(bytes);
          if (whole.status === "complete") {
            expect(whole.length).toBeLessThanOrEqual(bytes.length);
            expect(parse(bytes.subarray(0, whole.length))).toEqual(whole);
            for (let cut = 0; cut < whole.length; cut++) expect(parse(bytes.subarray(0, cut)).status).not.toBe("complete");
          }
        }
      }),
      fuzzParameters,
    );
  });

  test("random bytes sent to the running proxy never stop it serving a good request", async () => {
    const upstream = await countingServer();
    const proxy = await NetworkProxy.start({ policy: { allowedDomains: ["127.0.0.1"] }, tcp: true, handshakeTimeoutMs: 300 });
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2_000 }), fc.boolean(), async (bytes, socks) => {
          await exchange(socks ? proxy.socksPort! : proxy.httpPort!, Buffer.from(bytes), 1_000);
        }),
        { ...fuzzParameters, numRuns: Math.min(fuzzRuns, 60) },
      );
      const reply = await exchange(proxy.httpPort!, `GET http://127.0.0.1:${upstream.port}/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(reply.toString()).toContain("hello from upstream");
      expect(upstream.requests.map((r) => r.url)).toEqual(["/after"]);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  }, 120_000);
});
