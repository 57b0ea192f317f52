/**
 * The asynchronous half of the approval flow: evaluate each intercepted
 * exec, and ask the host's `requestApproval` when the outcome says so.
 */
import { randomUUID } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { evaluate, initShellParser, type ExecPolicy, type RuleMatch } from "../rules/index.js";
import { outcomeOf, type ApprovalPolicy } from "./outcome.js";

export type ApprovalAnswer = "approved" | "approved-for-session" | "denied" | "abort";

/** What the host is asked to approve; each request has a fresh approvalId and is answered once. */
export interface ApprovalRequest {
  approvalId: string;
  callId: string;
  /** The command as it would run: the absolute program, then the arguments. */
  command: string[];
  cwd: string;
  /** Why approval is needed (the rule's justification, or the heuristic's reason), when known. */
  reason: string | null;
  matchedRules: RuleMatch[];
}

/** One intercepted exec, as the exec bridge reports it. */
export interface ExecToDecide {
  requestId: string;
  /** The program to run (absolute, or relative to cwd). */
  file: string;
  /** The argv it would run with (argv[0] is its own name for itself). */
  argv: string[];
  cwd: string;
  /** The host's id for the shell command this exec belongs to; requestId stands in when absent. */
  callId?: string;
}

export interface ExecDecision {
  action: "run" | "deny";
  reason: string | null;
  source: "rule" | "heuristics" | "user";
  /** The approval that decided, when a person was asked. */
  approvalId: string | null;
  /** True when the person chose to stop the whole command. */
  abort: boolean;
}

export interface ApprovalDeciderOptions {
  /** The exec-policy rules. */
  policy: ExecPolicy;
  approvalPolicy: ApprovalPolicy;
  /** Asks a person; without it, anything that needs approval is denied. */
  requestApproval?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
}

export const USER_DENIED_REASON = "User denied execution";
export const USER_CANCELLED_REASON = "User cancelled execution";
export const NO_APPROVER_REASON = "Execution needs approval, but there is no one to ask";

const ANSWERS: readonly string[] = ["approved", "approved-for-session", "denied", "abort"];

function run(source: ExecDecision["source"], approvalId: string | null = null): ExecDecision {
  return { action: "run", reason: null, source, approvalId, abort: false };
}

function deny(source: ExecDecision["source"], reason: string, approvalId: string | null = null, abort = false): ExecDecision {
  return { action: "deny", reason, source, approvalId, abort };
}

/**
 * Makes the function that decides each exec. It evaluates
 * `[absolute file, ...argv.slice(1)]` with the basename fallback, then runs,
 * denies, or asks (see `outcomeOf`). A command approved for the session
 * runs again without asking for as long as the decider lives.
 */
export function createApprovalDecider(options: ApprovalDeciderOptions): (exec: ExecToDecide) => Promise<ExecDecision> {
  const { policy, approvalPolicy, requestApproval } = options;
  const approvedForSession = new Set<string>();
  return async (exec) => {
    await initShellParser();
    const file = isAbsolute(exec.file) ? exec.file : resolve(exec.cwd, exec.file);
    const command = [file, ...exec.argv.slice(1)];
    const evaluation = evaluate(policy, command, { resolveHostExecutables: true });
    const outcome = outcomeOf(evaluation, command, approvalPolicy);
    if (outcome.action === "run") return run(outcome.source);
    if (outcome.action === "deny") return deny(outcome.source, outcome.reason);
    const sessionKey = JSON.stringify(command);
    if (approvedForSession.has(sessionKey)) return run("user");
    if (requestApproval === undefined) return deny(outcome.source, NO_APPROVER_REASON);
    const approvalId = randomUUID();
    let answer: unknown;
    try {
      answer = await requestApproval({
        approvalId,
        callId: exec.callId ?? exec.requestId,
        command,
        cwd: exec.cwd,
        reason: outcome.reason,
        matchedRules: evaluation.matchedRules,
      });
    } catch (error) {
      return deny("user", `Approval request failed: ${(error as Error)?.message ?? String(error)}`, approvalId);
    }
    if (typeof answer !== "string" || !ANSWERS.includes(answer)) {
      return deny("user", `Invalid approval answer ${JSON.stringify(answer) ?? String(answer)}`, approvalId);
    }
    switch (answer as ApprovalAnswer) {
      case "approved":
        return run("user", approvalId);
      case "approved-for-session":
        approvedForSession.add(sessionKey);
        return run("user", approvalId);
      case "denied":
        return deny("user", USER_DENIED_REASON, approvalId);
      case "abort":
        return deny("user", USER_CANCELLED_REASON, approvalId, true);
    }
  };
}
