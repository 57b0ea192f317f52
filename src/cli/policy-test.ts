/** `cordon policy test`: run every example of every rules file; exit 1 when any fails. */
import { UsageError } from "../errors.js";
import { formatRulesTestReport, testRulesFiles } from "../rules/index.js";
import { parseCommandLine } from "./args.js";
import type { Command } from "./command.js";
import { usages } from "./help.js";

const usage = usages.policyTest;

export const policyTest: Command = {
  async run(args, io) {
    const { values, rest } = parseCommandLine<{ rules?: string[] }>(args, { rules: { type: "string", multiple: true } }, usage, {
      bytes: io.exactArgs,
    });
    const files = [...(values.rules ?? []), ...rest];
    if (files.length === 0) throw new UsageError(`--rules FILE is required\nusage: ${usage}`);
    const reports = await testRulesFiles(files);
    io.stdout.write(formatRulesTestReport(reports));
    return reports.every((report) => report.failures.length === 0) ? 0 : 1;
  },
};
