/**
 * A reader for the S-expressions of Seatbelt profiles (SBPL, a Scheme
 * dialect): lists, symbols, numbers, strings `"..."` and regex strings
 * `#"..."`, and `;` comments. It is strict where a generator could go wrong:
 * unbalanced parentheses, unterminated strings, unknown escapes and raw
 * control characters inside strings are errors.
 */

export type SExpr =
  | { type: "list"; items: SExpr[]; line: number }
  | { type: "symbol"; name: string; line: number }
  | { type: "string"; value: string; regex: boolean; line: number };

export class SExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const escapes: Record<string, string> = { "\\": "\\", '"': '"', n: "\n", t: "\t" };
const delimiters = new Set(["(", ")", '"', ";", " ", "\t", "\n", "\r"]);

/** Parses every top-level form of `text`. Throws SExprSyntaxError at the first problem. */
export function parseSExprs(text: string): SExpr[] {
  let pos = 0;
  let line = 1;
  const stack: { items: SExpr[]; line: number }[] = [{ items: [], line: 1 }];

  function readString(regex: boolean): SExpr {
    const startLine = line;
    let value = "";
    pos++; // the opening quote
    for (;;) {
      if (pos >= text.length) throw new SExprSyntaxError("unterminated string", startLine);
      const ch = text[pos]!;
      if (ch === '"') {
        pos++;
        return { type: "string", value, regex, line: startLine };
      }
      if (ch < " " || ch === "\x7f") {
        throw new SExprSyntaxError(`control character U+${ch.charCodeAt(0).toString(16).padStart(4, "0")} inside a string`, line);
      }
      if (ch === "\\") {
        const next = text[pos + 1];
        const replacement = next === undefined ? undefined : escapes[next];
        if (replacement === undefined) throw new SExprSyntaxError(`unknown escape \\${next ?? ""} in a string`, line);
        value += replacement;
        pos += 2;
        continue;
      }
      value += ch;
      pos++;
    }
  }

  while (pos < text.length) {
    const ch = text[pos]!;
    const top = stack[stack.length - 1]!;
    if (ch === "\n") {
      line++;
      pos++;
    } else if (ch === " " || ch === "\t" || ch === "\r") {
      pos++;
    } else if (ch === ";") {
      while (pos < text.length && text[pos] !== "\n") pos++;
    } else if (ch === "(") {
      stack.push({ items: [], line });
      pos++;
    } else if (ch === ")") {
      if (stack.length === 1) throw new SExprSyntaxError("unbalanced ')'", line);
      const list = stack.pop()!;
      stack[stack.length - 1]!.items.push({ type: "list", items: list.items, line: list.line });
      pos++;
    } else if (ch === '"') {
      top.items.push(readString(false));
    } else if (ch === "#" && text[pos + 1] === '"') {
      pos++;
      top.items.push(readString(true));
    } else {
      const start = pos;
      while (pos < text.length && !delimiters.has(text[pos]!)) pos++;
      top.items.push({ type: "symbol", name: text.slice(start, pos), line });
    }
  }
  if (stack.length > 1) throw new SExprSyntaxError("unbalanced '(': not closed", stack[stack.length - 1]!.line);
  return stack[0]!.items;
}
