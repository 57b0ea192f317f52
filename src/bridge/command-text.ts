/** An argv as a shell would print it, for one-line messages and audit records. */

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const CONTROL = /[\x00-\x1f\x7f]/;

function quoteWord(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  if (!CONTROL.test(word)) return `'${word.replaceAll("'", `'\\''`)}'`;
  // $'...' keeps a newline or escape in an argument from breaking the message's single line.
  const escaped = word.replace(/[\x00-\x1f\x7f'\\]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "'" || c === "\\") return `\\${c}`;
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
  return `$'${escaped}'`;
}

export function commandText(argv: readonly string[]): string {
  return argv.map(quoteWord).join(" ");
}
