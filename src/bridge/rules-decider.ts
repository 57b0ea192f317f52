/** Exec-policy rules and an approval policy (SPEC §6–§7) as the bridge's decider. */
import { createApprovalDecider, type ApprovalAnswer, type ApprovalPolicy, type ApprovalRequest } from "../approval/index.js";
import type { ExecPolicy } from "../rules/index.js";
import type { DecisionOutcome, ExecBridgeEvent, ExecRequest } from "./types.js";

export interface RulesDecisionOptions {
  /** The loaded rules (`loadPolicy`). */
  rules: ExecPolicy;
  approvalPolicy: ApprovalPolicy;
  /**
   * Asks a person; without it anything that needs approval is denied. If it
   * throws or answers something else, the exec is denied with a generic
   * reason and the host gets an `approval-failed` error event.
   */
  requestApproval?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
  /** Judge programs without a name on disk (memfd, deleted files) like any other. Default false: they are denied. */
  allowAnonymousExecutables?: boolean;
}

export type Decide = (request: ExecRequest, callId: string | undefined, report: (event: ExecBridgeEvent) => void) => Promise<DecisionOutcome>;

/** `callId` groups the execs of one shell command in the approval requests. */
export function fromRules(options: RulesDecisionOptions): Decide {
  // One decider per bridge, so "approved for the session" lasts as long as the bridge.
  const decide = createApprovalDecider({
    policy: options.rules,
    approvalPolicy: options.approvalPolicy,
    requestApproval: options.requestApproval,
    allowAnonymousExecutables: options.allowAnonymousExecutables,
  });
  return (request, callId, report) =>
    decide(
      {
        requestId: request.requestId,
        file: request.file,
        argv: request.argv,
        cwd: request.cwd,
        executable: request.executable,
        interpreter: request.interpreter,
        anonymous: request.anonymous,
        environment: request.environment === null ? undefined : new Map(Object.entries(request.environment)),
        callId,
      },
      (message) => report({ type: "error", kind: "approval-failed", message, peer: request.peer }),
    );
}
