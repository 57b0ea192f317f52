/** `cordon policy <show|check|test>`: look at sandbox policies and exec-policy rules. */
import { UsageError } from "../errors.js";
import type { Command } from "./command.js";
import { policyCheck } from "./policy-check.js";
import { policyShow } from "./policy-show.js";
import { policyTest } from "./policy-test.js";

const subcommands: Record<string, Command> = {
  show: policyShow,
  check: policyCheck,
  test: policyTest,
};

const usage = Object.values(subcommands)
  .map((c) => c.usage)
  .join("\n       ");

export const policy: Command = {
  summary: "inspect sandbox policies and test exec-policy rules",
  usage,
  async run(args, io) {
    const [name, ...rest] = args;
    const sub = name === undefined ? undefined : subcommands[name];
    if (!sub) throw new UsageError(`unknown policy subcommand ${JSON.stringify(name ?? "")}\nusage: ${usage}`);
    if (rest.includes("--help") && !rest.slice(0, rest.indexOf("--help")).includes("--")) {
      io.stdout.write(`usage: ${sub.usage}\n`);
      return 0;
    }
    return sub.run(rest, io);
  },
};
