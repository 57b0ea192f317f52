/**
 * `cordon shell`: run a script with every exec inside it decided by rules,
 * heuristics and (on a terminal) the person at it (SPEC §8). The bridge, the
 * rules engine and the schemas are loaded when the command runs, not before.
 */
import { randomUUID } from "node:crypto";
import { fstatSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { constants } from "node:os";
import type { Readable } from "node:stream";
import type { ApprovalAnswer, ApprovalRequest } from "../approval/index.js";
import type { ExecBridge } from "../bridge/index.js";
import { UsageError } from "../errors.js";
import { excerpt, existingDirectory, parseCommandLine } from "./args.js";
import { AUDIT_MAX_ARGV_BYTES, auditLine, networkAuditLine } from "./audit.js";
import type { CliIO, Command } from "./command.js";
import { SHELLS, usages } from "./help.js";
import { loadPolicyFlags, policyFlagOptions, type PolicyFlags } from "./policy-option.js";
import { domainFlagsGiven, networkFlagOptions, networkOptionFrom, type NetworkFlags } from "./network-flags.js";
import { allowedUnixSocketsFrom, describeLimitReport, envPolicyFrom, limitsFrom, linuxOptionsFrom, runFlagOptions, type RunFlags } from "./run-flags.js";

const usage = usages.shell;

interface ShellOptions extends PolicyFlags, RunFlags, NetworkFlags {
  rules?: string[];
  "approval-policy"?: string;
  audit?: string;
  cwd?: string;
  shell?: string;
  script?: string;
  approvals?: string;
}

/** `--approvals`: whether a run where nothing can intercept execs is refused (the default) or run with what went unasked reported. */
const APPROVAL_LEVELS = ["required", "best-effort"] as const;

/** `value` when it is one of `choices`, else a usage error naming the flag and the choices. */
function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag}: expected one of ${choices.join(", ")}, got ${excerpt(JSON.stringify(value))}\nusage: ${usage}`);
}

/**
 * parseArgs already types every flag strictly; what is left to check are
 * the closed choices and the script. Checked by hand, not with a schema,
 * so that a call loads no schema library it does not need.
 */
async function parseOptions(args: string[], io: CliIO) {
  const { values, rest } = parseCommandLine<ShellOptions>(
    args,
    {
      ...policyFlagOptions,
      ...runFlagOptions,
      ...networkFlagOptions,
      rules: { type: "string", multiple: true },
      "approval-policy": { type: "string" },
      audit: { type: "string" },
      cwd: { type: "string" },
      shell: { type: "string" },
      script: { type: "string", short: "c" },
      approvals: { type: "string" },
    },
    usage,
    { bytes: io.exactArgs },
  );
  if (rest.length > 0) throw new UsageError(`unexpected arguments ${excerpt(JSON.stringify(rest))}\nusage: ${usage}`);
  if (values.script === undefined) throw new UsageError(`-c: -c SCRIPT is required\nusage: ${usage}`);
  const { APPROVAL_POLICIES } = await import("../approval/outcome.js");
  return {
    ...values,
    script: values.script,
    rules: values.rules ?? [],
    approvalPolicy: oneOf("--approval-policy", values["approval-policy"] ?? "on-request", APPROVAL_POLICIES),
    shell: oneOf("--shell", values.shell ?? "bash", SHELLS),
    approvals: oneOf("--approvals", values.approvals ?? "required", APPROVAL_LEVELS),
  };
}

/**
 * What the script reads. With a terminal, stdin belongs to the approval
 * prompts (the script runs in a process group of its own and could not read
 * the terminal anyway); otherwise cordon's own stdin is the script's, given
 * as the descriptor itself when it is this process's and no socket, or piped
 * in (a socket cannot be reopened through /dev/stdin, and bash takes a socket
 * on stdin for a remote shell and reads ~/.bashrc).
 */
function scriptInput(io: CliIO): { stdin: "ignore" | "inherit" } | { input: Readable } {
  if (io.stdin.isTTY) return { stdin: "ignore" };
  return io.stdin === process.stdin && !fstatSync(0).isSocket() ? { stdin: "inherit" } : { input: io.stdin };
}

// One letter each that no other answer starts with, so that a slip of the
// finger cannot approve for the whole session what was meant as an abort.
const ANSWERS: Record<string, ApprovalAnswer> = {
  y: "approved",
  yes: "approved",
  s: "approved-for-session",
  session: "approved-for-session",
  n: "denied",
  no: "denied",
  x: "abort",
  abort: "abort",
};
const QUESTION = "  [y]es / [s]ession: yes to this command for the rest of the run / [n]o / [x] abort the whole command [y/s/n/x, default N]: ";

/** What `cordon shell` exits with when an answer (or ^C) aborted the command, as a shell after ^C. */
const EXIT_ABORTED = 130;

/**
 * Asks on the terminal, one question at a time (execs of a pipeline may need
 * approval at once). An empty line or end of input denies (the default, N);
 * anything else not listed asks again.
 */
function terminalApprover(io: CliIO, lines: Interface): (request: ApprovalRequest) => Promise<ApprovalAnswer> {
  const pending: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  lines.on("line", (line) => (waiting.length > 0 ? waiting.shift()!(line) : pending.push(line)));
  lines.on("close", () => {
    ended = true;
    for (const wake of waiting.splice(0)) wake(null);
  });
  const nextLine = () =>
    pending.length > 0 ? Promise.resolve(pending.shift()!) : ended ? Promise.resolve(null) : new Promise<string | null>((r) => waiting.push(r));
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const asked = queue.then(async (): Promise<ApprovalAnswer> => {
      if (request.kind === "network") io.stderr.write(`cordon: allow ${request.protocol} connections to ${request.host}:${request.port}?\n`);
      else io.stderr.write(`cordon: run ${JSON.stringify(request.command)} in ${JSON.stringify(request.cwd)}?\n`);
      if (request.reason) io.stderr.write(`  reason: ${request.reason}\n`);
      for (;;) {
        io.stderr.write(QUESTION);
        const line = await nextLine();
        if (line === null) return "denied";
        const answer = ANSWERS[line.trim().toLowerCase()];
        if (answer) return answer;
        if (line.trim() === "") return "denied";
      }
    });
    queue = asked.catch(() => {});
    return asked;
  };
}

async function openAudit(path: string | undefined): Promise<FileHandle | null> {
  if (path === undefined) return null;
  try {
    return await open(path, "a");
  } catch (error) {
    throw new UsageError(`--audit: cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export const shell: Command = {
  async run(args, io) {
    const options = await parseOptions(args, io);
    const cwd = existingDirectory("--cwd", resolve(io.cwd, options.cwd ?? "."));
    const policy = await loadPolicyFlags(options, io, domainFlagsGiven(options));
    // The rules modules this needs, not the whole rules API (its printer, test runner and schemas).
    const [{ ExecBridge, boundedArgv }, { loadPolicy }, { EMPTY_EXEC_POLICY }, { compileNetworkDomains }] = await Promise.all([
      import("../bridge/index.js"),
      import("../rules/load.js"),
      import("../rules/policy.js"),
      import("../rules/network-domains.js"),
    ]);
    // Without rules files the bash parser is loaded on the first exec that needs it, not up front.
    const rules = options.rules.length > 0 ? await loadPolicy(options.rules) : EMPTY_EXEC_POLICY;
    const network = networkOptionFrom(options, policy, compileNetworkDomains(rules));
    const lines = io.stdin.isTTY ? createInterface({ input: io.stdin }) : null;
    const audit = await openAudit(options.audit);
    // Ties together the lines of this run in an audit file that many runs append to.
    const runId = randomUUID();
    let auditWrites: Promise<unknown> = Promise.resolve();
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    let bridge: ExecBridge | undefined;
    try {
      bridge = await ExecBridge.start({
        rules,
        approvalPolicy: options.approvalPolicy,
        approvals: options.approvals,
        requestApproval: lines ? terminalApprover(io, lines) : undefined,
        onEvent(event) {
          if (event.type === "decision" && audit) {
            const bounded = boundedArgv(event.decision, AUDIT_MAX_ARGV_BYTES);
            const line = auditLine(event.decision, { runId, time: new Date(), bounded });
            auditWrites = auditWrites.then(() => audit.appendFile(line));
          }
          if (event.type === "network" && audit) {
            const line = networkAuditLine(event.event);
            auditWrites = auditWrites.then(() => audit.appendFile(line));
          }
          if (event.type === "error") io.stderr.write(`cordon: exec bridge: ${event.message}\n`);
        },
      });
      // The script runs in its own process group, out of reach of the terminal's ^C; pass it on as an abort.
      process.on("SIGINT", interrupt);
      const limits = limitsFrom(options);
      const result = await bridge.run({
        script: options.script,
        shell: options.shell,
        cwd,
        policy,
        env: io.env,
        envPolicy: envPolicyFrom(options),
        sandbox: { linux: linuxOptionsFrom(options), allowUnixSockets: allowedUnixSocketsFrom(options, io.cwd) },
        limits,
        signal: controller.signal,
        network,
        // The network events carry it as their runId, as the exec lines do.
        callId: runId,
        ...scriptInput(io),
        onOutput: ({ stream, chunk }) => io[stream].write(chunk),
      });
      if (result.unasked !== null) io.stderr.write(`cordon: not asked (--approvals best-effort): ${result.unasked}\n`);
      io.stderr.write(describeLimitReport({ limitExceeded: result.limitExceeded, notEnforced: result.limitsNotEnforced }, limits));
      if (result.aborted) {
        io.stderr.write(`cordon: the command was aborted (exit status ${EXIT_ABORTED})\n`);
        return EXIT_ABORTED;
      }
      if (result.signal !== null) return 128 + constants.signals[result.signal];
      return result.exitCode ?? 0;
    } finally {
      process.off("SIGINT", interrupt);
      lines?.close();
      await bridge?.close();
      await auditWrites;
      await audit?.close();
    }
  },
};
