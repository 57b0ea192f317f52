/**
 * What a rule means, checked the same way for the text form and the JSON
 * form: patterns, decisions, justifications, host paths and examples. The
 * messages follow Codex's execpolicy (`invalid decision: ...`, `invalid
 * pattern element: ...`, ...) and start with where the problem is.
 */
import { homedir } from "node:os";
import { posix } from "node:path";
import { RulesError } from "../errors.js";
import { isDecision, type Decision } from "./decision.js";
import type { RuleExample } from "./document.js";
import type { CommandGrammar } from "./grammar.js";
import type { NetworkProtocol, NetworkRule, PatternToken, PrefixRule } from "./policy.js";
import { splitShellWords } from "./shell-words.js";

/** Says where a definition (or one of its fields) came from: `file:line:col` or `file: prefixRules[2].pattern`. */
export type Locate = (field?: string) => string;

/** An example as written, and the command it stands for. */
export interface CheckedExample {
  written: RuleExample;
  tokens: string[];
}

/** A prefix_rule whose fields are all valid; `rules` has one rule per first-token alternative. */
export interface CheckedPrefixRule {
  pattern: PatternToken[];
  decision: Decision;
  rules: PrefixRule[];
  match: CheckedExample[];
  notMatch: CheckedExample[];
  locate: Locate;
}

export interface CheckedHostExecutable {
  name: string;
  paths: string[];
}

function fail(locate: Locate, field: string | undefined, message: string): never {
  throw new RulesError(`${locate(field)}: ${message}`);
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? "list" : typeof value;
}

function checkToken(token: string, locate: Locate, field: string, what: string): string {
  if (token.includes("\0")) fail(locate, field, `${what} cannot contain NUL bytes`);
  return token;
}

function checkPattern(value: unknown, locate: Locate): PatternToken[] {
  if (!Array.isArray(value)) {
    fail(locate, "pattern", `invalid pattern element: pattern must be a list (got ${typeName(value)})`);
  }
  if (value.length === 0) fail(locate, "pattern", "invalid pattern element: pattern cannot be empty");
  return value.map((element: unknown): PatternToken => {
    if (typeof element === "string") return [checkToken(element, locate, "pattern", "pattern tokens")];
    if (!Array.isArray(element)) {
      fail(
        locate,
        "pattern",
        `invalid pattern element: pattern element must be a string or list of strings (got ${typeName(element)})`,
      );
    }
    if (element.length === 0) fail(locate, "pattern", "invalid pattern element: pattern alternatives cannot be empty");
    return element.map((alternative: unknown) => {
      if (typeof alternative !== "string") {
        fail(
          locate,
          "pattern",
          `invalid pattern element: pattern alternative must be a string (got ${typeName(alternative)})`,
        );
      }
      return checkToken(alternative, locate, "pattern", "pattern tokens");
    });
  });
}

function checkDecision(value: unknown, locate: Locate): Decision {
  if (value === undefined) return "allow";
  if (typeof value !== "string") fail(locate, "decision", `invalid decision: expected a string (got ${typeName(value)})`);
  if (!isDecision(value)) {
    fail(locate, "decision", `invalid decision: ${JSON.stringify(value)} (expected "allow", "prompt" or "forbidden")`);
  }
  return value;
}

function checkJustification(value: unknown, locate: Locate): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    fail(locate, "justification", `invalid rule: justification must be a string (got ${typeName(value)})`);
  }
  if (value.trim() === "") fail(locate, "justification", "invalid rule: justification cannot be empty");
  return value;
}

function checkExamples(value: unknown, locate: Locate, field: string): CheckedExample[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(locate, field, `invalid example: examples must be a list (got ${typeName(value)})`);
  return value.map((example: unknown): CheckedExample => {
    if (typeof example === "string") {
      const tokens = splitShellWords(example);
      if (tokens === null) {
        fail(locate, field, `invalid example: example string has invalid shell syntax: ${JSON.stringify(example)}`);
      }
      if (tokens.length === 0) fail(locate, field, "invalid example: example cannot be an empty string");
      return { written: example, tokens };
    }
    if (!Array.isArray(example)) {
      fail(locate, field, `invalid example: example must be a string or list of strings (got ${typeName(example)})`);
    }
    if (example.length === 0) fail(locate, field, "invalid example: example cannot be an empty list");
    const tokens = example.map((token: unknown) => {
      if (typeof token !== "string") {
        fail(locate, field, `invalid example: example tokens must be strings (got ${typeName(token)})`);
      }
      return token;
    });
    return { written: tokens, tokens };
  });
}

/**
 * Checks a prefix_rule's fields (`notMatch` is the text form's `not_match`).
 * The caller has rejected unknown field names. `source` (where the rule was
 * written, `file:line`) is carried by every compiled rule.
 */
