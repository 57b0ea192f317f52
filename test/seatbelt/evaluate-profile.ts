/**
 * An evaluator for the subset of SBPL that cordon generates, so tests can ask
 * a generated profile concrete questions ("may this command read
 * /System/Volumes/Data/Users/alice/.ssh/id_rsa?") on a machine without
 * sandbox-exec. It knows `(deny default)` followed by allow rules, operation
 * names and their `*` wildcards, and the filters literal, subpath, prefix,
 * regex, vnode-type, extension, param, require-all, require-any and
 * require-not. Anything else in a rule about files is an error, so the
 * evaluator never guesses.
 */
import { parseSExprs, type SExpr } from "../../src/seatbelt/sexpr.js";
import { readSandboxExecArgs } from "./support.js";

export type VnodeType = "REGULAR-FILE" | "DIRECTORY" | "CHARACTER-DEVICE" | "SYMLINK";

export interface FileRequest {
  /** A concrete operation, such as file-read-data or file-write-create. */
  operation: string;
  /** The canonical path Seatbelt would see. */
  path: string;
  /** What the path is (default: a regular file). */
  vnodeType?: VnodeType;
  /** Sandbox extensions the path carries (default: none). */
  extensions?: readonly string[];
}

/** Filters about things other than files: a rule using them never allows a file operation. */
const NON_FILE_FILTERS = new Set([
  "target",
  "sysctl-name",
  "sysctl-name-prefix",
  "global-name",
  "local-name",
  "iokit-registry-entry-class",
  "ipc-posix-name",
  "socket-domain",
  "socket-type",
  "remote",
  "local",
  "mac-policy-name",
  "fsctl-command",
]);

function operationCovers(name: string, operation: string): boolean {
  if (name === "default") return true;
  return name.endsWith("*") ? operation.startsWith(name.slice(0, -1)) : name === operation;
}

function stringArgument(expr: SExpr, parameters: ReadonlyMap<string, string>): string {
  if (expr.type === "string") return expr.value;
  if (expr.type === "list" && expr.items[0]?.type === "symbol" && expr.items[0].name === "param") {
    const key = expr.items[1];
    if (key?.type !== "string") throw new Error("(param ...) without a name");
    const value = parameters.get(key.value);
    if (value === undefined) throw new Error(`(param "${key.value}") has no -D definition`);
    return value;
  }
  throw new Error(`expected a string or (param ...), got ${JSON.stringify(expr)}`);
}

/** Whether one filter matches the request; null when the filter is not about files. */
function filterMatches(filter: SExpr, request: FileRequest, parameters: ReadonlyMap<string, string>): boolean | null {
  if (filter.type !== "list" || filter.items[0]?.type !== "symbol") throw new Error(`not a filter: ${JSON.stringify(filter)}`);
  const name = filter.items[0].name;
  const args = filter.items.slice(1);
  if (NON_FILE_FILTERS.has(name)) return null;
  const all = (): boolean[] => args.map((arg) => filterMatches(arg, request, parameters) ?? false);
  switch (name) {
    case "require-all":
      return all().every(Boolean);
    case "require-any":
      return all().some(Boolean);
    case "require-not":
      if (args.length !== 1) throw new Error("(require-not ...) takes one filter");
      return !(filterMatches(args[0]!, request, parameters) ?? false);
    case "literal":
      return request.path === stringArgument(args[0]!, parameters);
    case "subpath": {
      const root = stringArgument(args[0]!, parameters);
      return root === "/" || request.path === root || request.path.startsWith(`${root.replace(/\/+$/, "")}/`);
    }
    case "prefix":
      return request.path.startsWith(stringArgument(args[0]!, parameters));
    case "regex": {
      const pattern = args[0];
      if (pattern?.type !== "string" || !pattern.regex) throw new Error("(regex ...) takes a #\"...\" string");
      return new RegExp(pattern.value).test(request.path);
    }
    case "vnode-type": {
      const type = args[0];
      if (type?.type !== "symbol") throw new Error("(vnode-type ...) takes a constant");
      return (request.vnodeType ?? "REGULAR-FILE") === type.name;
    }
    case "extension":
      return (request.extensions ?? []).includes(stringArgument(args[0]!, parameters));
    default:
      throw new Error(`the evaluator does not know the filter ${name}`);
  }
}

/** Whether `(allow ...)` rule `form` allows the request. */
function ruleAllows(form: SExpr, request: FileRequest, parameters: ReadonlyMap<string, string>): boolean {
  if (form.type !== "list") throw new Error(`not a rule: ${JSON.stringify(form)}`);
  const [head, ...rest] = form.items;
  if (head?.type !== "symbol") throw new Error(`not a rule: ${JSON.stringify(form)}`);
  if (head.name === "version") return false;
  if (head.name === "deny") {
    const onlyDefault = rest.length === 1 && rest[0]!.type === "symbol" && rest[0]!.name === "default";
    if (!onlyDefault) throw new Error("the evaluator knows no deny rule but (deny default)");
    return false;
  }
  if (head.name !== "allow") throw new Error(`unknown form ${head.name}`);
  const operations = rest.filter((item): item is Extract<SExpr, { type: "symbol" }> => item.type === "symbol");
  if (!operations.some((operation) => operationCovers(operation.name, request.operation))) return false;
  const filters = rest.filter((item) => item.type !== "symbol");
  if (filters.length === 0) return true;
  return filters.some((filter) => filterMatches(filter, request, parameters) === true);
}

/** A question-answering view of a generated `sandbox-exec` argument list. */
export function profileEvaluator(args: readonly string[]): (request: FileRequest) => boolean {
  const { profile, parameters } = readSandboxExecArgs(args);
  const values = new Map(parameters);
  const forms = parseSExprs(profile);
  return (request) => forms.some((form) => ruleAllows(form, request, values));
}
