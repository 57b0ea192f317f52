/**
 * "Don't ask again": append an allow rule for a command prefix to a rules
 * file, so the command runs without asking from then on. The line is the one
 * Codex writes (`prefix_rule(pattern=["git", "push"], decision="allow")`), so
 * files stay the same whichever tool amends them. Writers take a lock file
 * beside the rules file, a rule the file already has (in any spelling) is
 * not added twice, a last line without a newline is ended first, and a file
 * that does not parse is left alone.
 */
import { appendFile, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RulesError } from "../errors.js";
import { checkPrefixRule } from "./check.js";
import { EMPTY_EXEC_POLICY } from "./policy.js";
import { parseSyntax, type SyntaxCall, type SyntaxValue } from "./syntax.js";
import { compileRulesText } from "./text-form.js";

export interface AppendRuleOptions {
  /** How long to wait for another writer's lock before giving up (default 10 s). */
  lockTimeoutMs?: number;
  /** A lock file older than this is taken to be left by a crashed writer and removed (default 30 s). */
  staleLockMs?: number;
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export async function acquireLock(lockPath: string, options: AppendRuleOptions): Promise<void> {
  const deadline = Date.now() + (options.lockTimeoutMs ?? 10_000);
  const staleMs = options.staleLockMs ?? 30_000;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") {
        throw new RulesError(`cannot create lock ${lockPath}: ${(error as Error).message}`, { cause: error });
      }
    }
    const held = await stat(lockPath).catch(() => null);
    if (held !== null && Date.now() - held.mtimeMs > staleMs) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new RulesError(`cannot lock ${lockPath}: another writer holds it`);
    await sleep(20);
  }
}

export async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return "";
    throw new RulesError(`cannot read rules file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The amendment line, spelled as Codex spells it: JSON string literals, no spaces around `=`. */
function amendmentLine(prefix: readonly string[]): string {
  return `prefix_rule(pattern=[${prefix.map((token) => JSON.stringify(token)).join(", ")}], decision="allow")`;
}

/** Whether a pattern says exactly `prefix`: one token per position, each a string or a one-item list. */
function patternIs(pattern: SyntaxValue | undefined, prefix: readonly string[]): boolean {
  if (!Array.isArray(pattern) || pattern.length !== prefix.length) return false;
  return pattern.every((token, i) => {
    const single = Array.isArray(token) && token.length === 1 ? token[0] : token;
    return single === prefix[i];
  });
}

/** Whether the calls already allow exactly `prefix`, however the rule is spaced, quoted or ordered. */
function allowsPrefix(calls: readonly SyntaxCall[], prefix: readonly string[]): boolean {
  return calls.some((call) => {
    if (call.name !== "prefix_rule") return false;
    const argument = (name: string): SyntaxValue | undefined => call.args.find((arg) => arg.name === name)?.value;
    const decision = argument("decision");
    return (decision === undefined || decision === "allow") && patternIs(argument("pattern"), prefix);
  });
}

/** The calls of existing rules text, or null when it does not parse (the load check below reports why). */
function existingCalls(text: string, file: string): SyntaxCall[] | null {
  try {
    return parseSyntax(text, file);
  } catch {
    return null;
  }
}

/**
 * Appends `prefix_rule(pattern=[...prefix], decision="allow")` to
 * `file` (created with its directory if missing). Resolves to true when the
 * rule was added, false when the file already had it.
 */
export async function appendAllowPrefixRule(
  file: string,
  prefix: readonly string[],
  options: AppendRuleOptions = {},
): Promise<boolean> {
  const rule = { pattern: [...prefix], decision: "allow" as const };
  checkPrefixRule(rule, () => `allow rule for ${JSON.stringify(prefix)}`);
  const line = amendmentLine(prefix);
  await mkdir(dirname(file), { recursive: true });
  const lockPath = `${file}.lock`;
  await acquireLock(lockPath, options);
  try {
    const existing = await readIfExists(file);
    if (allowsPrefix(existingCalls(existing, file) ?? [], prefix)) return false;
    const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
    try {
      compileRulesText(`${existing}${separator}${line}\n`, file, EMPTY_EXEC_POLICY);
    } catch (error) {
      throw new RulesError(`not adding a rule to ${file}, which does not load: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await appendFile(file, `${separator}${line}\n`);
    return true;
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
