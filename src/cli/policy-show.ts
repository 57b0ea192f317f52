/** `cordon policy show`: what a policy means here, normalised, with the roots it computes to. */
import { resolve } from "node:path";
import { parseCommandLine } from "./args.js";
import type { Command } from "./command.js";
import { usages } from "./help.js";
import { loadPolicyOption } from "./policy-option.js";
import {
  hasFullDiskReadAccess,
  hasFullDiskWriteAccess,
  hasFullNetworkAccess,
  readableRoots,
  toCodexJson,
  writableRoots,
} from "../policy/index.js";

const usage = usages.policyShow;

export const policyShow: Command = {
  async run(args, io) {
    const { values } = parseCommandLine<{ policy?: string; cwd?: string }>(
      args,
      { policy: { type: "string" }, cwd: { type: "string" } },
      usage,
    );
    const policy = await loadPolicyOption(values.policy, io.stdin);
    const cwd = resolve(io.cwd, values.cwd ?? ".");
    const shown = {
      policy: toCodexJson(policy),
      cwd,
      fullDiskRead: hasFullDiskReadAccess(policy),
      fullDiskWrite: hasFullDiskWriteAccess(policy),
      fullNetwork: hasFullNetworkAccess(policy),
      writableRoots: writableRoots(policy, { cwd, env: io.env }),
      readableRoots: readableRoots(policy, { cwd, env: io.env }),
    };
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  },
};
