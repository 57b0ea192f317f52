import { parseSandboxPolicy } from "../../src/policy/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs } from "../../src/seatbelt/index.js";
import { flatFs } from "./support.js";

// A valid invocation with every kind of section, then one defect at a time.
const valid = createSeatbeltCommandArgs(
  ["ls"],
  parseSandboxPolicy({
    type: "workspace-write",
    network_access: true,
    read_only_access: { type: "restricted", readable_roots: ["/data"] },
  }),
  { cwd: "/w", env: {}, fs: flatFs, allowUnixSockets: ["/run/s.sock"], darwinUserCacheDir: "/cache" },
);

/** `valid` with extra rules appended to its profile. */
function withRules(text: string, args: readonly string[] = valid): string[] {
  return ["-p", `${args[1]}\n${text}\n`, ...args.slice(2)];
}

describe("checkSeatbeltProfile", () => {
  test("accepts a generated profile with every section", () => {
    expect(valid.some((arg) => arg.startsWith("-DDARWIN_USER_CACHE_DIR="))).toBe(true);
    expect(checkSeatbeltProfile(valid)).toEqual([]);
  });

  test.each([
    ["a missing ')'", "(allow file-read* (subpath (param \"READABLE_ROOT_0\"))", /unbalanced '\('/],
    ["an extra ')'", "(allow file-read*))", /unbalanced '\)'/],
    ["an unknown escape", '(allow mach-lookup (global-name "a\\qb"))', /unknown escape \\q/],
    ["a raw newline inside a string", '(allow mach-lookup (global-name "a\nb"))', /control character U\+000a/],
  ])("reports syntax: %s", (_name, rule, problem) => {
    const problems = checkSeatbeltProfile(withRules(rule));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^profile syntax: line \d+: /);
    expect(problems[0]).toMatch(problem);
  });

  test("reports syntax: a string still open at the end", () => {
    const problems = checkSeatbeltProfile(["-p", `${valid[1]}(allow mach-lookup (global-name "com.apple.x))`, ...valid.slice(2)]);
    expect(problems).toEqual([expect.stringMatching(/^profile syntax: line \d+: unterminated string$/)]);
  });

  test.each([
    ["an unknown operation", "(allow file-reed*)", "unknown operation file-reed*"],
    ["an unknown filter", '(allow file-read* (subpaht (param "READABLE_ROOT_0")))', "unknown filter subpaht"],
    ["an unknown constant", "(allow system-socket (socket-domain AF_BOGUS))", "unknown constant AF_BOGUS"],
    ["a rule with no operation", '(allow (subpath (param "READABLE_ROOT_0")))', "(allow) names no operation"],
    ["operations after a filter", '(allow (subpath (param "READABLE_ROOT_0")) file-read*)', "operations must come before the filters"],
    ["an unknown form", "(define x 1)", "unknown form define"],
    ["an atom outside a rule", "stray", "stray outside a rule"],
    ["a param without a -D", '(allow file-read* (subpath (param "NOT_DEFINED")))', '(param "NOT_DEFINED") has no -D definition'],
    ["a param with two names", '(allow file-read* (subpath (param "READABLE_ROOT_0" "X")))', "(param ...) takes exactly one string"],
  ])("reports words and parameters: %s", (_name, rule, problem) => {
    const problems = checkSeatbeltProfile(withRules(rule));
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  test("reports a path spliced into a rule", () => {
    const problems = checkSeatbeltProfile(withRules('(allow file-write* (subpath "/Users/me/project"))'));
    expect(problems).toEqual([
      expect.stringContaining('path-like string "/Users/me/project" is not one of the shipped fragments\' fixed paths'),
      expect.stringContaining("a path outside the shipped fragments"),
    ]);
  });

  test("reports a path spliced into a comment", () => {
    expect(checkSeatbeltProfile(withRules("; the workspace is /Users/me/project"))).toEqual([
      expect.stringContaining("a path outside the shipped fragments"),
    ]);
  });

  test("reports a -D defined twice, and one the profile never uses", () => {
    const twice = [...valid.slice(0, 2), valid[2]!, ...valid.slice(2)];
    expect(checkSeatbeltProfile(twice)).toEqual([`${valid[2]!.split("=")[0]} is defined more than once`]);
    const unused = [...valid.slice(0, 2), "-DEXTRA=/x", ...valid.slice(2)];
    expect(checkSeatbeltProfile(unused)).toEqual(["-DEXTRA is defined but the profile never uses it"]);
  });

  test("reports a malformed argument list", () => {
    expect(checkSeatbeltProfile(valid.slice(1))).toEqual(['arguments must start with "-p" and the profile']);
    const dashDash = valid.indexOf("--");
    expect(checkSeatbeltProfile(valid.slice(0, dashDash))).toEqual(['no "--" before the command']);
    expect(checkSeatbeltProfile(valid.slice(0, dashDash + 1))).toEqual(['no command after "--"']);
    expect(checkSeatbeltProfile([...valid.slice(0, 2), "-Dnot a key", ...valid.slice(2)])).toEqual([
      'argument "-Dnot a key" is not a -DKEY=VALUE definition',
    ]);
  });

  test("reports a profile that does not start with (version 1)", () => {
    const profile = `(allow process-fork)\n${valid[1]}`;
    expect(checkSeatbeltProfile(["-p", profile, ...valid.slice(2)])).toEqual([
      "the profile must start with (version 1)",
      "line 2: unknown form version; expected (allow ...) or (deny ...)",
    ]);
  });
});
