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
import { parseNetworkPolicy } from "../network/index.js";
import { loadPolicy } from "../rules/load.js";
import { compileNetworkDomains } from "../rules/network-domains.js";
import { EMPTY_EXEC_POLICY } from "../rules/policy.js";
import { networkFlagOptions, networkOptionFrom, type NetworkFlags } from "./network-flags.js";

const usage = usages.policyShow;

export const policyShow: Command = {
  async run(args, io) {
    const { values } = parseCommandLine<{ policy?: string; cwd?: string; rules?: string[] } & NetworkFlags>(
      args,
      { policy: { type: "string" }, cwd: { type: "string" }, rules: { type: "string", multiple: true }, ...networkFlagOptions },
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
    // The network as a run with the same flags and rules gets it: none, all of it, or through the proxy's lists.
    const rules = compileNetworkDomains(values.rules === undefined ? EMPTY_EXEC_POLICY : await loadPolicy(values.rules));
    const proxied = networkOptionFrom(values, policy, rules);
    const proxyPolicy = proxied === undefined ? null : parseNetworkPolicy(proxied);
    const network =
      proxyPolicy === null
        ? { access: hasFullNetworkAccess(policy) ? "full" : "none" }
        : {
            access: "proxy",
            allowedDomains: [...new Set([...proxyPolicy.allowedDomains, ...rules.allowedDomains])],
            deniedDomains: [...new Set([...proxyPolicy.deniedDomains, ...rules.deniedDomains])],
            prompt: rules.prompt,
            allowLocalAddresses: proxyPolicy.allowLocalAddresses,
          };
    const shown = {
      policy: toCodexJson(policy),
      cwd,
      fullDiskRead: hasFullDiskReadAccess(policy),
      fullDiskWrite: hasFullDiskWriteAccess(policy),
      fullNetwork: hasFullNetworkAccess(policy),
      network,
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
