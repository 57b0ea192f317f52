/**
 * Splits `bash -lc "git status && pwd"` into the plain commands it runs,
 * with a real bash parser (tree-sitter-bash, as WebAssembly, so nothing is
 * compiled at install time). Only scripts made of plain words, quoted
 * strings and the operators `&&`, `||`, `;` and `|` are split; anything
 * else (expansions, redirections, subshells, globs, assignments...) could
 * run something other than what the words say, so such a script is judged
 * whole (the split is null).
 *
 * Loading the parser is asynchronous; `initShellParser()` does it once, and
 * the split itself is synchronous afterwards.
 */
import { createRequire } from "node:module";
import { posix } from "node:path";
import { Language, Parser, type Node } from "web-tree-sitter";
import { NativeError } from "../errors.js";

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/** Longest script that is parsed; a longer one is judged whole. */
const MAX_SCRIPT_LENGTH = 64 * 1024;

const SHELLS = new Set(["bash", "sh", "zsh"]);
const SHELL_COMMAND_FLAGS = new Set(["-c", "-lc"]);
const OPERATORS = new Set(["&&", "||", ";", "|"]);
/** Characters bash would expand or unescape in an unquoted word. */
const UNQUOTED_SPECIALS = /[*?[\]{}~\\$`]/;

/** Loads the bash grammar (once; later calls share the first). */
export function initShellParser(): Promise<void> {
  loading ??= (async () => {
    try {
      await Parser.init();
      const grammar = createRequire(import.meta.url).resolve("tree-sitter-bash/tree-sitter-bash.wasm");
      const loaded = new Parser();
      loaded.setLanguage(await Language.load(grammar));
      parser = loaded;
    } catch (error) {
      loading = null;
      throw new NativeError(`cannot load the bash grammar (tree-sitter-bash): ${(error as Error).message}`, {
        cause: error,
      });
    }
  })();
  return loading;
}

function stringValue(node: Node): string | null {
  let value = "";
  for (const child of node.children) {
    if (child === null) return null;
    if (child.type === '"') continue;
    if (child.type !== "string_content") return null;
    value += child.text.replace(/\\([$`"\\\n])/g, (_, escaped: string) => (escaped === "\n" ? "" : escaped));
  }
  return value;
}

/** The literal value of a word-like node, or null when bash would change it. */
function wordValue(node: Node): string | null {
  switch (node.type) {
    case "word":
      return UNQUOTED_SPECIALS.test(node.text) ? null : node.text;
    case "number":
      return node.text;
    case "raw_string":
      return node.text.slice(1, -1);
    case "string":
      return stringValue(node);
    case "concatenation": {
      let value = "";
      for (const child of node.children) {
        const part = child === null ? null : wordValue(child);
        if (part === null) return null;
        value += part;
      }
      return value;
    }
    default:
      return null;
  }
}

function commandWords(node: Node): string[] | null {
  const words: string[] = [];
  for (const child of node.children) {
    if (child === null) return null;
    const target = child.type === "command_name" ? child.firstChild : child;
    const value = target === null ? null : wordValue(target);
    if (value === null) return null;
    words.push(value);
  }
  return words.length > 0 ? words : null;
}

function collectCommands(node: Node, commands: string[][]): boolean {
  switch (node.type) {
    case "program":
    case "list":
    case "pipeline":
      return node.children.every(
        (child) => child !== null && (OPERATORS.has(child.type) ? !child.isNamed : collectCommands(child, commands)),
      );
    case "command": {
      const words = commandWords(node);
      if (words === null) return false;
      commands.push(words);
      return true;
    }
    default:
      return false;
  }
}

/**
 * The plain commands of a script, in order, or null when the script holds
 * anything beyond plain words and `&& || ; |` (or does not parse).
 */
export function splitShellScript(script: string): string[][] | null {
  if (parser === null) throw new Error("the bash parser is not loaded: await initShellParser() (or loadPolicy()) first");
  if (script.length > MAX_SCRIPT_LENGTH || script.includes("\0")) return null;
  const tree = parser.parse(script);
  if (tree === null) return null;
  try {
    if (tree.rootNode.hasError) return null;
    const commands: string[][] = [];
    return collectCommands(tree.rootNode, commands) && commands.length > 0 ? commands : null;
  } finally {
    tree.delete();
  }
}

/**
 * For `bash|sh|zsh -c|-lc SCRIPT` (the shell by name or absolute path), the
 * plain commands of SCRIPT; null for any other command, or a script that
 * must be judged whole.
 */
export function splitShellCommand(command: readonly string[]): string[][] | null {
  if (command.length !== 3) return null;
  const [shell, flag, script] = command as [string, string, string];
  if (!SHELLS.has(posix.basename(shell)) || !SHELL_COMMAND_FLAGS.has(flag)) return null;
  return splitShellScript(script);
}
