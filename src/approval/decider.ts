/**
 * The asynchronous half of the approval flow: evaluate each intercepted
 * exec, and ask the host's `requestApproval` when the outcome says so.
 */
import { randomUUID } from "node:crypto";
import { describeError } from "../errors.js";
import { evaluateCommand, initShellParser, type Evaluation, type ExecPolicy, type RuleMatch } from "../rules/index.js";
import { judgedCommands, type ExecProgram, type JudgedCommand } from "./judged-commands.js";
import { NOT_KNOWN_SAFE_REASON, outcomeOf, type ApprovalPolicy, type ExecOutcome } from "./outcome.js";
import { programDecisionCheck } from "./program-decision.js";

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
  /**
   * `"network"` for a connection through the network proxy of `bridge.run`
   * (then `host`, `port` and `protocol` say where, and `command` is empty);
   * absent for an exec.
   */
  kind?: "network";
  host?: string;
  port?: number;
  protocol?: "http" | "https" | "socks5_tcp";
}

/** One intercepted exec, as the exec bridge reports it. */
export interface ExecToDecide extends ExecProgram {
  requestId: string;
  /** The program has no name on disk (a memfd, a deleted file). */
  anonymous?: boolean;
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
  /** The justification of the strictest matching rule, when it has one. */
  justification: string | null;
  /** Where that rule was written (`file:line`), when the rules say. */
  rule: string | null;
  /**
   * The run holds for every exec of the same program, whatever its
   * arguments and environment (SPEC §5 "Decisions the supervisor may keep"):
   * no rule, host_executable entry, command grammar or heuristic could
   * decide this program differently by its arguments. Never true for a
   * deny, an answer of a person, or a program without a name on disk.
   *
   * "The same program" is the same `file` (absolute), `executable` and
   * `interpreter`: another name for the same file can be judged
   * differently (`/bin/sh` and `dash` are one file; so are a busybox's
   * applets), so a keeper of these decisions keys them by those paths, not
   * by the file's device and inode alone.
   */
  cacheable: boolean;
}

export interface ApprovalDeciderOptions {
  /** The exec-policy rules. */
  policy: ExecPolicy;
  approvalPolicy: ApprovalPolicy;
  /**
   * Asks a person; without it, anything that needs approval is denied. When
   * it throws or answers anything but an ApprovalAnswer, the exec is denied
   * with APPROVAL_FAILED_REASON and `onApprovalError` gets the details.
   */
  requestApproval?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
  /** Told why `requestApproval` failed; what it says never reaches the confined command. */
  onApprovalError?: ApprovalErrorHandler;
  /** Let programs without a name on disk (memfd, deleted files) be judged like any other. Default false: denied. */
  allowAnonymousExecutables?: boolean;
}

export type ApprovalErrorHandler = (message: string) => void;

export const USER_DENIED_REASON = "User denied execution";
export const USER_CANCELLED_REASON = "User cancelled execution";
export const NO_APPROVER_REASON = "Execution needs approval, but there is no one to ask";
export const APPROVAL_FAILED_REASON = "Execution needs approval, and asking for it failed";
export const ANONYMOUS_EXECUTABLE_REASON = "The program has no name on disk (a memfd or a deleted file), and the host does not allow such programs";

const ANSWERS: readonly string[] = ["approved", "approved-for-session", "denied", "abort"];

/** Which rule decided, and why, as the record and the messages show it. */
type DecidingRule = Pick<ExecDecision, "justification" | "rule">;

const NO_RULE: DecidingRule = { justification: null, rule: null };

function run(source: ExecDecision["source"], decidedBy: DecidingRule, approvalId: string | null = null, cacheable = false): ExecDecision {
  return { action: "run", reason: null, source, approvalId, abort: false, ...decidedBy, cacheable };
}

/**
 * A deny. When a rule itself denied, the reason ends with where the rule was
 * written, so the person reading it can find the rule; a person's answer
 * keeps its standard words.
 */
function deny(source: ExecDecision["source"], reason: string, decidedBy: DecidingRule, approvalId: string | null = null, abort = false): ExecDecision {
  const located = source === "rule" && decidedBy.rule !== null ? `${reason} (rule ${decidedBy.rule})` : reason;
  return { action: "deny", reason: located, source, approvalId, abort, ...decidedBy, cacheable: false };
}

interface Judgement {
  command: string[];
  evaluation: Evaluation;
  outcome: ExecOutcome;
  decidedBy: DecidingRule;
}

const severity: Record<ExecOutcome["action"], number> = { run: 0, ask: 1, deny: 2 };

/**
 * The first matching rule with the evaluation's (strictest) decision: its
 * justification, and its `file:line` where the rules API gives matches a
 * `source`.
 */
