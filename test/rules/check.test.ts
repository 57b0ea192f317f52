/**
 * What the rule checks accept and refuse, field by field: host_executable
 * names and paths, network_rule hosts, command_grammar programs and prefixes.
 */
import { ZodError } from "zod";
import { evaluate, parseRules, policyFromJson, policyRules } from "../../src/rules/index.js";
import { createPolicy } from "../../src/rules/policy.js";
import { parseError, rulesError } from "./support.js";

const rules = (text: string) => parseRules(text, "c.rules");
const refusal = (text: string) => parseError(text, "c.rules").message;

describe("a value of the wrong type names the type it got", () => {
  test.each([
    ['prefix_rule(pattern = ["a"], justification = True)', "c.rules:1:46: invalid rule: justification must be a string (got boolean)"],
    ['prefix_rule(pattern = ["a"], match = "a")', "c.rules:1:38: invalid example: examples must be a list (got string)"],
    ['prefix_rule(pattern = ["a"], match = [True])', "c.rules:1:38: invalid example: example must be a string or list of strings (got boolean)"],
    ['prefix_rule(pattern = ["a"], not_match = [["a", False]])', "c.rules:1:42: invalid example: example tokens must be strings (got boolean)"],
    ['prefix_rule(pattern = ["a", ["b", "c\\x00"]])', "c.rules:1:23: pattern tokens cannot contain NUL bytes"],
    ['host_executable(name = True, paths = [])', "c.rules:1:24: invalid rule: host_executable name must be a string (got boolean)"],
    ['host_executable(name = "git", paths = "/usr/bin/git")', "c.rules:1:39: invalid rule: host_executable paths must be a list (got string)"],
    ['host_executable(name = "git", paths = [["/usr/bin/git"]])', "c.rules:1:39: invalid rule: host_executable paths must be strings (got list)"],
    ['network_rule(host = True, protocol = "https", decision = "allow")', "c.rules:1:21: invalid rule: network_rule host must be a string (got boolean)"],
    ['command_grammar(program = ["git"])', "c.rules:1:27: invalid rule: command_grammar program must be a string (got list)"],
    ['command_grammar(program = "t", flags = [True])', "c.rules:1:40: invalid rule: command_grammar flags must be strings (got boolean)"],
  ])("%s", (text, message) => {
    expect(refusal(text)).toBe(message);
  });
});

describe("compiled prefix rules", () => {
  test("carry a justification only when one was written", () => {
    const [plain, justified] = policyRules(parseRules('prefix_rule(pattern = ["a"])\nprefix_rule(pattern = ["b"], justification = "why")', "c.rules"));
    expect(plain).toStrictEqual({ program: "a", rest: [], decision: "allow" });
    expect(justified).toStrictEqual({ program: "b", rest: [], decision: "allow", justification: "why" });
  });

  test("a match names where its rule was written, fixed; a rule built in code has no source at all", () => {
    const [match] = evaluate(parseRules('prefix_rule(pattern = ["a"])', "c.rules"), ["a"]).matchedRules;
    expect(Object.getOwnPropertyDescriptor(match, "source")).toEqual({ value: "c.rules:1", enumerable: false, configurable: false, writable: false });
    const built = createPolicy([{ program: "a", rest: [], decision: "allow", source: undefined }], new Map(), { ruleCount: 1, exampleCount: 0 });
    expect(Object.hasOwn(policyRules(built)[0]!, "source")).toBe(false);
    expect(Object.hasOwn(evaluate(built, ["a"]).matchedRules[0]!, "source")).toBe(false);
  });

  test("a rule for the empty program never matches through the basename of /", () => {
    const policy = parseRules('prefix_rule(pattern = [""], decision = "forbidden")', "c.rules");
    expect(evaluate(policy, ["/"], { resolveHostExecutables: true }).matchedRules).toEqual([]);
    expect(evaluate(policy, [""]).matchedRules).toHaveLength(1);
  });
});

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
    expect(host("2001:db8::1:443")).toBe("2001:db8::1:443");
    expect(host("Example.com :443")).toBe("example.com");
  });

  test.each([
    ["[::1]x", 'host contains an unsupported suffix: [::1]x'],
    ["[::1]x:443", "host contains an unsupported suffix: [::1]x:443"],
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
    const grammar = rules('command_grammar(program = "t", flags = ["-q"], flag_prefixes = ["x-"])').grammars.get("t")!;
    expect(grammar.flags).toEqual(["-q"]);
    expect(grammar.flagPrefixes).toEqual(["x-"]);
    expect(rules('command_grammar(program = "t")').grammars.get("t")!.dashedSubcommands).toBe(false);
  });
});

describe("the JSON form names the list, index and field of a refusal", () => {
  const jsonRefusal = (document: unknown) => rulesError(() => policyFromJson(document));

  test.each([
    [{ hostExecutables: [{ name: "git", paths: ["rel/git"] }] }, "<rules json>: hostExecutables[0].paths: invalid rule: host_executable paths must be absolute or start with ~/ (got rel/git)"],
    [{ networkRules: [{ host: "*.x", protocol: "https", decision: "allow" }] }, "<rules json>: networkRules[0].host: invalid rule: network_rule host must be a specific host; wildcards are not allowed"],
    [{ commandGrammars: [{ program: "a/b" }] }, '<rules json>: commandGrammars[0].program: invalid rule: command_grammar program must be a bare executable name (got "a/b")'],
  ])("%j", (document, message) => {
    expect(jsonRefusal(document).message).toBe(message);
  });

  test("a document that is not an object is refused at its root, with zod's error as the cause", () => {
    const error = jsonRefusal(42);
    expect(error.message).toBe("<rules json>: Invalid input: expected object, received number");
    expect(error.cause).toBeInstanceOf(ZodError);
  });
});
