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
    ["a param with no name", "(allow file-read* (subpath (param)))", "(param ...) takes exactly one string"],
    ["a param named by a regex", '(allow file-read* (subpath (param #"READABLE_ROOT_0")))', "(param ...) takes exactly one string"],
    ["a param named by a symbol", "(allow file-read* (subpath (param READABLE_ROOT_0)))", "(param ...) takes exactly one string"],
    ["an empty filter", "(allow file-read* ())", "unknown filter ()"],
    ["a filter headed by a string", '(allow mach-lookup ("global-name" "x"))', 'unknown filter "global-name"'],
    ["a filter headed by a list", '(allow mach-lookup ((global-name) "x"))', "unknown filter (global-name ...)"],
    ["a filter headed by an empty list", '(allow mach-lookup (() "x"))', "unknown filter ( ...)"],
    ["a constant with a digit after letters", "(allow system-socket (socket-domain AF2))", "unknown constant AF2"],
    ["a constant with letters after digits", "(allow system-socket (socket-domain 2x))", "unknown constant 2x"],
    ["an empty form", "()", "unknown form (); expected (allow ...) or (deny ...)"],
    ["a form headed by a string", '("allow" file-read*)', 'unknown form "allow"; expected'],
    ["a string outside a rule", '"stray"', '"stray" outside a rule'],
    ["a regex string outside a rule", '#"^stray$"', '#"^stray$" outside a rule'],
    ["a list outside a rule's head", "((allow) file-read*)", "unknown form (allow ...); expected"],
    ["an unknown operation after a known one", "(deny file-read* file-reed*)", "unknown operation file-reed*"],
    ["a param inside nested filters", '(allow file-read* (require-all (require-not (subpath (param "NOPE")))))', '(param "NOPE") has no -D definition'],
    ["an unknown filter inside nested filters", '(allow file-read* (require-any (subpaht "x")))', "unknown filter subpaht"],
  ])("reports words and parameters: %s", (_name, rule, problem) => {
    const problems = checkSeatbeltProfile(withRules(rule));
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  test("accepts deny rules, numeric arguments and every known word", () => {
    expect(checkSeatbeltProfile(withRules("(deny file-write* (vnode-type 0))\n(allow system-socket (socket-domain 30) (socket-type SOCK_STREAM))"))).toEqual([]);
  });

  test("names the line of each problem, every problem of a rule, and the problems of every rule", () => {
    const profile = '(version 1)\n; a comment\n(allow file-reed* (subpaht "x"))\n\n(allow\n  (param "A") ())\n(deny bogus)';
    expect(checkSeatbeltProfile(["-p", profile, "--", "true"])).toEqual([
      "line 3: unknown operation file-reed*",
      "line 3: unknown filter subpaht",
      "line 5: (allow) names no operation",
      'line 6: (param "A") has no -D definition',
      "line 6: unknown filter ()",
      "line 7: unknown operation bogus",
    ]);
  });

  test.each([
    ["(version 2)", "2"],
    ["(version 1 1)", "extra item"],
    ["(version)", "no number"],
    ['(version "1")', "a string"],
    ["(versions 1)", "another word"],
    ['("version" 1)', "a string head"],
    ["version", "a bare symbol"],
  ])("reports a first form %s (%s) that is not (version 1)", (first) => {
    const rest = valid[1]!.replace(/^\(version 1\)/, "");
    expect(rest).not.toContain("(version 1)");
    const problems = checkSeatbeltProfile(["-p", `${first}${rest}`, ...valid.slice(2)]);
    expect(problems[0]).toBe("the profile must start with (version 1)");
  });

  test("a fixed path of the fragments in a generated rule is still a path outside them", () => {
    expect(checkSeatbeltProfile(withRules('(allow file-read* (literal "/dev/null"))'))).toEqual([
      "the profile has a path outside the shipped fragments (a '/' in generated text, comments included)",
    ]);
  });

  test("a regex path spliced into a rule is named with its #", () => {
    expect(checkSeatbeltProfile(withRules('(allow file-read* (regex #"^/Users/me"))'))[0]).toMatch(
      /^line \d+: path-like string #"\^\/Users\/me" is not one of the shipped fragments' fixed paths$/,
    );
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
    expect(checkSeatbeltProfile(["-p"])).toEqual(['arguments must start with "-p" and the profile']);
    expect(checkSeatbeltProfile(["-p", "(version 1)", "--"])).toEqual(['no command after "--"']);
    expect(checkSeatbeltProfile(["-p", "(version 1)", "--", "true", "--"])).toEqual([]);
    expect(checkSeatbeltProfile(["-p", "(version 1)"])).toEqual(['no "--" before the command']);
    const dashDash = valid.indexOf("--");
    expect(checkSeatbeltProfile(valid.slice(0, dashDash))).toEqual(['no "--" before the command']);
    expect(checkSeatbeltProfile(valid.slice(0, dashDash + 1))).toEqual(['no command after "--"']);
    expect(checkSeatbeltProfile([...valid.slice(0, 2), "-Dnot a key", ...valid.slice(2)])).toEqual([
      'argument "-Dnot a key" is not a -DKEY=VALUE definition',
    ]);
    for (const arg of ["-D1X=a", "-DX", "-D=a", " -DX=a", "-DX-Y=a", "-dX=a"]) {
      expect(checkSeatbeltProfile(["-p", "(version 1)", arg, "--", "true"])).toEqual([
        `argument ${JSON.stringify(arg)} is not a -DKEY=VALUE definition`,
      ]);
    }
    // Keys of letters, digits and underscores; a value may be empty or hold '=', newlines and anything else.
    const profile = '(version 1)\n(allow file-read* (subpath (param "_a1")) (subpath (param "B")) (subpath (param "C")))';
    expect(checkSeatbeltProfile(["-p", profile, "-D_a1=", "-DB=x=y", "-DC=line\n(allow default)", "--", "true"])).toEqual([]);
  });

  test("reports a profile that does not start with (version 1)", () => {
    const profile = `(allow process-fork)\n${valid[1]}`;
    expect(checkSeatbeltProfile(["-p", profile, ...valid.slice(2)])).toEqual([
      "the profile must start with (version 1)",
      "line 2: unknown form version; expected (allow ...) or (deny ...)",
    ]);
  });
});