function decidingRule(evaluation: Evaluation): DecidingRule {
  const deciding: (RuleMatch & { source?: string }) | undefined = evaluation.matchedRules.find(
    (match) => match.prefixRuleMatch.decision === evaluation.decision,
  );
  return { justification: deciding?.prefixRuleMatch.justification ?? null, rule: deciding?.source ?? null };
}

function judge(
  { command, weight }: JudgedCommand,
  policy: ExecPolicy,
  approvalPolicy: ApprovalPolicy,
  environment: ReadonlyMap<string, string> | undefined,
): Judgement {
  const evaluation = evaluateCommand(policy, command, { resolveHostExecutables: true, environment });
  let outcome = outcomeOf(evaluation, command, approvalPolicy);
  if (weight === "rules" && outcome.action === "ask" && outcome.reason === NOT_KNOWN_SAFE_REASON) outcome = { action: "run", source: "heuristics" };
  return { command, evaluation, outcome, decidedBy: decidingRule(evaluation) };
}

/** The strictest judgement; on a tie, the earlier (the program as given comes first). */
function strictest(judgements: Judgement[]): Judgement {
  return judgements.reduce((worst, next) => (severity[next.outcome.action] > severity[worst.outcome.action] ? next : worst));
}

/**
 * Makes the function that decides each exec. Every command the exec is
 * judged as (`judgedCommands`: the program as given, the resolved
 * executable, the interpreter, the program a directly run loader loads) is
 * evaluated with the basename fallback, as written and in its canonical
 * forms, with the git aliases the exec's environment defines; the strictest
 * outcome wins (see `outcomeOf`). A forbidding rule's justification is the deny's reason. A
 * command approved for the session runs again without asking for as long as
 * the decider lives. A run is `cacheable` when `programDecisionCheck` finds
 * that every judged command runs whatever its arguments.
 */
export function createApprovalDecider(
  options: ApprovalDeciderOptions,
): (exec: ExecToDecide, onApprovalError?: ApprovalErrorHandler) => Promise<ExecDecision> {
  const { policy, approvalPolicy, requestApproval } = options;
  const approvedForSession = new Set<string>();
  const runsWhateverArguments = programDecisionCheck(policy, approvalPolicy);
  return async (exec, onApprovalError = options.onApprovalError) => {
    const approvalFailed = (message: string, approvalId: string, decidedBy: DecidingRule) => {
      try {
        onApprovalError?.(message);
      } catch {
        // Reporting is best effort; the deny stands either way.
      }
      return deny("user", APPROVAL_FAILED_REASON, decidedBy, approvalId);
    };
    if (exec.anonymous && !options.allowAnonymousExecutables) return deny("rule", ANONYMOUS_EXECUTABLE_REASON, NO_RULE);
    await initShellParser();
    const judged = judgedCommands(exec);
    const judgements = judged.map((command) => judge(command, policy, approvalPolicy, exec.environment));
    const { command, evaluation, outcome, decidedBy } = strictest(judgements);
    if (outcome.action === "run") return run(outcome.source, decidedBy, null, !exec.anonymous && runsWhateverArguments(judged));
    if (outcome.action === "deny") {
      // A forbidding rule says why in its own words; other denials keep the standard reasons.
      const reason = evaluation.decision === "forbidden" && decidedBy.justification !== null ? decidedBy.justification : outcome.reason;
      return deny(outcome.source, reason, decidedBy);
    }
    const sessionKey = JSON.stringify(judgements.map((judgement) => judgement.command));
    if (approvedForSession.has(sessionKey)) return run("user", decidedBy);
    if (requestApproval === undefined) return deny(outcome.source, NO_APPROVER_REASON, decidedBy);
    const approvalId = randomUUID();
    let answer: unknown;
    try {
      answer = await requestApproval({
        approvalId,
        callId: exec.callId ?? exec.requestId,
        command,
        cwd: exec.cwd,
        reason: outcome.reason,
        matchedRules: judgements.flatMap((judgement) => judgement.evaluation.matchedRules),
      });
    } catch (error) {
      return approvalFailed(`requestApproval threw: ${describeError(error)}`, approvalId, decidedBy);
    }
    if (typeof answer !== "string" || !ANSWERS.includes(answer)) {
      let shown: string;
      try {
        shown = JSON.stringify(answer) ?? String(answer);
      } catch {
        shown = "an unprintable value";
      }
      return approvalFailed(`requestApproval answered ${shown}, not one of ${ANSWERS.join(", ")}`, approvalId, decidedBy);
    }
    switch (answer as ApprovalAnswer) {
      case "approved":
        return run("user", decidedBy, approvalId);
      case "approved-for-session":
        approvedForSession.add(sessionKey);
        return run("user", decidedBy, approvalId);
      case "denied":
        return deny("user", USER_DENIED_REASON, decidedBy, approvalId);
      case "abort":
        return deny("user", USER_CANCELLED_REASON, decidedBy, approvalId, true);
    }
  };
}
