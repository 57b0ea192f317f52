/** Reading rules files from disk and merging them in order. */
import { RulesError } from "../errors.js";
import { readRegularFile } from "../host-files.js";
import { compileRulesJson } from "./json-form.js";
import { EMPTY_EXEC_POLICY, type ExecPolicy } from "./policy.js";
import { initShellParser } from "./shell-split.js";
import { compileRulesText } from "./text-form.js";

/** Far more than any policy needs; a rules file in a workspace may have been replaced by a device or a FIFO. */
const MAX_RULES_FILE_BYTES = 16 * 1024 * 1024;

async function readRulesFile(file: string): Promise<string> {
  try {
    return readRegularFile(file, MAX_RULES_FILE_BYTES).toString("utf8");
  } catch (error) {
    throw new RulesError(`cannot read rules file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Adds one file's rules after `base`'s: `*.json` files are the JSON form,
 * anything else is rules text.
 */
export async function loadRulesFile(file: string, base: ExecPolicy): Promise<ExecPolicy> {
  const text = await readRulesFile(file);
  if (!file.endsWith(".json")) return compileRulesText(text, file, base);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RulesError(`${file}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return compileRulesJson(value, file, base);
}

/**
 * Loads rules files in order into one policy: later files' rules are added
 * after earlier ones (the strictest match still wins), and a later
 * host_executable replaces an earlier one of the same name. Also loads the
 * bash parser that the heuristics use, so evaluation stays synchronous.
 */
export async function loadPolicy(files: readonly string[]): Promise<ExecPolicy> {
  await initShellParser();
  let policy = EMPTY_EXEC_POLICY;
  for (const file of files) policy = await loadRulesFile(file, policy);
  return policy;
}
