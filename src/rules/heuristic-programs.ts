/**
 * What the heuristics for commands no rule names (the known-safe list, the
 * dangerous list, the `bash -lc` splitter) make of a program by its name
 * alone: whether their answer could change with the arguments. Pure.
 */
import { DANGER_CHECKED_PROGRAMS } from "./dangerous-commands.js";
import { ALWAYS_SAFE_PROGRAMS, SAFE_WITH_SOME_ARGUMENTS_PROGRAMS } from "./safe-commands.js";
import { SPLIT_SHELLS } from "./shell-split.js";

/**
 * `always-safe`: the known-safe list accepts the program whatever its
 * arguments; `by-arguments`: some heuristic's answer depends on them;
 * `unknown`: no heuristic looks at the program, so the approval policy alone
 * decides.
 */
export type ProgramHeuristics = "always-safe" | "by-arguments" | "unknown";

/** The heuristics' view of a program, by the basename they look at (`posix.basename` of the program). */
export function programHeuristics(basename: string): ProgramHeuristics {
  if (SAFE_WITH_SOME_ARGUMENTS_PROGRAMS.has(basename) || DANGER_CHECKED_PROGRAMS.has(basename) || SPLIT_SHELLS.has(basename)) {
    return "by-arguments";
  }
  return ALWAYS_SAFE_PROGRAMS.has(basename) ? "always-safe" : "unknown";
}
