import { evaluate, parseRules, policyRules } from "../../src/rules/index.js";
import { parseError } from "./support.js";

describe("rules syntax", () => {
  test("comments, both quotes, escapes, triple quotes, keyword arguments and trailing commas", () => {
    const policy = parseRules(
      [
        "# a comment line",
        "prefix_rule(  # a comment after code",
        "    pattern = ['echo', \"a\\tb\", \"\\x41\\u00e9\\U0001F600\\101\", 'it\\'s', \"q\\\"q\"],",
        '    justification = """spans',
        'two "lines\\"""",',
        "    decision = 'prompt',",
        ")",
        "prefix_rule(pattern = ['''x''',],); prefix_rule(pattern = [\"y\"])",
        "",
      ].join("\n"),
      "ok.rules",
    );
    const rules = policyRules(policy);
    expect(rules).toEqual([
      {
        program: "echo",
        rest: [["a\tb"], ["Aé😀A"], ["it's"], ['q"q']],
        decision: "prompt",
        justification: 'spans\ntwo "lines"',
      },
      { program: "x", rest: [], decision: "allow" },
      { program: "y", rest: [], decision: "allow" },
    ]);
    expect(policy.ruleCount).toBe(3);
  });

  test("a backslash before a line end continues the string on the next line, and positions count that line", () => {
    expect(policyRules(parseRules('prefix_rule(pattern = ["a\\\nb"])', "cont.rules"))).toEqual([{ program: "ab", rest: [], decision: "allow" }]);
    expect(() => parseRules('prefix_rule(pattern = ["a\\\nb"], decision = "maybe")', "cont.rules")).toThrow(
      'cont.rules:2:17: invalid decision: "maybe" (expected "allow", "prompt" or "forbidden")',
    );
  });

  test("quotes inside a triple-quoted string, and escapes at the edges of what they allow", () => {
    const tokens = (literal: string) => policyRules(parseRules(`prefix_rule(pattern = ["p", ${literal}])`, "edge.rules"))[0]!.rest;
    expect(tokens(`'''it''s'''`)).toEqual([["it''s"]]);
    expect(tokens(`'''a'b'''`)).toEqual([["a'b"]]);
    expect(tokens(`"""say "hi" ""x"""`)).toEqual([['say "hi" ""x']]);
    expect(tokens('"\\x7f"')).toEqual([["\x7f"]]);
    expect(tokens('"\\177"')).toEqual([["\x7f"]]);
    expect(tokens('"\\U0010FFFF"')).toEqual([["\u{10FFFF}"]]);
    expect(tokens('"\\ud7ff\\ue000"')).toEqual([["\ud7ff\ue000"]]);
    expect(() => tokens('"\\q0001F600"')).toThrow('edge.rules:1:30: invalid escape sequence "\\\\q"');
  });

  test("hostile but legal tokens are carried exactly", () => {
    const tokens = ["a b", "'quoted'", '"dq"', "(paren)", "semi;colon", "new\nline", "naïve-日本", "$(not run)", "back\\slash"];
    const literal = tokens.map((token) => JSON.stringify(token)).join(", ");
    const policy = parseRules(`prefix_rule(pattern = ["tool", ${literal}], decision = "forbidden")`, "hostile.rules");
    expect(evaluate(policy, ["tool", ...tokens, "extra"]).decision).toBe("forbidden");
    expect(evaluate(policy, ["tool", ...tokens.slice(0, -1), "back\\\\slash"]).decision).toBeUndefined();
  });

  test("a byte-order mark and CRLF line ends are accepted", () => {
    const policy = parseRules('\uFEFFprefix_rule(pattern = ["a"])\r\nprefix_rule(pattern = ["b"], justification = """x\r\ny""")\r\n', "crlf.rules");
    expect(policyRules(policy)).toEqual([
      { program: "a", rest: [], decision: "allow" },
      { program: "b", rest: [], decision: "allow", justification: "x\ny" },
    ]);
    expect(() => parseRules('\uFEFF\r\n  prefix_rule(pattern = ["a"])', "crlf.rules")).toThrow("crlf.rules:2:3: unexpected indentation");
  });

  // Each broken file, the error text it must give, and where (file:line:col).
  const badRules: [string, string, string][] = [
    ["empty pattern", 'prefix_rule(pattern = [])', "bad.rules:1:23: invalid pattern element: pattern cannot be empty"],
    ["empty alternatives", 'prefix_rule(pattern = ["git", []])', "bad.rules:1:23: invalid pattern element: pattern alternatives cannot be empty"],
    [
      "nested alternatives",
      'prefix_rule(pattern = ["git", [["push"]]])',
      "bad.rules:1:23: invalid pattern element: pattern alternative must be a string (got list)",
    ],
    ["pattern not a list", 'prefix_rule(pattern = "git")', "bad.rules:1:23: invalid pattern element: pattern must be a list (got string)"],
    [
      "bad decision",
      'prefix_rule(\n  pattern = ["git"],\n  decision = "maybe",\n)',
      'bad.rules:3:14: invalid decision: "maybe" (expected "allow", "prompt" or "forbidden")',
    ],
    [
      "empty justification",
      'prefix_rule(pattern = ["ls"], justification = "   ")',
      "bad.rules:1:47: invalid rule: justification cannot be empty",
    ],
    [
      "example with an open quote",
      "prefix_rule(pattern = [\"ls\"], match = [\"ls 'x\"])",
      "bad.rules:1:39: invalid example: example string has invalid shell syntax: \"ls 'x\"",
    ],
    ["empty example", 'prefix_rule(pattern = ["ls"], match = ["  "])', "bad.rules:1:39: invalid example: example cannot be an empty string"],
    ["empty example list", 'prefix_rule(pattern = ["ls"], not_match = [[]])', "bad.rules:1:43: invalid example: example cannot be an empty list"],
    [
      "relative host path",
      'host_executable(name = "git", paths = ["bin/git"])',
      "bad.rules:1:39: invalid rule: host_executable paths must be absolute or start with ~/ (got bin/git)",
    ],
    [
      "host path with another basename",
      'host_executable(name = "git", paths = ["/usr/bin/rg"])',
      "bad.rules:1:39: invalid rule: host_executable path `/usr/bin/rg` must have basename `git`",
    ],
    [
      "host name with a slash",
      'host_executable(name = "/usr/bin/git", paths = [])',
      "bad.rules:1:24: invalid rule: host_executable name must be a bare executable name (got /usr/bin/git)",
    ],
    ["empty host name", 'host_executable(name = "", paths = [])', "bad.rules:1:24: invalid rule: host_executable name cannot be empty"],
    [
      "unknown function",
      '\n\nhost_rule(host = "example.com")',
      "bad.rules:3:1: unknown function host_rule (rules files call prefix_rule, host_executable, network_rule and command_grammar)",
    ],
    [
      "unknown argument",
      'prefix_rule(pattern = ["ls"], decison = "allow")',
      "bad.rules:1:31: prefix_rule() got an unexpected argument decison (expected pattern, decision, justification, match, not_match)",
    ],
    ["a name from Object.prototype", "toString()", "bad.rules:1:1: unknown function toString (rules files call prefix_rule, host_executable, network_rule and command_grammar)"],
    [
      "an argument named like a prototype property",
      'host_executable(name = "git", paths = [], constructor = "x")',
      "bad.rules:1:43: host_executable() got an unexpected argument constructor (expected name, paths)",
    ],
    ["missing pattern", 'prefix_rule(decision = "allow")', "bad.rules:1:1: invalid rule: prefix_rule needs a pattern"],
    [
      "positional argument",
      'prefix_rule(["ls"])',
      "bad.rules:1:13: positional arguments are not supported; write prefix_rule(name = value, ...)",
    ],
    ["positional string argument", 'prefix_rule("ls")', "bad.rules:1:13: positional arguments are not supported; write prefix_rule(name = value, ...)"],
    [
      "argument given twice",
      'prefix_rule(pattern = ["a"], pattern = ["b"])',
      "bad.rules:1:30: argument pattern is given more than once",
    ],
    [
      "string cut by a newline",
      'prefix_rule(pattern = ["ls])\n',
      "bad.rules:1:24: unterminated string (use a triple-quoted string for newlines)",
    ],
    ["string cut by the end of the file", "prefix_rule(pattern = ['''ls", "bad.rules:1:24: unterminated string"],
    ["invalid escape", 'prefix_rule(pattern = ["a\\qb"])', 'bad.rules:1:26: invalid escape sequence "\\\\q"'],
    ["a number", "prefix_rule(pattern = [1])", "bad.rules:1:24: expected a string or a list, found number 1"],
    ["None", "prefix_rule(pattern = None)", "bad.rules:1:23: expected a string or a list, found name None"],
    ["an assignment", 'rules = ["ls"]', "bad.rules:1:7: assignments are not supported in rules files; write the value where it is used"],
    ["string concatenation", 'prefix_rule(pattern = ["a" + "b"])', 'bad.rules:1:28: unexpected character "+"'],
    ["two calls on a line", 'prefix_rule(pattern = ["a"]) prefix_rule(pattern = ["b"])', 'bad.rules:1:30: expected end of line after prefix_rule(...), found name prefix_rule'],
    ["indentation", '  prefix_rule(pattern = ["a"])', "bad.rules:1:3: unexpected indentation"],
    ["missing comma", 'prefix_rule(pattern = ["a" "b"])', 'bad.rules:1:28: expected "," between list items, found string "b"'],
    ["unclosed call", 'prefix_rule(pattern = ["a"]', "bad.rules:1:28: expected \",\" between arguments, found end of file"],
    ["deep nesting", `prefix_rule(pattern = ${"[".repeat(40)})`, "bad.rules:1:39: lists are nested too deeply"],
    ["non-ASCII byte escape", 'prefix_rule(pattern = ["\\xff"])', "bad.rules:1:25: escape for a non-ASCII byte; write the character itself or use \\u"],
    ["NUL in a pattern", 'prefix_rule(pattern = ["a\\x00b"])', "bad.rules:1:23: pattern tokens cannot contain NUL bytes"],
    ["a backslash at the end of the file", 'prefix_rule(pattern = ["a\\', "bad.rules:1:24: unterminated string"],
    ["a surrogate escape", 'prefix_rule(pattern = ["\\ud800"])', "bad.rules:1:25: escape \\ud800 is not a Unicode scalar value"],
    ["the last surrogate", 'prefix_rule(pattern = ["\\udfff"])', "bad.rules:1:25: escape \\udfff is not a Unicode scalar value"],
    ["an escape past Unicode", 'prefix_rule(pattern = ["\\U00110000"])', "bad.rules:1:25: escape \\U00110000 is not a Unicode scalar value"],
    ["\\x with one digit", 'prefix_rule(pattern = ["\\x4"])', 'bad.rules:1:25: invalid escape sequence "\\\\x"'],
    ["\\u with three digits", 'prefix_rule(pattern = ["\\u0e9"])', 'bad.rules:1:25: invalid escape sequence "\\\\u"'],
    ["\\U with seven digits", 'prefix_rule(pattern = ["\\U0001F60"])', 'bad.rules:1:25: invalid escape sequence "\\\\U"'],
    ["hex digits not right after \\x", 'prefix_rule(pattern = ["\\xg41"])', 'bad.rules:1:25: invalid escape sequence "\\\\x"'],
    ["hex digits not right after \\u", 'prefix_rule(pattern = ["\\ug00e9"])', 'bad.rules:1:25: invalid escape sequence "\\\\u"'],
    ["hex digits not right after \\U", 'prefix_rule(pattern = ["\\Ug0001F600"])', 'bad.rules:1:25: invalid escape sequence "\\\\U"'],
    ["an octal escape past ASCII", 'prefix_rule(pattern = ["\\200"])', "bad.rules:1:25: escape for a non-ASCII byte; write the character itself or use \\u"],
    ["a name where ( belongs", "prefix_rule pattern", 'bad.rules:1:13: expected "(" after prefix_rule, found name pattern'],
    ["the end of a line where ( belongs", "prefix_rule\n(", 'bad.rules:1:12: expected "(" after prefix_rule, found end of line'],
    ["a number as an argument name", "prefix_rule(1 = 2)", "bad.rules:1:13: expected an argument name, found number 1"],
    ["a bracket as an argument name", "prefix_rule(] = 2)", 'bad.rules:1:13: expected an argument name, found "]"'],
    ["a string where a call belongs", '"prefix_rule"', 'bad.rules:1:1: expected a call such as prefix_rule(...), found string "prefix_rule"'],
    [
      "a long string is cut in the message",
      "prefix_rule(pattern = [\"a\"]) " + JSON.stringify("x".repeat(41)),
      `bad.rules:1:30: expected end of line after prefix_rule(...), found string "${"x".repeat(40)}..."`,
    ],
    [
      "a string of 40 characters is not cut",
      "prefix_rule(pattern = [\"a\"]) " + JSON.stringify("x".repeat(40)),
      `bad.rules:1:30: expected end of line after prefix_rule(...), found string "${"x".repeat(40)}"`,
    ],
    ["True where a string belongs", 'prefix_rule(pattern = ["a"], decision = True)', "bad.rules:1:41: invalid decision: expected a string (got boolean)"],
    ["False in a pattern", "prefix_rule(pattern = [False])", "bad.rules:1:23: invalid pattern element: pattern element must be a string or list of strings (got boolean)"],
    ["a name that is not True or False", "prefix_rule(pattern = [true])", "bad.rules:1:24: expected a string or a list, found name true"],
    ["a closing bracket too many does not hide the next line", 'prefix_rule(pattern = ["a"]))\nprefix_rule(pattern = ["b"])', 'bad.rules:1:29: expected end of line after prefix_rule(...), found ")"'],
  ];

  test.each(badRules)("%s is rejected with its location", (_name, text, message) => {
    const error = parseError(text, "bad.rules");
    expect(error.message).toBe(message);
    expect(error.code).toBe("ERR_CORDON_RULES");
  });
});
