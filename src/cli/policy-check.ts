/**
 * `cordon policy check`: evaluate one command against rules files and print
 * the evaluation JSON (SPEC §6). `matchedRules` and `decision` are Codex's
 * evaluation of the argv as written; cordon adds `canonicalForms` (the forms
 * judged beside it), and `combinedMatchedRules` and `combinedDecision`, what
 * an exec of this command is decided by.
 */
import { UsageError } from "../errors.js";
import { evaluate, evaluateCommand, loadPolicy } from "../rules/index.js";
import { parseCommandLine, rejectInexact } from "./args.js";
import type { Command } from "./command.js";
import { usages } from "./help.js";


interface CheckOptions {
  rules?: string[];
  "resolve-host-executables"?: boolean;
  pretty?: boolean;
}

const usage = usages.policyCheck;

export const policyCheck: Command = {
  async run(args, io) {
    // Words between the options and `--` are more rules files (`--rules a.rules b.rules -- CMD`).
    const dashDash = args.indexOf("--");
    const { values, rest: moreRules } = parseCommandLine<CheckOptions>(
      dashDash === -1 ? args : args.slice(0, dashDash),
      { rules: { type: "string", multiple: true }, "resolve-host-executables": { type: "boolean" }, pretty: { type: "boolean" } },
      usage,
      { bytes: io.exactArgs },
    );
    // Rules judge text: a command that is not UTF-8 is refused rather than judged as something else.
    rejectInexact(args, io.exactArgs);
    const files = dashDash === -1 ? (values.rules ?? []) : [...(values.rules ?? []), ...moreRules];
    const command = dashDash === -1 ? moreRules : args.slice(dashDash + 1);
    if (files.length === 0) throw new UsageError(`--rules FILE is required\nusage: ${usage}`);
    if (command.length === 0) throw new UsageError(`no command to check\nusage: ${usage}`);
    const policy = await loadPolicy(files);
    const options = { resolveHostExecutables: values["resolve-host-executables"] === true };
    const evaluation = evaluate(policy, command, options);
    const combined = evaluateCommand(policy, command, options);
    const report = {
      ...evaluation,
      canonicalForms: combined.canonicalForms,
      combinedMatchedRules: combined.matchedRules,
      ...(combined.decision === undefined ? {} : { combinedDecision: combined.decision }),
    };
    io.stdout.write(`${JSON.stringify(report, null, values.pretty ? 2 : undefined)}\n`);
    return 0;
  },
};
