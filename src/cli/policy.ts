/** `cordon policy <show|check|test>`: look at sandbox policies and exec-policy rules. */
import { UsageError } from "../errors.js";
import type { Command } from "./command.js";
import { policyUsage, usages } from "./help.js";

/** Each subcommand with its synopsis; loaded only when it runs (check and test load the rules engine). */
const subcommands: Record<string, { usage: string; load(): Promise<Command> }> = {
  show: { usage: usages.policyShow, load: async () => (await import("./policy-show.js")).policyShow },
  check: { usage: usages.policyCheck, load: async () => (await import("./policy-check.js")).policyCheck },
  test: { usage: usages.policyTest, load: async () => (await import("./policy-test.js")).policyTest },
};

export const policy: Command = {
  async run(args, io) {
    const [name, ...rest] = args;
    const sub = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
    if (!sub) throw new UsageError(`unknown policy subcommand ${JSON.stringify(name ?? "")}\nusage: ${policyUsage}`);
    if (rest.includes("--help") && !rest.slice(0, rest.indexOf("--help")).includes("--")) {
      io.stdout.write(`usage: ${sub.usage}\n`);
      return 0;
    }
    return (await sub.load()).run(rest, { ...io, exactArgs: io.exactArgs?.slice(1) });
  },
};
