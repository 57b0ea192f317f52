/**
 * Language features checked against Codex's execpolicy tests
 * (codex-rs/execpolicy/tests/basic.rs, and the home expansion of its
 * absolute-path tests): same rules text, same inputs, same expected results.
 * Each test names the Codex test it follows.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import tmp from "tmp";
import {
  compiledNetworkDomains,
  evaluate,
  loadPolicy,
  parseRules,
  policyFromJson,
  printRules,
  type ExecPolicy,
} from "../../src/rules/index.js";
import { parseError } from "./support.js";
import { runCordon } from "../support/cli.js";

const rejection = (text: string): string => parseError(text, "network.rules").message;

describe("network_rule (Codex basic.rs)", () => {
  const source = `
network_rule(host = "google.com", protocol = "http", decision = "allow")
network_rule(host = "api.github.com", protocol = "https", decision = "allow")
network_rule(host = "blocked.example.com", protocol = "https", decision = "deny")
network_rule(host = "prompt-only.example.com", protocol = "https", decision = "prompt")
`;

  test("network_rules_compile_into_domain_lists", () => {
    const policy = parseRules(source, "network.rules");
    expect(policy.networkRules).toHaveLength(4);
    expect(policy.networkRules[1]!.protocol).toBe("https");
    expect(compiledNetworkDomains(policy)).toEqual({
      allowed: ["google.com", "api.github.com"],
      denied: ["blocked.example.com"],
    });
  });

  test("network_rule_rejects_wildcard_hosts", () => {
    expect(rejection('network_rule(host="*", protocol="http", decision="allow")')).toContain("wildcards are not allowed");
  });

  test("a network rule never matches a command: the evaluation JSON stays Codex's", () => {
    const policy = parseRules(`${source}prefix_rule(pattern = ["curl"], decision = "prompt")\n`, "network.rules");
    expect(JSON.stringify(evaluate(policy, ["curl", "https://google.com"]))).toBe(
      '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["curl"],"decision":"prompt"}}],"decision":"prompt"}',
    );
    expect(evaluate(policy, ["google.com"])).toEqual({ matchedRules: [] });
  });

  test("hosts are normalised as Codex does: case, port, brackets, trailing dot; https aliases", () => {
    const policy = parseRules(
      [
        'network_rule(host = " API.Example.COM.:443 ", protocol = "https_connect", decision = "allow")',
        'network_rule(host = "[::1]:8080", protocol = "http-connect", decision = "deny", justification = "local")',
        'network_rule(host = "socks.example", protocol = "socks5_udp", decision = "allow")',
      ].join("\n"),
      "network.rules",
    );
    expect(policy.networkRules).toEqual([
      { host: "api.example.com", protocol: "https", decision: "allow" },
      { host: "::1", protocol: "https", decision: "forbidden", justification: "local" },
      { host: "socks.example", protocol: "socks5_udp", decision: "allow" },
    ]);
  });

  test("a later rule for the same host moves it to the other list", () => {
    const policy = parseRules(
      'network_rule(host = "a.example", protocol = "https", decision = "deny")\n' +
        'network_rule(host = "b.example", protocol = "https", decision = "allow")\n' +
        'network_rule(host = "a.example", protocol = "http", decision = "allow")\n',
      "network.rules",
    );
    expect(compiledNetworkDomains(policy)).toEqual({ allowed: ["b.example", "a.example"], denied: [] });
  });

  test.each([
    ['network_rule(host = "https://x.example", protocol = "https", decision = "allow")', "network.rules:1:21: invalid rule: network_rule host must be a hostname or IP literal (without scheme or path)"],
    ['network_rule(host = "   ", protocol = "https", decision = "allow")', "network.rules:1:21: invalid rule: network_rule host cannot be empty"],
    ['network_rule(host = "x.example", protocol = "ftp", decision = "allow")', "network.rules:1:45: invalid rule: network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got ftp)"],
    ['network_rule(host = "x.example", protocol = "https", decision = "block")', 'network.rules:1:65: invalid decision: "block" (expected "allow", "prompt", "forbidden" or "deny")'],
    ['network_rule(host = "x.example", protocol = "https")', "network.rules:1:1: invalid rule: network_rule needs a decision"],
    ['network_rule(host = "x.example", protocol = "https", decision = "allow", justification = " ")', "network.rules:1:90: invalid rule: justification cannot be empty"],
    ['network_rule(host = "[::1", protocol = "https", decision = "allow")', "network.rules:1:21: invalid rule: network_rule host has an invalid bracketed IPv6 literal"],
  ])("%s is rejected with Codex's message and its place", (text, message) => {
    expect(rejection(text)).toBe(message);
  });

  test("rules files merge their network rules in order (Codex's merge_overlay): a later file's rule wins", async () => {
    const dir = tmp.dirSync({ unsafeCleanup: true, prefix: "cordon-network-" });
    try {
      const shared = join(dir.name, "shared.rules");
      const user = join(dir.name, "user.json");
      writeFileSync(shared, 'network_rule(host = "x.example", protocol = "https", decision = "allow")\n');
      writeFileSync(user, JSON.stringify({ networkRules: [{ host: "x.example", protocol: "https", decision: "deny" }] }));
      const policy = await loadPolicy([shared, user]);
      expect(policy.networkRules.map((rule) => rule.decision)).toEqual(["allow", "forbidden"]);
      expect(compiledNetworkDomains(policy)).toEqual({ allowed: [], denied: ["x.example"] });
    } finally {
      dir.removeCallback();
    }
  });

  test("the JSON form and printing carry network rules", () => {
    const policy = policyFromJson({ networkRules: [{ host: "x.example", protocol: "https", decision: "deny" }] });
    expect(policy.networkRules).toEqual([{ host: "x.example", protocol: "https", decision: "forbidden" }]);
    const printed = printRules({ networkRules: [{ host: "x.example", protocol: "https", decision: "allow", justification: "api" }] });
    expect(printed).toBe('network_rule(host = "x.example", protocol = "https", decision = "allow", justification = "api")\n');
    expect(parseRules(printed, "printed.rules").networkRules).toEqual([
      { host: "x.example", protocol: "https", decision: "allow", justification: "api" },
    ]);
  });
});

describe("host_executable paths starting with ~/ (Codex's home expansion)", () => {
  let dir: tmp.DirResult;
  const savedHome = process.env.HOME;
  beforeEach(() => {
    dir = tmp.dirSync({ unsafeCleanup: true, prefix: "cordon-home-" });
    process.env.HOME = dir.name;
  });
  afterEach(() => {
    process.env.HOME = savedHome;
    dir.removeCallback();
  });

  test("home_directory_subpath_is_expanded: ~/bin/git is HOME/bin/git, and uses git's rules", () => {
    const policy = parseRules(
      'prefix_rule(pattern = ["git", "status"], decision = "prompt")\nhost_executable(name = "git", paths = ["~/bin/git"])\n',
      "home.rules",
    );
    expect(policy.hostExecutables.get("git")).toEqual([join(dir.name, "bin", "git")]);
    expect(evaluate(policy, [join(dir.name, "bin", "git"), "status"], { resolveHostExecutables: true }).decision).toBe("prompt");
    expect(evaluate(policy, ["/usr/bin/git", "status"], { resolveHostExecutables: true })).toEqual({ matchedRules: [] });
  });

  test("home_directory_double_slash_is_expanded: ~//bin/git is HOME/bin/git", () => {
    const policy = parseRules('host_executable(name = "git", paths = ["~//bin/git"])', "home.rules");
    expect(policy.hostExecutables.get("git")).toEqual([join(dir.name, "bin", "git")]);
  });

  test("host_executable_rejects_non_absolute_path: ~user/ and relative paths are still rejected", () => {
    expect(() => parseRules('host_executable(name = "git", paths = ["~alice/bin/git"])', "home.rules")).toThrow(
      "home.rules:1:39: invalid rule: host_executable paths must be absolute or start with ~/ (got ~alice/bin/git)",
    );
    expect(() => parseRules('host_executable(name = "git", paths = ["git"])', "home.rules")).toThrow(
      "host_executable paths must be absolute",
    );
  });

  test("host_executable_rejects_path_with_wrong_basename, after expansion", () => {
    expect(() => parseRules('host_executable(name = "git", paths = ["~/bin/rg"])', "home.rules")).toThrow(
      "invalid rule: host_executable path `~/bin/rg` must have basename `git`",
    );
  });
});

describe("where a rule came from (for denial messages)", () => {
  let dir: tmp.DirResult;
  beforeAll(() => {
    dir = tmp.dirSync({ unsafeCleanup: true, prefix: "cordon-source-" });
  });
  afterAll(() => dir.removeCallback());

  function load(): Promise<ExecPolicy> {
    const file = join(dir.name, "team.rules");
    writeFileSync(file, '# team rules\n\nprefix_rule(\n    pattern = ["git", "push"],\n    decision = "forbidden",\n)\nprefix_rule(pattern = ["git"], decision = "prompt")\n');
    return loadPolicy([file]);
  }

  test("each match carries file:line of its prefix_rule( call", async () => {
    const evaluation = evaluate(await load(), ["git", "push", "origin"]);
    expect(evaluation.matchedRules.map((match) => match.source)).toEqual([
      `${join(dir.name, "team.rules")}:3`,
      `${join(dir.name, "team.rules")}:7`,
    ]);
  });

  test("the source also reaches matches through the basename fallback, and JSON-form rules", async () => {
    expect(evaluate(await load(), ["/usr/bin/git", "push"], { resolveHostExecutables: true }).matchedRules[0]!.source).toBe(
      `${join(dir.name, "team.rules")}:3`,
    );
    const json = policyFromJson({ prefixRules: [{ pattern: ["ls"] }] }, "mine.json");
    expect(evaluate(json, ["ls"]).matchedRules[0]!.source).toBe("mine.json: prefixRules[0]");
  });

  test("the evaluation JSON is unchanged: no source in it", async () => {
    const file = join(dir.name, "team.rules");
    const policy = await load();
    expect(JSON.stringify(evaluate(policy, ["git", "push"]))).toBe(
      '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git","push"],"decision":"forbidden"}},' +
        '{"prefixRuleMatch":{"matchedPrefix":["git"],"decision":"prompt"}}],"decision":"forbidden"}',
    );
    const cli = runCordon(["policy", "check", "--rules", file, "--", "git", "push"]);
    expect(cli.stdout).not.toContain("team.rules");
    const { matchedRules, decision } = JSON.parse(cli.stdout);
    expect({ matchedRules, decision }).toEqual(JSON.parse(JSON.stringify(evaluate(policy, ["git", "push"]))));
  });
});
