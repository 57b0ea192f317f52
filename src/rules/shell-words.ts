/**
 * POSIX shell word splitting for example commands written as strings
 * (`match = ["git push origin"]`): whitespace separates words, single quotes
 * keep everything, double quotes keep everything but `\` before `$`, `` ` ``,
 * `"`, `\` or a newline, and a bare `\` quotes the next character. Nothing is
 * expanded. Returns null when a quote or escape is left open.
 */
export function splitShellWords(text: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === " " || char === "\t" || char === "\n" || char === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    if (char === "\\" && text[i + 1] === "\n") {
      i += 1;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return null;
      word += text.slice(i + 1, end);
      i = end;
    } else if (char === '"') {
      let closed = false;
      for (i += 1; i < text.length; i++) {
        const inner = text[i]!;
        if (inner === '"') {
          closed = true;
          break;
        }
        if (inner === "\\" && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
          i += 1;
          if (text[i] !== "\n") word += text[i];
        } else {
          word += inner;
        }
      }
      if (!closed) return null;
    } else if (char === "\\") {
      if (i + 1 >= text.length) return null;
      i += 1;
      word += text[i];
    } else {
      word += char;
    }
  }
  if (inWord) words.push(word);
  return words;
}