export function checkPrefixRule(fields: Record<string, unknown>, locate: Locate, source?: string): CheckedPrefixRule {
  if (!("pattern" in fields)) fail(locate, undefined, "invalid rule: prefix_rule needs a pattern");
  const pattern = checkPattern(fields.pattern, locate);
  const decision = checkDecision(fields.decision, locate);
  const justification = checkJustification(fields.justification, locate);
  const [first, ...rest] = pattern;
  const rules = first!.map((program): PrefixRule => {
    const rule: { program: string; rest: PatternToken[]; decision: Decision; justification?: string; source?: string } = {
      program,
      rest,
      decision,
    };
    if (justification !== undefined) rule.justification = justification;
    if (source !== undefined) rule.source = source;
    return rule;
  });
  return {
    pattern,
    decision,
    rules,
    match: checkExamples(fields.match, locate, "match"),
    notMatch: checkExamples(fields.notMatch, locate, "notMatch"),
    locate,
  };
}

/**
 * `~` and `~/...` against the home folder (HOME, else the password
 * database), as Codex expands host_executable paths; extra slashes after
 * `~` are dropped. Any other path is returned as it is (`~user/...` is not
 * expanded, and so is not absolute).
 */
function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = process.env.HOME || homedir();
  return posix.join(home, path.slice(2));
}

/**
 * Checks a host_executable: a bare name, and absolute (or `~/`) paths whose
 * basename is that name (expanded, normalised, de-duplicated). The caller
 * has rejected unknown field names.
 */
export function checkHostExecutable(fields: Record<string, unknown>, locate: Locate): CheckedHostExecutable {
  const { name, paths } = fields;
  if (name === undefined) fail(locate, undefined, "invalid rule: host_executable needs a name");
  if (paths === undefined) fail(locate, undefined, "invalid rule: host_executable needs paths");
  if (typeof name !== "string") fail(locate, "name", `invalid rule: host_executable name must be a string (got ${typeName(name)})`);
  if (name === "") fail(locate, "name", "invalid rule: host_executable name cannot be empty");
  if (name.includes("/") || name === "." || name === ".." || name.includes("\0")) {
    fail(locate, "name", `invalid rule: host_executable name must be a bare executable name (got ${name})`);
  }
  if (!Array.isArray(paths)) fail(locate, "paths", `invalid rule: host_executable paths must be a list (got ${typeName(paths)})`);
  const checked: string[] = [];
  for (const raw of paths as unknown[]) {
    if (typeof raw !== "string") {
      fail(locate, "paths", `invalid rule: host_executable paths must be strings (got ${typeName(raw)})`);
    }
    if (raw.includes("\0")) fail(locate, "paths", "invalid rule: host_executable paths cannot contain NUL bytes");
    const expanded = expandHome(raw);
    if (!expanded.startsWith("/")) {
      fail(locate, "paths", `invalid rule: host_executable paths must be absolute or start with ~/ (got ${raw})`);
    }
    const path = posix.normalize(expanded);
    if (posix.basename(path) !== name) {
      fail(locate, "paths", `invalid rule: host_executable path \`${raw}\` must have basename \`${name}\``);
    }
    if (!checked.includes(path)) checked.push(path);
  }
  return { name, paths: checked };
}

export type CheckedNetworkRule = NetworkRule;

const NETWORK_PROTOCOLS: Record<string, NetworkProtocol> = {
  http: "http",
  https: "https",
  https_connect: "https",
  "http-connect": "https",
  socks5_tcp: "socks5_tcp",
  socks5_udp: "socks5_udp",
};

function checkRequiredString(fields: Record<string, unknown>, name: string, locate: Locate): string {
  const value = fields[name];
  if (value === undefined) fail(locate, undefined, `invalid rule: network_rule needs a ${name}`);
  if (typeof value !== "string") fail(locate, name, `invalid rule: network_rule ${name} must be a string (got ${typeName(value)})`);
  return value;
}

/**
 * A network_rule host as Codex normalises it: trimmed, without a port, IPv6
 * brackets or trailing dots, lower-case; no scheme, path or wildcard.
 */
function normalizeNetworkHost(raw: string, locate: Locate): string {
  const invalid = (message: string): never => fail(locate, "host", `invalid rule: network_rule ${message}`);
  let host = raw.trim();
  if (/:\/\/|[/?#]/.test(host)) invalid("host must be a hostname or IP literal (without scheme or path)");
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close === -1) invalid("host has an invalid bracketed IPv6 literal");
    const rest = host.slice(close + 1);
    if (rest !== "" && !/^:[0-9]+$/.test(rest)) invalid(`host contains an unsupported suffix: ${raw}`);
    host = host.slice(1, close);
  } else {
    const port = /^([^:]+):([0-9]+)$/.exec(host);
    if (port !== null) host = port[1]!;
  }
  const normalized = host.replace(/\.+$/, "").trim().replace(/[A-Z]/g, (char) => char.toLowerCase());
  if (normalized === "") invalid("host cannot be empty");
  if (normalized.includes("*")) invalid("host must be a specific host; wildcards are not allowed");
  if (/\s/.test(normalized)) invalid("host cannot contain whitespace");
  return normalized;
}

