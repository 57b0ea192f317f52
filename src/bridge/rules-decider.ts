/** Exec-policy rules and an approval policy (SPEC §6–§7) as the bridge's decider. */
import { createApprovalDecider, type ApprovalAnswer, type ApprovalPolicy, type ApprovalRequest } from "../approval/index.js";
import type { ExecPolicy } from "../rules/index.js";
import type { DecisionOutcome, ExecRequest } from "./types.js";

export interface RulesDecisionOptions {
  /** The loaded rules (`loadPolicy`). */
  rules: ExecPolicy;
  approvalPolicy: ApprovalPolicy;
  /** Asks a person; without it anything that needs approval is denied. */
  requestApproval?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
}

/** `callId` groups the execs of one shell command in the approval requests. */
export function fromRules(options: RulesDecisionOptions): (request: ExecRequest, callId?: string) => Promise<DecisionOutcome> {
  const decide = createApprovalDecider({
    policy: options.rules,
    approvalPolicy: options.approvalPolicy,
    requestApproval: options.requestApproval,
  });
  return (request, callId) =>
    decide({ requestId: request.requestId, file: request.file, argv: request.argv, cwd: request.cwd, callId });
}
