/**
 * `cordon shell`: run a script with every exec inside it decided by rules,
 * heuristics and (on a terminal) the person at it (SPEC §8). The bridge, the
 * rules engine and the schemas are loaded when the command runs, not before.
 */
import { fstatSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { constants } from "node:os";
import type { Readable } from "node:stream";
import type { ApprovalAnswer, ApprovalRequest } from "../approval/index.js";
import type { boundedArgv, ExecBridge, ExecDecisionRecord } from "../bridge/index.js";
import { UsageError } from "../errors.js";
import { parseCommandLine } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { SHELLS, usages } from "./help.js";
import { loadPolicyFlags, policyFlagOptions, type PolicyFlags } from "./policy-option.js";
import { envPolicyFrom, linuxOptionsFrom, runFlagOptions, type RunFlags } from "./run-flags.js";

const usage = usages.shell;

interface ShellOptions extends PolicyFlags, RunFlags {
  rules?: string[];
  "approval-policy"?: string;
  audit?: string;
  cwd?: string;
  shell?: string;
  script?: string;
}

/** `value` when it is one of `choices`, else a usage error naming the flag and the choices. */
function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag}: expected one of ${choices.join(", ")}, got ${JSON.stringify(value)}\nusage: ${usage}`);
}

/**
 * parseArgs already types every flag strictly; what is left to check are
 * the closed choices and the script. Checked by hand, not with a schema,
 * so that a call loads no schema library it does not need.
 */
async function parseOptions(args: string[]) {
  const { values, rest } = parseCommandLine<ShellOptions>(
    args,
    {
      ...policyFlagOptions,
      ...runFlagOptions,
      rules: { type: "string", multiple: true },
      "approval-policy": { type: "string" },
      audit: { type: "string" },
      cwd: { type: "string" },
      shell: { type: "string" },
      script: { type: "string", short: "c" },
    },
    usage,
  );
  if (rest.length > 0) throw new UsageError(`unexpected arguments ${JSON.stringify(rest)}\nusage: ${usage}`);
  if (values.script === undefined) throw new UsageError(`-c: -c SCRIPT is required\nusage: ${usage}`);
  const { APPROVAL_POLICIES } = await import("../approval/outcome.js");
  return {
    ...values,
    script: values.script,
    rules: values.rules ?? [],
    approvalPolicy: oneOf("--approval-policy", values["approval-policy"] ?? "on-request", APPROVAL_POLICIES),
    shell: oneOf("--shell", values.shell ?? "bash", SHELLS),
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

const ANSWERS: Record<string, ApprovalAnswer> = { y: "approved", a: "approved-for-session", n: "denied", abort: "abort" };

/**
 * Asks on the terminal, one question at a time (execs of a pipeline may need
 * approval at once). An empty line or end of input denies.
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
      io.stderr.write(`cordon: run ${JSON.stringify(request.command)} in ${JSON.stringify(request.cwd)}?\n`);
      if (request.reason) io.stderr.write(`  reason: ${request.reason}\n`);
      for (;;) {
        io.stderr.write("  [y]es, [a]lways this session, [n]o, abort: ");
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

/** An argument list longer than this is cut in the audit (whole leading arguments kept), so that a line stays short. */
const AUDIT_MAX_ARGV_BYTES = 16 * 1024;

/**
 * SPEC §8's audit line, with what explains a decision after it (additive): the command, and the rule's
 * justification and place; past AUDIT_MAX_ARGV_BYTES, `argv` and `command` hold the leading arguments and
 * `argvCut` the bytes cut and the SHA-256 of the whole argument list.
 */
function auditLine(decision: ExecDecisionRecord, cutArgv: typeof boundedArgv): string {
  const { approvalId, file, cwd, action, reason, source, ms, justification, rule } = decision;
  const { argv, command, cut } = cutArgv(decision, AUDIT_MAX_ARGV_BYTES);
  return `${JSON.stringify({ approvalId, file, argv, ...(cut && { argvCut: cut }), cwd, action, reason, source, ms, command, justification, rule })}\n`;
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
    const options = await parseOptions(args);
    const cwd = resolve(io.cwd, options.cwd ?? ".");
    const policy = await loadPolicyFlags(options, io);
    // The rules modules this needs, not the whole rules API (its printer, test runner and schemas).
    const [{ ExecBridge, boundedArgv }, { loadPolicy }, { EMPTY_EXEC_POLICY }] = await Promise.all([
      import("../bridge/index.js"),
      import("../rules/load.js"),
      import("../rules/policy.js"),
    ]);
    // Without rules files the bash parser is loaded on the first exec that needs it, not up front.
    const rules = options.rules.length > 0 ? await loadPolicy(options.rules) : EMPTY_EXEC_POLICY;
    const lines = io.stdin.isTTY ? createInterface({ input: io.stdin }) : null;
    const audit = await openAudit(options.audit);
    let auditWrites: Promise<unknown> = Promise.resolve();
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    let bridge: ExecBridge | undefined;
    try {
      bridge = await ExecBridge.start({
        rules,
        approvalPolicy: options.approvalPolicy,
        requestApproval: lines ? terminalApprover(io, lines) : undefined,
        onEvent(event) {
          if (event.type === "decision" && audit) auditWrites = auditWrites.then(() => audit.appendFile(auditLine(event.decision, boundedArgv)));
          if (event.type === "error") io.stderr.write(`cordon: exec bridge: ${event.message}\n`);
        },
      });
      // The script runs in its own process group, out of reach of the terminal's ^C; pass it on as an abort.
      process.on("SIGINT", interrupt);
      const result = await bridge.run({
        script: options.script,
        shell: options.shell,
        cwd,
        policy,
        env: io.env,
        envPolicy: envPolicyFrom(options),
        sandbox: { linux: linuxOptionsFrom(options) },
        signal: controller.signal,
        ...scriptInput(io),
        onOutput: ({ stream, chunk }) => io[stream].write(chunk),
      });
      if (result.aborted) io.stderr.write("cordon: the command was aborted\n");
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
