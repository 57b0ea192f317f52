/** Helpers shared by the Seatbelt suites: described filesystems and a reader for generated arguments. */
import type { PathInspector } from "../../src/policy/index.js";
import { parseSExprs, type SExpr } from "../../src/seatbelt/sexpr.js";

/**
 * A filesystem described by a table: every listed path exists with its kind;
 * `links` maps a path to its canonical form; `texts` gives file contents.
 */
export function describedFs(
  kinds: Record<string, "directory" | "file">,
  links: Record<string, string> = {},
  texts: Record<string, string> = {},
): PathInspector {
  return {
    realpath: (path) => links[path] ?? (path in kinds ? path : null),
    kind: (path) => kinds[links[path] ?? path] ?? null,
    readText: (path) => texts[path] ?? null,
  };
}

/** Every absolute path exists, is a directory, and is its own canonical form. */
export const flatFs: PathInspector = {
  realpath: (path) => path,
  kind: () => "directory",
  readText: () => null,
};

export interface SandboxExecArgs {
  profile: string;
  /** The -D definitions in order, as [key, value]. */
  parameters: [string, string][];
  command: string[];
}

/** Reads `["-p", profile, "-DK=V"..., "--", ...command]` back, failing loudly on anything else. */
export function readSandboxExecArgs(args: readonly string[]): SandboxExecArgs {
  if (args[0] !== "-p") throw new Error(`expected -p first, got ${JSON.stringify(args[0])}`);
  const dashDash = args.indexOf("--", 2);
  if (dashDash === -1) throw new Error("no -- in the arguments");
  const parameters = args.slice(2, dashDash).map((arg): [string, string] => {
    const match = /^-D([^=]+)=(.*)$/s.exec(arg);
    if (!match) throw new Error(`not a -D definition: ${JSON.stringify(arg)}`);
    return [match[1]!, match[2]!];
  });
  return { profile: args[1]!, parameters, command: args.slice(dashDash + 1) };
}

/** The parameter keys in order. */
export function keysOf(args: readonly string[]): string[] {
  return readSandboxExecArgs(args).parameters.map(([key]) => key);
}

const fileReadOperations = new Set(["default", "file*", "file-read*", "file-read-data", "file-read-metadata", "file-read-xattr"]);

function isWholeFilesystem(filter: SExpr): boolean {
  if (filter.type !== "list") return false;
  const [head, arg] = filter.items;
  if (head?.type !== "symbol" || arg?.type !== "string") return false;
  if (arg.regex) return head.name === "regex" && /^\^\/(\.\*)?\$?$/.test(arg.value);
  return (head.name === "subpath" || head.name === "prefix") && arg.value === "/";
}

/**
 * The top-level rules that allow reading files anywhere: a file-read
 * operation (or a wildcard over it) with no filter, or with a filter that
 * matches the whole filesystem.
 */
export function blanketReadAllows(profile: string): SExpr[] {
  return parseSExprs(profile).filter((form) => {
    if (form.type !== "list") return false;
    const [head, ...rest] = form.items;
    if (head?.type !== "symbol" || head.name !== "allow") return false;
    const reads = rest.some((item) => item.type === "symbol" && fileReadOperations.has(item.name));
    const filters = rest.filter((item) => item.type === "list");
    return reads && (filters.length === 0 || filters.some(isWholeFilesystem));
  });
}

/** Whether the profile has `(allow <operation>)` with no filter. */
export function allowsEverywhere(profile: string, operation: string): boolean {
  return parseSExprs(profile).some(
    (form) =>
      form.type === "list" &&
      form.items.length === 2 &&
      form.items[0]!.type === "symbol" &&
      form.items[0]!.name === "allow" &&
      form.items[1]!.type === "symbol" &&
      form.items[1]!.name === operation,
  );
}

/** An S-expression on one line, single spaces, comments dropped. */
export function compact(expr: SExpr): string {
  switch (expr.type) {
    case "symbol":
      return expr.name;
    case "string":
      return `${expr.regex ? "#" : ""}${JSON.stringify(expr.value)}`;
    case "list":
      return `(${expr.items.map(compact).join(" ")})`;
  }
}

/** The top-level rules of a profile, each on one line. */
export function rulesOf(profile: string): string[] {
  return parseSExprs(profile).map(compact);
}
