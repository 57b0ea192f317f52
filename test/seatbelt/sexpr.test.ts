/**
 * The S-expression reader the profile checker stands on: exact trees, line
 * numbers and error messages, and a round trip through a printer for any
 * tree of symbols and strings.
 */
import fc from "fast-check";
import { parseSExprs, SExprSyntaxError, type SExpr } from "../../src/seatbelt/sexpr.js";
import { fuzzParameters } from "../support/fuzz.js";

const symbol = (name: string, line = 1): SExpr => ({ type: "symbol", name, line });
const string = (value: string, line = 1, regex = false): SExpr => ({ type: "string", value, regex, line });
const list = (items: SExpr[], line = 1): SExpr => ({ type: "list", items, line });

/** The error `text` raises: its message and line. */
function syntaxError(text: string): { message: string; line: number } {
  try {
    parseSExprs(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SExprSyntaxError);
    const { message, line } = error as SExprSyntaxError;
    return { message, line };
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe("parseSExprs", () => {
  test("lists, symbols, numbers, strings and regex strings, with the line each starts on", () => {
    expect(parseSExprs('(version 1)\n(allow file-read*\n  (regex #"^/dev/ttys[0-9]+$")\n  (literal "/dev/null"))')).toEqual([
      list([symbol("version"), symbol("1")]),
      list([symbol("allow", 2), symbol("file-read*", 2), list([symbol("regex", 3), string("^/dev/ttys[0-9]+$", 3, true)], 3), list([symbol("literal", 4), string("/dev/null", 4)], 4)], 2),
    ]);
  });

  test("comments run to the end of their line; tabs, carriage returns and blank lines separate", () => {
    expect(parseSExprs("; a comment (with a paren\n\t(a\tb\r\nc) ; trailing\n\n d")).toEqual([
      list([symbol("a", 2), symbol("b", 2), symbol("c", 3)], 2),
      symbol("d", 5),
    ]);
    expect(parseSExprs("; only a comment")).toEqual([]);
    expect(parseSExprs("")).toEqual([]);
  });

  test("a symbol ends at a parenthesis, a quote or a semicolon", () => {
    expect(parseSExprs('a(b)c"d"e;f')).toEqual([symbol("a"), list([symbol("b")]), symbol("c"), string("d"), symbol("e")]);
  });

  test("a # not followed by a quote is part of a symbol", () => {
    expect(parseSExprs("#t #f a#b")).toEqual([symbol("#t"), symbol("#f"), symbol("a#b")]);
  });

  test("the escapes \\\\ \\\" \\n \\t, and a string may hold ( ) ; and #", () => {
    expect(parseSExprs('"a\\\\b" "say \\"hi\\"" "x\\ny" "x\\ty" "(;#)"')).toEqual([
      string("a\\b"),
      string('say "hi"'),
      string("x\ny"),
      string("x\ty"),
      string("(;#)"),
    ]);
  });

  test("lines count inside multi-line lists; an escaped newline in a string does not add a line", () => {
    expect(parseSExprs('(a\n"x\\ny"\n(b))\nc')).toEqual([list([symbol("a"), string("x\ny", 2), list([symbol("b", 3)], 3)]), symbol("c", 4)]);
  });

  test.each([
    ["an unclosed list, at the line it opened", "(a\n(b)\n", "line 1: unbalanced '(': not closed", 1],
    ["the innermost unclosed list", "(a)\n(b\n  (c\n", "line 3: unbalanced '(': not closed", 3],
    ["a ')' with nothing open", "(a)\n)", "line 2: unbalanced ')'", 2],
    ["a raw newline inside a string, at its line", '(a\n "b\n', "line 2: control character U+000a inside a string", 2],
    ["an unterminated string", '(a "b', "line 1: unterminated string", 1],
    ["an unterminated regex string", '#"b', "line 1: unterminated string", 1],
    ["a backslash at the very end", '"b\\', "line 1: unknown escape \\ in a string", 1],
    ["an unknown escape", '"a\\qb"', "line 1: unknown escape \\q in a string", 1],
    ["an escaped carriage return", '"a\\rb"', "line 1: unknown escape \\r in a string", 1],
    ["a tab inside a string", '"a\tb"', "line 1: control character U+0009 inside a string", 1],
    ["a NUL inside a string", '"a\0b"', "line 1: control character U+0000 inside a string", 1],
    ["a unit separator inside a string", '"a\x1fb"', "line 1: control character U+001f inside a string", 1],
    ["DEL inside a string", '"a\x7fb"', "line 1: control character U+007f inside a string", 1],
    ["a control character on a later line", '\n\n"a\x01"', "line 3: control character U+0001 inside a string", 3],
  ])("reports %s", (_name, text, message, line) => {
    expect(syntaxError(text)).toEqual({ message, line });
  });

  test("a space, tilde and non-ASCII are ordinary string characters", () => {
    expect(parseSExprs('" ~é"')).toEqual([string(" ~é")]);
  });
});

/** Prints a tree back as text, one form per line, strings escaped the way the reader reads them. */
function print(expr: SExpr): string {
  switch (expr.type) {
    case "symbol":
      return expr.name;
    case "string": {
      const escaped = expr.value.replace(/[\\"\n\t]/g, (ch) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t" })[ch]!);
      return `${expr.regex ? "#" : ""}"${escaped}"`;
    }
    case "list":
      return `(${expr.items.map(print).join(" ")})`;
  }
}

/** The tree without line numbers: every form printed on line 1. */
function atLineOne(expr: SExpr): SExpr {
  return expr.type === "list" ? { ...expr, line: 1, items: expr.items.map(atLineOne) } : { ...expr, line: 1 };
}

const symbolArb = fc
  .stringMatching(/^[A-Za-z0-9*_.#-]{1,8}$/)
  .map((name): SExpr => ({ type: "symbol", name, line: 1 }));
const stringArb = fc
  .record({ value: fc.string({ unit: fc.constantFrom("a", " ", "\\", '"', "\n", "\t", "(", ")", ";", "é", "/") }), regex: fc.boolean() })
  .map(({ value, regex }): SExpr => ({ type: "string", value, regex, line: 1 }));
const { tree } = fc.letrec<{ tree: SExpr }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    symbolArb,
    stringArb,
    fc.array(tie("tree"), { maxLength: 4 }).map((items): SExpr => ({ type: "list", items, line: 1 })),
  ),
}));

describe("parseSExprs round trip", () => {
  test("reads back any printed forest exactly", () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 4 }), (forest) => {
        expect(parseSExprs(forest.map(print).join(" ")).map(atLineOne)).toEqual(forest);
      }),
      fuzzParameters,
    );
  });
});
