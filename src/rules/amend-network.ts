/**
 * "Don't ask again" for the network: appends Codex's `network_rule(...)` line
 * to a rules file, with Codex's validation and error names. Network rules
 * are ordered (a later one overrides an earlier one for the same host), so
 * an identical earlier line does not stop the append.
 */
import { appendFile, mkdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { RulesError } from "../errors.js";
import { acquireLock, readIfExists, type AppendRuleOptions } from "./amend.js";
import { checkNetworkRule } from "./check.js";
import { EMPTY_EXEC_POLICY } from "./policy.js";
import { compileRulesText } from "./text-form.js";

/** Codex's names for why an amendment was refused. */
export type NetworkRuleAmendFailure = "EmptyNetworkHost" | "InvalidNetworkProtocol" | "InvalidNetworkDecision" | "InvalidNetworkRule";

/** A network rule that cannot be appended; `reason` is Codex's name for why. */
export class NetworkRuleAmendError extends RulesError {
  readonly reason: NetworkRuleAmendFailure;
  constructor(reason: NetworkRuleAmendFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface NetworkRuleAmendment {
  host: string;
  /** A protocol Codex's parser accepts: `http`, `https` (or `https_connect`, `http-connect`), `socks5_tcp`, `socks5_udp`. */
  protocol: string;
  /** `allow`, or `deny` (`forbidden`); a `prompt` is no answer to remember. */
  decision: string;
  justification?: string;
}

const PROTOCOLS = new Set(["http", "https", "https_connect", "http-connect", "socks5_tcp", "socks5_udp"]);

/** Appends the rule to `file` (created with its directories if missing). */
export async function appendNetworkRule(file: string, rule: NetworkRuleAmendment, options: AppendRuleOptions = {}): Promise<void> {
  if (typeof rule.host !== "string" || rule.host.trim() === "") throw new NetworkRuleAmendError("EmptyNetworkHost", "network rule host cannot be empty");
  if (!PROTOCOLS.has(rule.protocol)) {
    throw new NetworkRuleAmendError("InvalidNetworkProtocol", `network rule protocol must be one of http, https, socks5_tcp, socks5_udp (got ${JSON.stringify(rule.protocol)})`);
  }
  if (rule.decision !== "allow" && rule.decision !== "deny" && rule.decision !== "forbidden") {
    throw new NetworkRuleAmendError("InvalidNetworkDecision", `network rule decision must be "allow" or "deny" (got ${JSON.stringify(rule.decision)})`);
  }
  let checked;
  try {
    checked = checkNetworkRule({ ...rule }, () => "network rule");
  } catch (error) {
    throw new NetworkRuleAmendError("InvalidNetworkRule", `invalid network rule: ${(error as Error).message.replace(/^network rule: /, "")}`);
  }
  const fields = [
    `host=${JSON.stringify(checked.host)}`,
    `protocol=${JSON.stringify(checked.protocol)}`,
    `decision=${JSON.stringify(checked.decision === "forbidden" ? "deny" : "allow")}`,
    ...(checked.justification === undefined ? [] : [`justification=${JSON.stringify(checked.justification)}`]),
  ];
  const line = `network_rule(${fields.join(", ")})`;
  await mkdir(dirname(file), { recursive: true });
  const lockPath = `${file}.lock`;
  await acquireLock(lockPath, options);
  try {
    const existing = await readIfExists(file);
    const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
    try {
      compileRulesText(`${existing}${separator}${line}\n`, file, EMPTY_EXEC_POLICY);
    } catch (error) {
      throw new RulesError(`not adding a rule to ${file}, which does not load: ${(error as Error).message}`, { cause: error });
    }
    await appendFile(file, `${separator}${line}\n`);
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
