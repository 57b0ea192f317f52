/**
 * `splitShellWords` splits an example command written as a string the way a
 * POSIX shell splits words, and expands nothing. Checked on fixed cases and
 * against bash itself on generated text.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { splitShellWords } from "../../src/rules/index.js";
import { fuzzParameters } from "../support/fuzz.js";

describe("splitShellWords", () => {
  test.each([
    ["", []],
    ["  \t ", []],
    ["git push", ["git", "push"]],
    ["a\tb\nc\rd", ["a", "b", "c", "d"]],
    ["  a  ", ["a"]],
    ["a\\\nb", ["ab"]],
    ["a \\\n b", ["a", "b"]],
    ["'a b' c", ["a b", "c"]],
    ["'a\\b'", ["a\\b"]],
    ["''", [""]],
    ['""', [""]],
    ['"a b"', ["a b"]],
    ['"a\\"b"', ['a"b']],
    ['"\\$x \\` \\\\ \\q"', ["$x ` \\ \\q"]],
    ['"a\\\nb"', ["ab"]],
    ["a\\ b", ["a b"]],
    ["\\'", ["'"]],
    ['x"y"\'z\'', ["xyz"]],
    ["$HOME *", ["$HOME", "*"]],
    ["é 'ü x'", ["é", "ü x"]],
  ])("%j splits into %j", (text, words) => {
    expect(splitShellWords(text)).toEqual(words);
  });

  test.each(["'open", '"open', '"a\\"', "a\\", '"a\\'])("%j is left open: null", (text) => {
    expect(splitShellWords(text)).toBeNull();
  });

  /** The words bash makes of `text`, or null when bash finds a quote left open. */
  function bashWords(text: string): string[] | null {
    const script = `set -- ${text}\nfor word in "$@"; do printf '%s\\0' "$word"; done\n`;
    const result = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { encoding: "utf8", env: {} });
    if (result.status === 2 && result.stderr.includes("unexpected EOF")) return null;
    expect(result.status).toBe(0);
    return result.stdout === "" ? [] : result.stdout.slice(0, -1).split("\0");
  }

  test("agrees with bash on text made of words, blanks, quotes and backslashes", () => {
    // No newline (it ends a command in bash), no `$`, `` ` ``, `*` or `#` (bash expands them), no lone final `\`
    // (bash keeps it, a rules example would be a mistake): the cases above cover those.
    const text = fc
      .array(fc.constantFrom("a", "b", "é", " ", "\t", "'", '"', "\\", "\\\\", '\\"'), { maxLength: 12 })
      .map((parts) => parts.join(""))
      .filter((joined) => !/(^|[^\\])(\\\\)*\\$/.test(joined));
    fc.assert(
      fc.property(text, (joined) => {
        expect(splitShellWords(joined)).toEqual(bashWords(joined));
      }),
      { ...fuzzParameters, numRuns: Math.min(fuzzParameters.numRuns, 200) },
    );
  });
});
