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

/** The shells whose `-c`/`-lc` scripts are split (by basename): their commands are judged by the script. */
export const SPLIT_SHELLS: ReadonlySet<string> = new Set(["bash", "sh", "zsh"]);
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

/**
 * A double-quoted string without expansions: the raw text between the
 * quotes (newlines included), with bash's backslash escapes inside double
 * quotes undone. tree-sitter splits the content around newlines, so the
 * value is taken from the source text, not from the content nodes.
 */
function stringValue(node: Node): string | null {
  for (const child of node.children) {
    if (child === null) return null;
    if (child.type !== '"' && child.type !== "string_content") return null;
  }
  return node.text.slice(1, -1).replace(/\\([$`"\\\n])/g, (_, escaped: string) => (escaped === "\n" ? "" : escaped));
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

/** Parses `script` and hands the tree's root to `read`; null when the script is too long, has NUL or does not parse. */
function withParsedScript<T>(script: string, read: (root: Node) => T | null): T | null {
  if (parser === null) throw new Error("the bash parser is not loaded: await initShellParser() (or loadPolicy()) first");
  if (script.length > MAX_SCRIPT_LENGTH || script.includes("\0")) return null;
  const tree = parser.parse(script);
  if (tree === null) return null;
  try {
    return tree.rootNode.hasError ? null : read(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/**
 * The plain commands of a script, in order, or null when the script holds
 * anything beyond plain words and `&& || ; |` (or does not parse).
 */
export function splitShellScript(script: string): string[][] | null {
  return withParsedScript(script, (root) => {
    const commands: string[][] = [];
    return collectCommands(root, commands) && commands.length > 0 ? commands : null;
  });
}

/** Nodes that run something or write somewhere besides the one command a here-document feeds. */
const HEREDOC_DISQUALIFIERS = ["command", "command_substitution", "process_substitution", "file_redirect"];
const HEREDOC_ATTACHMENTS = new Set(["heredoc_redirect", "herestring_redirect"]);

/**
 * Whether a here-document or here-string may run a command when bash
 * expands it. tree-sitter-bash leaves backticks in a here-document body
 * unparsed, so the text is checked: a quoted delimiter (`<<'EOF'`) keeps
 * the body literal; otherwise any backtick or `$(` disqualifies it.
 */
function mayRunSomething(attachment: Node): boolean {
  const start = attachment.namedChildren.find((child) => child?.type === "heredoc_start");
  const quotedDelimiter = attachment.type === "heredoc_redirect" && start != null && /['"\\]/.test(start.text);
  return !quotedDelimiter && (attachment.text.includes("`") || attachment.text.includes("$("));
}

/**
 * For a script that is one command fed by a here-document (`cat <<EOF
 * ... EOF`, `python3 <<'PY' ... PY`), that command's words; null for
 * anything else. The command's words must be plain unquoted words (no
 * assignment, expansion or quoting), and nothing in the script may run
 * another command (a substitution in an unquoted body included, which
 * Codex's version of this check lets through when it is written with
 * backticks) or redirect to a file. The body only becomes the command's input, so the command is
 * judged by its words.
 */
export function heredocCommandPrefix(script: string): string[] | null {
  return withParsedScript(script, (root) => {
    const [statement, ...others] = root.namedChildren;
    if (statement?.type !== "redirected_statement" || others.length > 0) return null;
    const body = statement.childForFieldName("body");
    if (body?.type !== "command") return null;
    const attachments = statement.namedChildren.filter((child) => child !== null && child.id !== body.id);
    if (!attachments.every((child) => child !== null && HEREDOC_ATTACHMENTS.has(child.type))) return null;
    if (!attachments.some((child) => child?.type === "heredoc_redirect")) return null;
    if (attachments.some((child) => child !== null && mayRunSomething(child))) return null;
    const disqualifiers = root.descendantsOfType(HEREDOC_DISQUALIFIERS);
    if (disqualifiers.length !== 1 || disqualifiers[0]?.id !== body.id) return null;
    const words: string[] = [];
    for (const child of body.namedChildren) {
      if (child === null) return null;
      if (HEREDOC_ATTACHMENTS.has(child.type)) continue;
      const target = child.type === "command_name" ? child.firstNamedChild : child;
      if (target === null || (target.type !== "word" && target.type !== "number")) return null;
      const value = wordValue(target);
      if (value === null) return null;
      words.push(value);
    }
    return words.length > 0 ? words : null;
  });
}

/** The script of `bash|sh|zsh -c|-lc SCRIPT` (the shell by name or absolute path); null for any other command. */
function shellScriptOf(command: readonly string[]): string | null {
  if (command.length !== 3) return null;
  const [shell, flag, script] = command as [string, string, string];
  return SPLIT_SHELLS.has(posix.basename(shell)) && SHELL_COMMAND_FLAGS.has(flag) ? script : null;
}

/**
 * For `bash|sh|zsh -c|-lc SCRIPT`, the plain commands of SCRIPT; null for
 * any other command, or a script beyond plain words and `&& || ; |`.
 */
export function splitPlainShellCommand(command: readonly string[]): string[][] | null {
  const script = shellScriptOf(command);
  return script === null ? null : splitShellScript(script);
}

/**
 * For `bash|sh|zsh -c|-lc SCRIPT`, the commands SCRIPT runs: its plain
 * commands, or else the one command a here-document feeds (`cat <<EOF ...`
 * is judged as `cat`); null for any other command, or a script that must be
 * judged whole.
 */
export function splitShellCommand(command: readonly string[]): string[][] | null {
  const script = shellScriptOf(command);
  if (script === null) return null;
  const plain = splitShellScript(script);
  if (plain !== null) return plain;
  const prefix = heredocCommandPrefix(script);
  return prefix === null ? null : [prefix];
}
