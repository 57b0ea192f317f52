/** The shapes the exec bridge shares with its host. */
import type { NetworkEvent } from "../network/index.js";

/** One exec a confined program asked to perform. */
export interface ExecRequest {
  /** The wrapper's fresh UUID for this exec. */
  requestId: string;
  /** The program, absolute: a relative `file` is joined to `cwd` as the kernel would. */
  file: string;
  /** The full argv, argv[0] included, exactly as it will run. */
  argv: string[];
  cwd: string;
  /** Who asked, according to the kernel (pid is null where the OS cannot tell). */
  peer: { pid: number | null; uid: number };
  /** The file with every symlink resolved, when the asking side could tell (the exec supervisor does). */
  executable: string | null;
  /** The interpreter that really runs: a `#!` line's, or a PT_INTERP other than the system loader. */
  interpreter: string | null;
  /** The program has no name on disk (a memfd, a deleted file). */
  anonymous: boolean;
  /** The process that asked to exec, as the supervisor names it (not the peer: that is the supervisor). */
  pid: number | null;
  /**
   * The variables of the exec's environment the bridge asked to see (the
   * rules' GIT_CONFIG_* names), by name, the first of duplicates; null when
   * the asking side sent none (a plain Codex wrapper).
   */
  environment: Readonly<Record<string, string>> | null;
  /**
   * The exact bytes, present only when `file`, `cwd` or an argv element is
   * not valid UTF-8 (the strings then hold U+FFFD in their place).
   */
  exact: { file: Buffer; cwd: Buffer; argv: Buffer[]; environment?: Buffer[] } | null;
}

/**
 * What a host's own `decide` returns. `abort: true` with a deny also stops the whole command of a `run`.
 * `cache: "program"` with a run says the answer holds for every exec of the same program (the same resolved
 * file, by device and inode, the same name and interpreter) in this run, whatever its arguments: the exec
 * supervisor then answers those execs itself and only reports them (`source: "cached"`). Say it only when no
 * argument could change the answer.
 */
export type HostDecision = { action: "run"; cache?: "program" } | { action: "deny"; reason: string; abort?: boolean };

/**
 * Where a decision came from: the rules, the built-in heuristics, a person, the host's `decide`, (`cached`) a
 * decision the exec supervisor kept for the program (SPEC §5), or (`launch`) the command a run itself starts,
 * which the host chose: it is let through unasked and never listed or reported.
 */
export type DecisionSource = "rule" | "heuristics" | "user" | "host" | "cached" | "launch";

/** The bridge's decision, before it is tied to a request. */
export interface DecisionOutcome {
  action: "run" | "deny";
  reason: string | null;
  source: DecisionSource;
  /** Set when a person was asked (each prompt has its own id). */
  approvalId: string | null;
  /** The whole command is to be stopped (an `abort` answer). */
  abort: boolean;
  /** The justification of the rule that decided, when a rule with one did. */
  justification: string | null;
  /** Where that rule was written (`file:line`), when the rules say. */
  rule: string | null;
  /** A run that holds for every exec of the same program in this run, whatever its arguments (SPEC §5): the supervisor may keep it. */
  cacheable?: boolean;
}

/** One decided exec, as reported to the host and listed by `run`. */
export interface ExecDecisionRecord extends DecisionOutcome, ExecRequest {
  /** The argv as a shell would print it (`git push origin main`), for messages and audit lines. */
  command: string;
  /** How long deciding took (a human's answer included). */
  ms: number;
}

/** What went wrong on one connection. */
export type BridgeErrorKind =
  | "peer-unknown"
  | "peer-uid"
  | "bad-json"
  | "bad-shape"
  | "not-utf8"
  | "oversize"
  | "timeout"
  | "trailing-data"
  | "eof"
  | "socket-error"
  | "decide-failed"
  /** `requestApproval` threw or answered something else; the exec was denied. */
  | "approval-failed"
  /** A host callback (`onOutput`, `onEvent`) threw; nothing else changed. */
  | "callback-failed";

export type ExecBridgeEvent =
  | { type: "decision"; decision: ExecDecisionRecord }
  /** A connection through a run's network proxy (SPEC §11) ended: allowed or refused, with the bytes each way. */
  | { type: "network"; event: NetworkEvent }
  /** A connection broke the protocol or could not be served; it was answered with a deny where possible. */
  | { type: "error"; kind: BridgeErrorKind; message: string; peer: { pid: number | null; uid: number } | null };