/**
 * Checks a network_rule: host, protocol (`http`, `https` or its aliases
 * `https_connect` and `http-connect`, `socks5_tcp`, `socks5_udp`) and
 * decision (`allow`, `prompt`, `forbidden`, or `deny`, read as forbidden),
 * with Codex's messages. The caller has rejected unknown field names.
 */
export function checkNetworkRule(fields: Record<string, unknown>, locate: Locate): CheckedNetworkRule {
  const host = normalizeNetworkHost(checkRequiredString(fields, "host", locate), locate);
  const rawProtocol = checkRequiredString(fields, "protocol", locate);
  const protocol = Object.hasOwn(NETWORK_PROTOCOLS, rawProtocol) ? NETWORK_PROTOCOLS[rawProtocol] : undefined;
  if (protocol === undefined) {
    fail(locate, "protocol", `invalid rule: network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got ${rawProtocol})`);
  }
  const rawDecision = checkRequiredString(fields, "decision", locate);
  const decision = rawDecision === "deny" ? "forbidden" : rawDecision;
  if (!isDecision(decision)) {
    fail(locate, "decision", `invalid decision: ${JSON.stringify(rawDecision)} (expected "allow", "prompt", "forbidden" or "deny")`);
  }
  const justification = checkJustification(fields.justification, locate);
  return justification === undefined ? { host, protocol, decision } : { host, protocol, decision, justification };
}

function checkWordList(
  fields: Record<string, unknown>,
  name: string,
  field: string,
  locate: Locate,
  valid: (word: string) => boolean,
  expected: string,
): string[] {
  const value = fields[field];
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(locate, field, `invalid rule: command_grammar ${name} must be a list (got ${typeName(value)})`);
  return value.map((word: unknown) => {
    if (typeof word !== "string") fail(locate, field, `invalid rule: command_grammar ${name} must be strings (got ${typeName(word)})`);
    if (word.includes("\0") || !valid(word)) {
      fail(locate, field, `invalid rule: command_grammar ${name} must be ${expected} (got ${JSON.stringify(word)})`);
    }
    return word;
  });
}

/** An option name: a dash and at least one more character, no `=` and no white space. */
const OPTION_NAME = /^-[^=\s]+$/;

/**
 * Checks a command_grammar (cordon's addition to the Codex language): a bare
 * program name, option names that start with `-` (no `=`), non-empty flag
 * prefixes that do not start with `-`, and booleans `interspersed` and
 * `dashedSubcommands`. An option listed both with and without a value is an
 * error. The caller has rejected unknown field names.
 */
export function checkCommandGrammar(fields: Record<string, unknown>, locate: Locate): CommandGrammar {
  const { program, interspersed, dashedSubcommands } = fields;
  if (program === undefined) fail(locate, undefined, "invalid rule: command_grammar needs a program");
  if (typeof program !== "string") fail(locate, "program", `invalid rule: command_grammar program must be a string (got ${typeName(program)})`);
  if (program === "" || program.includes("/") || program === "." || program === ".." || program.includes("\0")) {
    fail(locate, "program", `invalid rule: command_grammar program must be a bare executable name (got ${JSON.stringify(program)})`);
  }
  const optionsWithValue = checkWordList(fields, "options_with_value", "optionsWithValue", locate, (word) => OPTION_NAME.test(word), "option names such as -C or --git-dir");
  const flags = checkWordList(fields, "flags", "flags", locate, (word) => OPTION_NAME.test(word), "option names such as -P or --no-pager");
  const flagPrefixes = checkWordList(fields, "flag_prefixes", "flagPrefixes", locate, (word) => word !== "" && !word.startsWith("-"), "non-empty prefixes that do not start with -");
  const both = optionsWithValue.find((option) => flags.includes(option));
  if (both !== undefined) fail(locate, "flags", `invalid rule: command_grammar lists ${both} both as a flag and as an option with a value`);
  if (interspersed !== undefined && typeof interspersed !== "boolean") {
    fail(locate, "interspersed", `invalid rule: command_grammar interspersed must be True or False (got ${typeName(interspersed)})`);
  }
  if (dashedSubcommands !== undefined && typeof dashedSubcommands !== "boolean") {
    fail(locate, "dashedSubcommands", `invalid rule: command_grammar dashed_subcommands must be True or False (got ${typeName(dashedSubcommands)})`);
  }
  return {
    program,
    optionsWithValue,
    flags,
    flagPrefixes,
    interspersed: interspersed === true,
    dashedSubcommands: dashedSubcommands === true,
  };
}
