/** The approval flow (SPEC §7): rule evaluations and heuristics become run, deny, or a question for a person. */
export {
  type ApprovalPolicy,
  APPROVAL_POLICIES,
  type ExecOutcome,
  type OutcomeSource,
  outcomeOf,
  FORBIDDEN_REASON,
  NEEDS_APPROVAL_UNDER_NEVER_REASON,
  DANGEROUS_REASON,
  NOT_KNOWN_SAFE_REASON,
} from "./outcome.js";
export {
  type ApprovalAnswer,
  type ApprovalRequest,
  type ExecToDecide,
  type ExecDecision,
  type ApprovalDeciderOptions,
  type ApprovalErrorHandler,
  createApprovalDecider,
  USER_DENIED_REASON,
  USER_CANCELLED_REASON,
  NO_APPROVER_REASON,
  APPROVAL_FAILED_REASON,
  ANONYMOUS_EXECUTABLE_REASON,
} from "./decider.js";
export { judgedCommands, isSystemLoader, type ExecProgram, type JudgedCommand, type Weight } from "./judged-commands.js";
/** Which run decisions hold for every argument list of their program (SPEC §5 "Decisions the supervisor may keep"). */
export { programDecisionCheck, type ProgramDecisionCheck } from "./program-decision.js";
