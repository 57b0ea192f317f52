/** The `cordon` command line (SPEC §8): dispatch, help, and how failures become exit statuses. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CordonError, UsageError } from "../errors.js";
import { packageRoot } from "../native/index.js";
import { excerpt } from "./args.js";
import { EXIT_CORDON_FAILURE, type CliIO, type CommandEntry } from "./command.js";
import { policyUsage, runHelp, shellHelp, usages } from "./help.js";

export type { CliIO, Command } from "./command.js";
export { EXIT_CORDON_FAILURE } from "./command.js";

/** Every command, by name. */
const commands: Record<string, CommandEntry> = {
  policy: {
    summary: "inspect sandbox policies and test exec-policy rules",
    help: `usage: ${policyUsage}`,
    load: async () => (await import("./policy.js")).policy,
  },
  run: {
    summary: "run a command in the sandbox here (or print the plan with --dry-run)",
    help: runHelp,
    load: async () => (await import("./run.js")).run,
  },
  seatbelt: {
    summary: "print the macOS sandbox-exec program and arguments for a command (JSON)",
    help: `usage: ${usages.seatbelt}`,
    load: async () => (await import("./seatbelt.js")).seatbelt,
  },
  shell: {
    summary: "run a script with every exec decided by rules and approvals",
    help: shellHelp,
    load: async () => (await import("./shell.js")).shell,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

function help(): string {
  const lines = ["usage: cordon <command> [options]", "", "commands:"];
  for (const [name, command] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  lines.push("", "options:", "  --help     show this help (or a command's, after its name)", "  --version  print the version");
  return `${lines.join("\n")}\n`;
}

/** Runs the CLI with the given arguments; resolves to the exit status. */
export async function runCli(args: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = args;
  try {
    if (name === undefined) {
      // A usage error like any other: the help goes to stderr, stdout stays empty.
      io.stderr.write(`cordon: UsageError: no command given\n${help()}`);
      return EXIT_CORDON_FAILURE;
    }
    if (name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(help());
      return 0;
    }
    if (name === "--version" || name === "-v") {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!entry) throw new UsageError(`unknown command ${excerpt(JSON.stringify(name))}; see \`cordon --help\``);
    if (rest[0] === "--help" || rest[0] === "-h") {
      io.stdout.write(`${entry.help}\n`);
      return 0;
    }
    const command = await entry.load();
    return await command.run(rest, { ...io, exactArgs: io.exactArgs?.slice(1) });
  } catch (error) {
    if (error instanceof CordonError) {
      io.stderr.write(`cordon: ${error.name}: ${error.message}\n`);
    } else {
      io.stderr.write(`cordon: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return EXIT_CORDON_FAILURE;
  }
}
