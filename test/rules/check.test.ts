/**
 * What the rule checks accept and refuse, field by field: host_executable
 * names and paths, network_rule hosts, command_grammar programs and prefixes.
 */
import { parseRules } from "../../src/rules/index.js";
import { parseError } from "./support.js";

const rules = (text: string) => parseRules(text, "c.rules");
const refusal = (text: string) => parseError(text, "c.rules").message;

describe("host_executable", () => {
  test.each([
    ['host_executable(name = ".", paths = [])', "c.rules:1:24: invalid rule: host_executable name must be a bare executable name (got .)"],
    ['host_executable(name = "..", paths = [])', "c.rules:1:24: invalid rule: host_executable name must be a bare executable name (got ..)"],
    ['host_executable(name = "a\\x00b", paths = [])', "c.rules:1:24: invalid rule: host_executable name must be a bare executable name (got a\0b)"],
    ['host_executable(name = "git")', "c.rules:1:1: invalid rule: host_executable needs paths"],
    ['host_executable(paths = [])', "c.rules:1:1: invalid rule: host_executable needs a name"],
    ['host_executable(name = "git", paths = ["/usr/bin/git\\x00"])', "c.rules:1:39: invalid rule: host_executable paths cannot contain NUL bytes"],
    ['host_executable(name = "git", paths = ["~user/git"])', "c.rules:1:39: invalid rule: host_executable paths must be absolute or start with ~/ (got ~user/git)"],
  ])("%s is refused", (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  test("~ and ~/ are the home folder, extra slashes dropped; a path given twice is kept once", () => {
    const savedHome = process.env.HOME;
    process.env.HOME = "/home/git";
    try {
      const hosts = rules('host_executable(name = "git", paths = ["~//bin/git", "~", "/usr/bin//git", "/usr/bin/git"])').hostExecutables;
      expect(hosts.get("git")).toEqual(["/home/git/bin/git", "/home/git", "/usr/bin/git"]);
    } finally {
      process.env.HOME = savedHome;
    }
  });
});

describe("network_rule hosts", () => {
  const host = (raw: string) => rules(`network_rule(host = ${JSON.stringify(raw)}, protocol = "https", decision = "allow")`).networkRules[0]!.host;

  test("normalised as Codex does: port, brackets, trailing dots and case dropped", () => {
    expect(host(" Example.COM.. ")).toBe("example.com");
    expect(host("example.com:8443")).toBe("example.com");
    expect(host("[::1]:443")).toBe("::1");
    expect(host("[::1]")).toBe("::1");
    expect(host("::1")).toBe("::1");
  });

  test.each([
    ["[::1]x", 'host contains an unsupported suffix: [::1]x'],
    ["[::1]:", "host contains an unsupported suffix: [::1]:"],
    ["[::1]:44x", "host contains an unsupported suffix: [::1]:44x"],
    ["...", "host cannot be empty"],
    ["   ", "host cannot be empty"],
    ["a b", "host cannot contain whitespace"],
    ["*.example.com", "host must be a specific host; wildcards are not allowed"],
  ])("%j is refused: %s", (raw, message) => {
    expect(refusal(`network_rule(host = ${JSON.stringify(raw)}, protocol = "https", decision = "allow")`)).toContain(`invalid rule: network_rule ${message}`);
  });
});

describe("command_grammar", () => {
  test.each([
    ["", 'command_grammar program must be a bare executable name (got "")'],
    ["bin/git", 'command_grammar program must be a bare executable name (got "bin/git")'],
    [".", 'command_grammar program must be a bare executable name (got ".")'],
    ["..", 'command_grammar program must be a bare executable name (got "..")'],
  ])("program %j is refused", (program, message) => {
    expect(refusal(`command_grammar(program = ${JSON.stringify(program)})`)).toContain(`invalid rule: ${message}`);
  });

  test("a flag prefix may not be empty or start with -; dashed_subcommands is False unless given", () => {
    expect(refusal('command_grammar(program = "t", flag_prefixes = ["-x"])')).toContain("non-empty prefixes that do not start with -");
    expect(refusal('command_grammar(program = "t", flag_prefixes = [""])')).toContain("non-empty prefixes that do not start with -");
    expect(rules('command_grammar(program = "t", flag_prefixes = ["x-"])').grammars.get("t")!.flagPrefixes).toEqual(["x-"]);
    expect(rules('command_grammar(program = "t")').grammars.get("t")!.dashedSubcommands).toBe(false);
  });
});
