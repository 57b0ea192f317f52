/**
 * The syntax of `.rules` files: the subset of Starlark that the Codex
 * execpolicy language uses. A file is a sequence of calls with keyword
 * arguments whose values are strings, (nested) lists of strings, or `True`
 * and `False` (which only command_grammar's `interspersed` and
 * `dashed_subcommands` take; a cordon addition):
 *
 *     # comment
 *     prefix_rule(pattern = ["git", ["push", "fetch"]], decision = "prompt",)
 *
 * Strings may be single, double or triple quoted, with Starlark's escapes.
 * Anything else is a RulesError whose message starts with `file:line:col`.
 */
import { RulesError } from "../errors.js";

/** A value in a rules file: a string, a boolean, or a list of values. */
export type SyntaxValue = string | boolean | SyntaxValue[];

/** Where something starts in a rules file (1-based line and column). */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SyntaxArgument {
  name: string;
  value: SyntaxValue;
  /** Where the name starts. */
  nameAt: SourcePosition;
  /** Where the value starts. */
  at: SourcePosition;
}

export interface SyntaxCall {
  name: string;
  args: SyntaxArgument[];
  /** Where the function name starts. */
  at: SourcePosition;
}

type TokenKind = "name" | "string" | "number" | "punct" | "newline" | "eof";

interface Token {
  kind: TokenKind;
  text: string;
  at: SourcePosition;
}

export function formatPosition(file: string, at: SourcePosition): string {
  return `${file}:${at.line}:${at.column}`;
}

function syntaxError(file: string, at: SourcePosition, message: string): RulesError {
  return new RulesError(`${formatPosition(file, at)}: ${message}`);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

const PUNCTUATION = new Set(["(", ")", "[", "]", ",", "=", ";"]);
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9][0-9A-Za-z_.]*/y;

/** Lists nest this deep at most (a pattern needs two levels); deeper is an error, not a stack overflow. */
const MAX_LIST_DEPTH = 16;

/** Splits rules text into tokens; newlines inside brackets are not tokens. CRLF counts as one newline. */
function tokenize(source: string, file: string): Token[] {
  const text = source.replace(/\r\n/g, "\n");
  const tokens: Token[] = [];
  let index = text.startsWith("\uFEFF") ? 1 : 0;
  let line = 1;
  let lineStart = index;
  let depth = 0;
  const here = (): SourcePosition => ({ line, column: index - lineStart + 1 });
  const newline = (): void => {
    line += 1;
    lineStart = index;
  };

  const readString = (start: SourcePosition): string => {
    const quote = text[index]!;
    const triple = text[index + 1] === quote && text[index + 2] === quote;
    index += triple ? 3 : 1;
    let value = "";
    for (;;) {
      if (index >= text.length) throw syntaxError(file, start, "unterminated string");
      const char = text[index]!;
      if (char === quote && (!triple || (text[index + 1] === quote && text[index + 2] === quote))) {
        index += triple ? 3 : 1;
        return value;
      }
      if (char === "\n") {
        if (!triple) throw syntaxError(file, start, "unterminated string (use a triple-quoted string for newlines)");
        value += char;
        index += 1;
        newline();
        continue;
      }
      if (char !== "\\") {
        value += char;
        index += 1;
        continue;
      }
      const escapeAt = here();
      const next = text[index + 1];
      if (next === undefined) throw syntaxError(file, start, "unterminated string");
      if (next === "\n") {
        index += 2;
        newline();
        continue;
      }
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        value += simple;
        index += 2;
        continue;
      }
      const octal = /^[0-7]{1,3}/.exec(text.slice(index + 1, index + 4));
      const hex =
        next === "x" ? /^[0-9a-fA-F]{2}/.exec(text.slice(index + 2, index + 4))
        : next === "u" ? /^[0-9a-fA-F]{4}/.exec(text.slice(index + 2, index + 6))
        : next === "U" ? /^[0-9a-fA-F]{8}/.exec(text.slice(index + 2, index + 10))
        : null;
      const digits = octal?.[0] ?? hex?.[0];
      if (digits === undefined) {
        throw syntaxError(file, escapeAt, `invalid escape sequence ${JSON.stringify(text.slice(index, index + 2))}`);
      }
      const code = parseInt(digits, octal ? 8 : 16);
      if ((octal || next === "x") && code > 0x7f) {
        throw syntaxError(file, escapeAt, "escape for a non-ASCII byte; write the character itself or use \\u");
      }
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw syntaxError(file, escapeAt, `escape ${text.slice(index, index + 2 + digits.length)} is not a Unicode scalar value`);
      }
      value += String.fromCodePoint(code);
      index += 1 + (octal ? 0 : 1) + digits.length;
    }
  };

  while (index < text.length) {
    const char = text[index]!;
    if (char === "\n") {
      if (depth === 0) tokens.push({ kind: "newline", text: "\n", at: here() });
      index += 1;
      newline();
    } else if (char === " " || char === "\t" || char === "\r" || char === "\f") {
      index += 1;
    } else if (char === "#") {
      while (index < text.length && text[index] !== "\n") index += 1;
    } else if (char === '"' || char === "'") {
      const at = here();
      tokens.push({ kind: "string", text: readString(at), at });
    } else if (/[A-Za-z_]/.test(char)) {
      const at = here();
      NAME.lastIndex = index;
      const name = NAME.exec(text)![0];
      index += name.length;
      tokens.push({ kind: "name", text: name, at });
    } else if (/[0-9]/.test(char)) {
      const at = here();
      NUMBER.lastIndex = index;
      const number = NUMBER.exec(text)![0];
      index += number.length;
      tokens.push({ kind: "number", text: number, at });
    } else if (PUNCTUATION.has(char)) {
      if (char === "(" || char === "[") depth += 1;
      if ((char === ")" || char === "]") && depth > 0) depth -= 1;
      tokens.push({ kind: "punct", text: char, at: here() });
      index += 1;
    } else {
      const printable = String.fromCodePoint(text.codePointAt(index)!);
      throw syntaxError(file, here(), `unexpected character ${JSON.stringify(printable)}`);
    }
  }
  tokens.push({ kind: "eof", text: "", at: here() });
  return tokens;
}

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "end of file";
    case "newline":
      return "end of line";
    case "string":
      return `string ${JSON.stringify(token.text.length > 40 ? `${token.text.slice(0, 40)}...` : token.text)}`;
    case "number":
      return `number ${token.text}`;
    case "name":
      return `name ${token.text}`;
    case "punct":
      return `"${token.text}"`;
  }
}

