/**
 * The commands one exec is judged as (SPEC §5 "Rules see what really runs"):
 * the program as given, the file it resolves to, the interpreter that runs a
 * script, and the program the system loader is asked to load when the loader
 * itself is executed. Pure: from the exec's description to argv lists.
 */
import { isAbsolute, posix, resolve } from "node:path";

/** What an exec request says about the program that will run. */
export interface ExecProgram {
  /** The program as given (absolute, or relative to `cwd`). */
  file: string;
  argv: readonly string[];
  cwd: string;
  /** The file with every symlink resolved, when known. */
  executable?: string | null;
  /** A `#!` interpreter, or a PT_INTERP other than the system loader. */
  interpreter?: string | null;
  /** The variables of the exec's environment the rules asked for (GIT_CONFIG_*), when they were read. */
  environment?: ReadonlyMap<string, string>;
}

/**
 * How much a command counts. `full`: rules and every heuristic, like the
 * program as given. `rules`: rules, and the heuristics only when they find
 * the command destructive; a name no list knows (a resolved `python3.11`,
 * an interpreter) must not turn a known-safe command into a question.
 */
export type Weight = "full" | "rules";

export interface JudgedCommand {
  command: string[];
  weight: Weight;
}

/** glibc's and musl's dynamic loaders, which run the program named by their first non-option argument. */
const LOADER_NAME = /^(?:ld-linux[^/]*\.so[^/]*|ld-musl[^/]*|ld\.so(?:\.\d+)?)$/;

/** Loader options that take a value (glibc and musl); every other option stands alone. */
const LOADER_OPTIONS_WITH_VALUE = new Set([
  "--library-path",
  "--inhibit-rpath",
  "--audit",
  "--preload",
  "--argv0",
  "--glibc-hwcaps-prepend",
  "--glibc-hwcaps-mask",
]);

export function isSystemLoader(path: string): boolean {
  return LOADER_NAME.test(posix.basename(path));
}

/** The command a loader invocation runs (`ld.so [options] prog args` → `[prog, ...args]`), or null when it runs none. */
function loadedCommand(args: readonly string[], cwd: string): string[] | null {
  let i = 0;
  while (i < args.length && args[i]!.startsWith("--")) {
    const option = args[i]!;
    if (option === "--") {
      i += 1;
      break;
    }
    i += LOADER_OPTIONS_WITH_VALUE.has(option) ? 2 : 1;
  }
  const program = args[i];
  if (program === undefined || program === "") return null;
  // The loader opens a name with a slash relative to cwd; a bare name is judged by its rules, as `env prog` is.
  const resolved = program.includes("/") && !isAbsolute(program) ? resolve(cwd, program) : program;
  return [resolved, ...args.slice(i + 1)];
}

export function judgedCommands(exec: ExecProgram): JudgedCommand[] {
  const file = isAbsolute(exec.file) ? exec.file : resolve(exec.cwd, exec.file);
  const args = exec.argv.slice(1);
  const judged: JudgedCommand[] = [{ command: [file, ...args], weight: "full" }];
  const executable = exec.executable ?? null;
  if (executable !== null && executable !== file) judged.push({ command: [executable, ...args], weight: "rules" });
  if (exec.interpreter) judged.push({ command: [exec.interpreter, file, ...args], weight: "rules" });
  if (isSystemLoader(file) || (executable !== null && isSystemLoader(executable))) {
    const loaded = loadedCommand(args, exec.cwd);
    if (loaded !== null) judged.push({ command: loaded, weight: "full" });
  }
  return judged;
}
