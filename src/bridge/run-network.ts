/**
 * The network of one `bridge.run` (SPEC §11): a proxy started for the run,
 * whose lists are the run's own joined by the rules' `network_rule`s, and
 * whose misses and `prompt` hosts go to the host's `requestApproval` as
 * `{ kind: "network", host, port, protocol }`.
 */
import { randomUUID } from "node:crypto";
import type { ApprovalAnswer, ApprovalPolicy, ApprovalRequest } from "../approval/index.js";
import { describeError } from "../errors.js";
import { NetworkProxy, parseNetworkPolicy, type NetworkDecider, type NetworkEvent, type NetworkPolicyInput } from "../network/index.js";
import { compileNetworkDomains, type ExecPolicy } from "../rules/index.js";

/** What a run's `network` option holds: a policy in either spelling, and optionally its own decider for misses. */
export type RunNetworkOptions = NetworkPolicyInput & {
  /** Asked about misses instead of the bridge's `requestApproval`. */
  decide?: NetworkDecider;
};

/** What the bridge lends a run for its network: the rules and the person to ask. */
export interface NetworkApprover {
  rules?: ExecPolicy;
  approvalPolicy?: ApprovalPolicy;
  requestApproval?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
}

export const NETWORK_NO_APPROVER_REASON = "Network access needs approval, but there is no one to ask";
export const NETWORK_USER_DENIED_REASON = "User denied network access";

function union(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * Starts the run's proxy. `onAbort` is called when a person answers `abort`
 * (the whole run is then stopped); `onError` gets the host callbacks' failures.
 */
export async function startRunProxy(
  network: RunNetworkOptions,
  approver: NetworkApprover,
  run: {
    callId: string;
    cwd: string;
    /** Told of every connection as it ends. */
    onEvent: (event: NetworkEvent) => void;
    onAbort: () => void;
    onError: (error: unknown) => void;
    /** Called with true before a person is asked and with false after, so the run's clock can stop meanwhile. */
    onDeciding: (started: boolean) => void;
  },
): Promise<NetworkProxy> {
  const { decide, ...fields } = network;
  const own = parseNetworkPolicy(fields);
  const ruled = approver.rules === undefined ? { allowedDomains: [], deniedDomains: [], prompt: [] } : compileNetworkDomains(approver.rules);
  const policy = {
    ...own,
    allowedDomains: union(own.allowedDomains, ruled.allowedDomains),
    deniedDomains: union(own.deniedDomains, ruled.deniedDomains),
    promptDomains: union(own.promptDomains, ruled.prompt),
  };
  const ask: NetworkDecider = async ({ host, port, protocol }) => {
    const { requestApproval, approvalPolicy } = approver;
    if (requestApproval === undefined || approvalPolicy === "never") return { action: "deny", reason: NETWORK_NO_APPROVER_REASON };
    run.onDeciding(true);
    const answer = await requestApproval({
      kind: "network",
      approvalId: randomUUID(),
      callId: run.callId,
      command: [],
      cwd: run.cwd,
      reason: `${protocol} connection to ${host}:${port}`,
      matchedRules: [],
      host,
      port,
      protocol,
    }).finally(() => run.onDeciding(false));
    if (answer === "approved") return { action: "allow" };
    if (answer === "approved-for-session") return { action: "allow", remember: true };
    if (answer === "abort") run.onAbort();
    else if (answer !== "denied") throw new Error(`requestApproval answered ${describeError(answer)}, not one of approved, approved-for-session, denied, abort`);
    return { action: "deny", reason: NETWORK_USER_DENIED_REASON };
  };
  return NetworkProxy.start({
    policy,
    decide: decide ?? ask,
    runId: run.callId,
    onEvent: run.onEvent,
    onError: run.onError,
    // Seatbelt reaches the proxy by loopback TCP ports; the Linux launcher by its Unix sockets.
    tcp: process.platform === "darwin",
  });
}
