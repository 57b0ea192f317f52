/**
 * The audit line of `cordon shell --audit` (SPEC §8), one JSON object per
 * decided exec. Pure: the time and the run's id are given.
 */
import type { BoundedArgv, ExecDecisionRecord } from "../bridge/index.js";
import type { NetworkEvent } from "../network/index.js";

/** The run a line belongs to, when its decision was made, and its argument list as the line may hold it. */
export interface AuditContext {
  runId: string;
  time: Date;
  /**
   * `boundedArgv(decision, AUDIT_MAX_ARGV_BYTES)`: past that, `argv` and
   * `command` hold the leading arguments and `argvCut` the bytes cut and the
   * SHA-256 of the whole list, so that a line stays short.
   */
  bounded: BoundedArgv;
}

/** An argument list longer than this is cut in the audit (whole leading arguments kept). */
export const AUDIT_MAX_ARGV_BYTES = 16 * 1024;

/** `exact` bytes that `text` does not hold, in the wire's base64; undefined when the string is exact. */
function wireBytes(exact: Buffer, text: string): string | undefined {
  return exact.equals(Buffer.from(text)) ? undefined : exact.toString("base64");
}

/**
 * SPEC §8's fields, then what explains a decision (additive): the command,
 * and the rule's justification and place. `pid` is the process in the
 * sandbox that asked to exec, as the host numbers it (the exec supervisor's
 * report; through EXEC_WRAPPER, the wrapper, which becomes the program).
 * `ms` is rounded to microseconds. Bytes that are not UTF-8 are kept as on
 * the wire: `file_b64`, `cwd_b64` and `argv_b64` beside the lossy strings.
 */
export function auditLine(decision: ExecDecisionRecord, context: AuditContext): string {
  const { approvalId, file, cwd, action, reason, source, justification, rule, exact } = decision;
  const { argv, command, cut } = context.bounded;
  const line = {
    time: context.time.toISOString(),
    runId: context.runId,
    pid: decision.pid ?? decision.peer.pid,
    approvalId,
    file,
    argv,
    ...(cut && { argvCut: cut }),
    cwd,
    action,
    reason,
    source,
    ms: Math.round(decision.ms * 1000) / 1000,
    command,
    justification,
    rule,
    file_b64: exact === null ? undefined : wireBytes(exact.file, file),
    cwd_b64: exact === null ? undefined : wireBytes(exact.cwd, cwd),
    argv_b64: exact === null || argv.every((arg, i) => wireBytes(exact.argv[i]!, arg) === undefined)
      ? undefined
      : exact.argv.slice(0, argv.length).map((bytes) => bytes.toString("base64")),
  };
  return `${JSON.stringify(line)}\n`;
}

/** SPEC §8's audit line for a connection through the network proxy. */
export function networkAuditLine(event: NetworkEvent): string {
  const { time, runId, host, port, protocol, action, reason } = event;
  return `${JSON.stringify({ time, runId, kind: "network", host, port, protocol, action, reason })}\n`;
}
