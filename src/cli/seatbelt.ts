/** `cordon seatbelt`: print the sandbox-exec invocation for a command, on any OS. */
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { createSeatbeltCommandArgs, SANDBOX_EXEC_PATH } from "../seatbelt/index.js";
import { parseCommandLine } from "./args.js";
import type { Command } from "./command.js";
import { usages } from "./help.js";
import { loadPolicyOption } from "./policy-option.js";

const usage = usages.seatbelt;

export const seatbelt: Command = {
  async run(args, io) {
    const { values, rest } = parseCommandLine<{ policy?: string; cwd?: string; "allow-unix-socket"?: string[] }>(
      args,
      { policy: { type: "string" }, cwd: { type: "string" }, "allow-unix-socket": { type: "string", multiple: true } },
      usage,
      { bytes: io.exactArgs },
    );
    if (rest.length === 0) throw new UsageError(`no command given after --\nusage: ${usage}`);
    const policy = await loadPolicyOption(values.policy, io.stdin);
    const cwd = resolve(io.cwd, values.cwd ?? ".");
    const sockets = (values["allow-unix-socket"] ?? []).map((socket) => resolve(io.cwd, socket));
    const sandboxArgs = createSeatbeltCommandArgs(rest, policy, { cwd, allowUnixSockets: sockets, env: io.env });
    io.stdout.write(`${JSON.stringify({ program: SANDBOX_EXEC_PATH, args: sandboxArgs })}\n`);
    return 0;
  },
};
