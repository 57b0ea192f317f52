/** The `cordon` command line (SPEC §8): dispatch, help, and how failures become exit statuses. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CordonError, UsageError } from "../errors.js";
import { packageRoot } from "../native/index.js";
import { EXIT_CORDON_FAILURE, type CliIO, type Command } from "./command.js";
import { policy } from "./policy.js";
import { run } from "./run.js";
import { seatbelt } from "./seatbelt.js";
import { shell } from "./shell.js";

export type { CliIO, Command } from "./command.js";
export { EXIT_CORDON_FAILURE } from "./command.js";

/** Every command, by name. Each lives in its own module. */
const commands: Record<string, Command> = {
  policy,
  run,
  seatbelt,
  shell,
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
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(help());
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-v") {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; see \`cordon --help\``);
    if (rest[0] === "--help") {
      io.stdout.write(`usage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CordonError) {
      io.stderr.write(`cordon: ${error.name}: ${error.message}\n`);
    } else {
      io.stderr.write(`cordon: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return EXIT_CORDON_FAILURE;
  }
}
