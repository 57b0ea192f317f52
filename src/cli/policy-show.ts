/** `cordon policy show`: what a policy means here, normalised, with the roots it computes to. */
import { resolve } from "node:path";
import { existingDirectory, parseCommandLine } from "./args.js";
import type { Command } from "./command.js";
import { usages } from "./help.js";
import { loadPolicyOption } from "./policy-option.js";
import {
  checkWritableRootsExist,
  hasFullDiskReadAccess,
  hasFullDiskWriteAccess,
  hasFullNetworkAccess,
  readableRoots,
  toCodexJson,
  writableRoots,
} from "../policy/index.js";
import { linuxPlatformDefaults, linuxReadablePaths } from "../linux/index.js";
import { DEFAULT_PIDS_LIMIT, limitMechanisms } from "../limits/index.js";

const usage = usages.policyShow;

export const policyShow: Command = {
  async run(args, io) {
    const { values } = parseCommandLine<{ policy?: string; cwd?: string }>(
      args,
      { policy: { type: "string" }, cwd: { type: "string" } },
      usage,
      { bytes: io.exactArgs },
    );
    const policy = await loadPolicyOption(values.policy, io.stdin);
    const cwd = existingDirectory("--cwd", resolve(io.cwd, values.cwd ?? "."));
    checkWritableRootsExist(policy);
    const writable = writableRoots(policy, { cwd, env: io.env });
    const linuxReads = linuxReadablePaths(policy, {
      cwd,
      env: io.env,
      writableRoots: writable,
      platformDefaults: linuxPlatformDefaults(),
    });
    const shown = {
      policy: toCodexJson(policy),
      cwd,
      fullDiskRead: hasFullDiskReadAccess(policy),
      fullDiskWrite: hasFullDiskWriteAccess(policy),
      fullNetwork: hasFullNetworkAccess(policy),
      writableRoots: writable,
      readableRoots: readableRoots(policy, { cwd, env: io.env, writableRoots: writable }),
      // Restricted reads on Linux (with linux.restrictedReads "enforce"), per layer; null when reads are not restricted.
      linuxRestrictedReads:
        linuxReads === null ? null : { landlock: linuxReads.landlock, mountNamespace: linuxReads.mountNamespace },
      // What would enforce each resource limit of a run on this host (SPEC §12), and the default.
      limits: { defaults: { pids: DEFAULT_PIDS_LIMIT }, mechanisms: limitMechanisms() },
    };
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  },
};
