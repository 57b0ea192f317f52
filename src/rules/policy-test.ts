/**
 * `cordon policy test`: load each rules file (in order, as loadPolicy would)
 * so that every example runs, and report per file every example that fails.
 */
import { RulesError } from "../errors.js";
import { loadRulesFile } from "./load.js";
import { EMPTY_EXEC_POLICY, type ExecPolicy } from "./policy.js";

export interface RulesFileReport {
  file: string;
  /**
   * Why the file did not load: each failing example (with the rule's place
   * and the example), or the one syntax or read error; empty when it loaded.
   */
  failures: string[];
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
        failures: [],
        rules: next.ruleCount - policy.ruleCount,
        examples: next.exampleCount - policy.exampleCount,
      });
      policy = next;
    } catch (error) {
      if (!(error instanceof RulesError)) throw error;
      reports.push({ file, failures: [...error.problems], rules: 0, examples: 0 });
    }
  }
  return reports;
}

/** The report as lines of text: one per file that loads, one per failure, then a summary. */
export function formatRulesTestReport(reports: readonly RulesFileReport[]): string {
  const lines = reports.flatMap((report) =>
    report.failures.length === 0
      ? [`ok    ${report.file}: ${report.rules} rules, ${report.examples} examples`]
      : report.failures.map((failure) => `FAIL  ${failure}`),
  );
  const failed = reports.filter((report) => report.failures.length > 0);
  const failures = failed.reduce((sum, report) => sum + report.failures.length, 0);
  lines.push(
    failed.length === 0
      ? `all ${reports.length} rules files pass`
      : `${failed.length} of ${reports.length} rules files fail (${failures} ${failures === 1 ? "failure" : "failures"})`,
  );
  return `${lines.join("\n")}\n`;
}
