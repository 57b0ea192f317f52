/** Network rules as the proxy's lists, and Codex's amend tests (amend.rs) for network rules. */
import { describe, expect, test } from "@jest/globals";
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendNetworkRule, compileNetworkDomains, compiledNetworkDomains, NetworkRuleAmendError, parseRules, loadPolicy } from "../../src/rules/index.js";
import { RulesError } from "../../src/errors.js";

const fresh = async () => join(await mkdtemp(join(tmpdir(), "cordon-net-rules-")), "rules", "default.rules");

describe("compileNetworkDomains", () => {
  test("Codex's lists, and the hosts a prompt rule sends to the host", () => {
    const policy = parseRules(
      [
        'network_rule(host = "google.com", protocol = "http", decision = "allow")',
        'network_rule(host = "api.github.com", protocol = "https", decision = "allow")',
        'network_rule(host = "blocked.example.com", protocol = "https", decision = "deny")',
        'network_rule(host = "prompt-only.example.com", protocol = "https", decision = "prompt")',
        'network_rule(host = "google.com", protocol = "https", decision = "prompt")',
      ].join("\n"),
      "network.rules",
    );
    expect(compileNetworkDomains(policy)).toEqual({
      allowedDomains: ["google.com", "api.github.com"],
      deniedDomains: ["blocked.example.com"],
      prompt: ["prompt-only.example.com"],
    });
  });

  test("a later rule for the same host overrides an earlier one", () => {
    const policy = parseRules('network_rule(host="a.example", protocol="https", decision="allow")\nnetwork_rule(host="a.example", protocol="http", decision="deny")\n', "n.rules");
    expect(compileNetworkDomains(policy)).toEqual({ allowedDomains: [], deniedDomains: ["a.example"], prompt: [] });
  });
});

describe("compiledNetworkDomains: a later rule for a host moves it to the end of its list and out of the other", () => {
  const rule = (decision: string, host: string) => `network_rule(host = "${host}", protocol = "https", decision = "${decision}")`;
  test.each([
    ["deny, then allow", [["deny", "x.example"], ["allow", "x.example"]], ["x.example"], []],
    ["allow, then deny", [["allow", "x.example"], ["deny", "x.example"]], [], ["x.example"]],
    ["allowing one host keeps the others denied", [["deny", "y.example"], ["deny", "x.example"], ["allow", "x.example"]], ["x.example"], ["y.example"]],
    ["denying one host keeps the others allowed", [["allow", "y.example"], ["allow", "x.example"], ["deny", "x.example"]], ["y.example"], ["x.example"]],
    ["allowed again", [["allow", "x.example"], ["allow", "y.example"], ["allow", "x.example"]], ["y.example", "x.example"], []],
    ["denied again", [["deny", "x.example"], ["deny", "y.example"], ["deny", "x.example"]], [], ["y.example", "x.example"]],
    ["a prompt changes neither list", [["allow", "x.example"], ["deny", "y.example"], ["prompt", "x.example"], ["prompt", "y.example"]], ["x.example"], ["y.example"]],
  ])("%s", (_name, rules, allowed, denied) => {
    const policy = parseRules(rules.map(([decision, host]) => rule(decision!, host!)).join("\n"), "n.rules");
    expect(compiledNetworkDomains(policy)).toEqual({ allowed, denied });
  });
});

describe("appendNetworkRule (Codex amend.rs)", () => {
  test("appends_network_rule_and_creates_directories", async () => {
    const file = await fresh();
    await appendNetworkRule(file, { host: "api.example.com", protocol: "https", decision: "allow", justification: "Allow API calls" });
    expect(await readFile(file, "utf8")).toBe('network_rule(host="api.example.com", protocol="https", decision="allow", justification="Allow API calls")\n');
  });

  test("appends_network_rule_without_duplicate_newline", async () => {
    const file = await fresh();
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, 'prefix_rule(pattern=["ls"], decision="allow")\n');
    await appendNetworkRule(file, { host: "api.example.com", protocol: "https", decision: "allow" });
    expect(await readFile(file, "utf8")).toBe('prefix_rule(pattern=["ls"], decision="allow")\nnetwork_rule(host="api.example.com", protocol="https", decision="allow")\n');
  });

  test("inserts a newline when the last line has none, normalises the host, writes deny for forbidden", async () => {
    const file = await fresh();
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, 'prefix_rule(pattern=["ls"], decision="allow")');
    await appendNetworkRule(file, { host: "Api.GitHub.com.", protocol: "https_connect", decision: "forbidden" });
    expect(await readFile(file, "utf8")).toBe('prefix_rule(pattern=["ls"], decision="allow")\nnetwork_rule(host="api.github.com", protocol="https", decision="deny")\n');
    const policy = await loadPolicy([file]);
    expect(compileNetworkDomains(policy).deniedDomains).toEqual(["api.github.com"]);
  });

  test("rejects_invalid_network_rule_inputs, with Codex's error names, and writes nothing", async () => {
    const file = await fresh();
    const reason = async (rule: Parameters<typeof appendNetworkRule>[1]) => {
      const error = await appendNetworkRule(file, rule).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkRuleAmendError);
      expect(error).toBeInstanceOf(RulesError);
      return (error as NetworkRuleAmendError).reason;
    };
    expect(await reason({ host: " ", protocol: "https", decision: "allow" })).toBe("EmptyNetworkHost");
    expect(await reason({ host: "api.example.com", protocol: "socks5", decision: "allow" })).toBe("InvalidNetworkProtocol");
    expect(await reason({ host: "api.example.com", protocol: "https", decision: "prompt" })).toBe("InvalidNetworkDecision");
    expect(await reason({ host: "*.example.com", protocol: "https", decision: "allow" })).toBe("InvalidNetworkRule");
    await expect(readFile(file, "utf8")).rejects.toThrow("ENOENT");
  });

  test("a host with quotes and newlines is written as a JSON string and loads back as the same host, or is refused", async () => {
    const file = await fresh();
    const error = await appendNetworkRule(file, { host: 'a"b\nc', protocol: "http", decision: "allow" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkRuleAmendError);
    await appendNetworkRule(file, { host: "x.example", protocol: "http", decision: "allow", justification: 'say "hi"\nand é' });
    const policy = await loadPolicy([file]);
    expect(policy.networkRules).toEqual([{ host: "x.example", protocol: "http", decision: "allow", justification: 'say "hi"\nand é' }]);
  });
});
