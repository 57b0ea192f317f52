/**
 * "Don't ask again": append an allow rule for a command prefix to a rules
 * file, so the command runs without asking from then on. Writers take a lock file
 * beside the rules file, an existing identical rule is not added twice, a
 * last line without a newline is ended first, and a file that does not
 * parse is left alone.
 */
import { appendFile, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RulesError } from "../errors.js";
import { checkPrefixRule } from "./check.js";
import { EMPTY_EXEC_POLICY } from "./policy.js";
import { formatPrefixRule } from "./print.js";
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

async function acquireLock(lockPath: string, options: AppendRuleOptions): Promise<void> {
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

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return "";
    throw new RulesError(`cannot read rules file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Appends `prefix_rule(pattern = [...prefix], decision = "allow")` to
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
  const line = formatPrefixRule(rule);
  await mkdir(dirname(file), { recursive: true });
  const lockPath = `${file}.lock`;
  await acquireLock(lockPath, options);
  try {
    const existing = await readIfExists(file);
    if (existing.split("\n").some((existingLine) => existingLine.trim() === line)) return false;
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