/** Parses rules text into its calls, in order. */
export function parseSyntax(text: string, file: string): SyntaxCall[] {
  const tokens = tokenize(text, file);
  let position = 0;
  const peek = (): Token => tokens[position]!;
  const take = (): Token => tokens[position++]!;
  const isPunct = (token: Token, text: string): boolean => token.kind === "punct" && token.text === text;
  const expectPunct = (text: string, context: string): Token => {
    const token = take();
    if (!isPunct(token, text)) throw syntaxError(file, token.at, `expected "${text}" ${context}, found ${describe(token)}`);
    return token;
  };

  const parseValue = (depth: number): SyntaxValue => {
    const token = take();
    if (token.kind === "string") return token.text;
    if (token.kind === "name" && (token.text === "True" || token.text === "False")) return token.text === "True";
    if (!isPunct(token, "[")) {
      throw syntaxError(file, token.at, `expected a string or a list, found ${describe(token)}`);
    }
    if (depth >= MAX_LIST_DEPTH) throw syntaxError(file, token.at, "lists are nested too deeply");
    const items: SyntaxValue[] = [];
    while (!isPunct(peek(), "]")) {
      items.push(parseValue(depth + 1));
      if (isPunct(peek(), "]")) break;
      expectPunct(",", "between list items");
    }
    take();
    return items;
  };

  const parseCall = (nameToken: Token): SyntaxCall => {
    const call: SyntaxCall = { name: nameToken.text, args: [], at: nameToken.at };
    const open = take();
    if (isPunct(open, "=")) {
      throw syntaxError(file, open.at, "assignments are not supported in rules files; write the value where it is used");
    }
    if (!isPunct(open, "(")) {
      throw syntaxError(file, open.at, `expected "(" after ${nameToken.text}, found ${describe(open)}`);
    }
    while (!isPunct(peek(), ")")) {
      const nameOrValue = peek();
      if (nameOrValue.kind !== "name") {
        if (nameOrValue.kind === "string" || isPunct(nameOrValue, "[")) {
          throw syntaxError(
            file,
            nameOrValue.at,
            `positional arguments are not supported; write ${call.name}(name = value, ...)`,
          );
        }
        throw syntaxError(file, nameOrValue.at, `expected an argument name, found ${describe(nameOrValue)}`);
      }
      take();
      expectPunct("=", `after argument name ${nameOrValue.text}`);
      if (call.args.some((arg) => arg.name === nameOrValue.text)) {
        throw syntaxError(file, nameOrValue.at, `argument ${nameOrValue.text} is given more than once`);
      }
      const at = peek().at;
      call.args.push({ name: nameOrValue.text, value: parseValue(0), nameAt: nameOrValue.at, at });
      if (isPunct(peek(), ")")) break;
      expectPunct(",", "between arguments");
    }
    take();
    return call;
  };

  const calls: SyntaxCall[] = [];
  let atLineStart = true;
  for (;;) {
    const token = take();
    if (token.kind === "eof") return calls;
    if (token.kind === "newline") {
      atLineStart = true;
      continue;
    }
    if (isPunct(token, ";")) continue;
    if (token.kind !== "name") {
      throw syntaxError(file, token.at, `expected a call such as prefix_rule(...), found ${describe(token)}`);
    }
    if (atLineStart && token.at.column !== 1) throw syntaxError(file, token.at, "unexpected indentation");
    calls.push(parseCall(token));
    atLineStart = false;
    const end = peek();
    if (end.kind !== "newline" && end.kind !== "eof" && !isPunct(end, ";")) {
      throw syntaxError(file, end.at, `expected end of line after ${token.text}(...), found ${describe(end)}`);
    }
  }
}
