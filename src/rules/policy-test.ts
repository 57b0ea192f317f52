/**
 * `cordon policy test`: load each rules file (in order, as loadPolicy would)
 * so that every example runs, and report per file.
 */
import { CordonError } from "../errors.js";
import { loadRulesFile } from "./load.js";
import { EMPTY_EXEC_POLICY, type ExecPolicy } from "./policy.js";

export interface RulesFileReport {
  file: string;
  /** The failure (with file:line:col, or the rule and example), or null when the file loaded. */
  error: string | null;
  rules: number;
  examples: number;
}

/**
 * Checks every file's syntax, rules and examples. A failing file is
 * reported and left out of the policy the later files are checked against.
 */
export async function testRulesFiles(files: readonly string[]): Promise<RulesFileReport[]> {
  const reports: RulesFileReport[] = [];
  let policy: ExecPolicy = EMPTY_EXEC_POLICY;
  for (const file of files) {
    try {
      const next = await loadRulesFile(file, policy);
      reports.push({
        file,
        error: null,
        rules: next.ruleCount - policy.ruleCount,
        examples: next.exampleCount - policy.exampleCount,
      });
      policy = next;
    } catch (error) {
      if (!(error instanceof CordonError)) throw error;
      reports.push({ file, error: error.message, rules: 0, examples: 0 });
    }
  }
  return reports;
}

/** The report as lines of text: one per file, then a summary. */
export function formatRulesTestReport(reports: readonly RulesFileReport[]): string {
  const lines = reports.map((report) =>
    report.error === null
      ? `ok    ${report.file}: ${report.rules} rules, ${report.examples} examples`
      : `FAIL  ${report.error}`,
  );
  const failed = reports.filter((report) => report.error !== null).length;
  lines.push(
    failed === 0
      ? `all ${reports.length} rules files pass`
      : `${failed} of ${reports.length} rules files fail`,
  );
  return `${lines.join("\n")}\n`;
}
