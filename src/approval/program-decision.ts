/**
 * Which "run" decisions hold for every argument list of their program (SPEC
 * §5 "Decisions the supervisor may keep"). The exec supervisor answers such
 * execs itself, so the answer must be one no rule and no heuristic could
 * give differently for other arguments: the check errs towards "no". Pure:
 * from the policy and an exec's judged commands to a yes or no.
 */
import { posix } from "node:path";
import {
  dashedReading,
  grammarFor,
  grammarName,
  programHeuristics,
  shippedGrammars,
  type ExecPolicy,
  type ProgramHeuristics,
} from "../rules/index.js";
import { isSystemLoader, type JudgedCommand } from "./judged-commands.js";
import type { ApprovalPolicy } from "./outcome.js";

/**
 * Whether every command an exec is judged as (`judgedCommands`) runs
 * whatever its arguments and environment.
 */
export type ProgramDecisionCheck = (commands: readonly JudgedCommand[]) => boolean;

/**
 * How many programs' answers a policy remembers; past that it forgets them
 * all and starts again, since the names come from inside the sandbox.
 */
const REMEMBERED_PROGRAMS = 1024;

interface PolicyPrograms {
  /**
   * Every name the rules engine looks a program up by: the programs of the
   * prefix rules (exact and basename fallback alike), host_executable names,
   * and the policy's and the shipped command grammars (git and cargo aliases
   * are read through a grammar, so these cover them).
   */
  named: ReadonlySet<string>;
  /** What `programKind` found for the programs seen so far. */
  known: Map<string, ProgramHeuristics>;
}

/** Made once per policy and shared by its deciders: the check runs on every exec. */
const programsOfPolicy = new WeakMap<ExecPolicy, PolicyPrograms>();

function programsOf(policy: ExecPolicy): PolicyPrograms {
  let programs = programsOfPolicy.get(policy);
  if (programs === undefined) {
    const named = new Set([...policy.rulesByProgram.keys(), ...policy.hostExecutables.keys(), ...policy.grammars.keys(), ...shippedGrammars().keys()]);
    programs = { named, known: new Map() };
    programsOfPolicy.set(policy, programs);
  }
  return programs;
}

/**
 * `by-arguments` when the decision about a program could depend on its
 * arguments: it is a system loader (which runs whatever its arguments name),
 * or a name the rules engine looks it up by is named by a rule, a
 * host_executable entry or a command grammar (a dashed one such as
 * `git-push` included). Otherwise what the heuristics make of its basename,
 * as they take it.
 */
function programKind(policy: ExecPolicy, named: ReadonlySet<string>, program: string): ProgramHeuristics {
  if (isSystemLoader(program)) return "by-arguments";
  // The names the rules engine looks it up by: exactly as written (rules), the basename of the
  // normalised path (the rules' basename fallback, host_executable) and the part after the last
  // slash (grammars).
  const names = [program, posix.basename(posix.normalize(program)), grammarName(program)];
  if (names.some((name) => named.has(name))) return "by-arguments";
  if (dashedReading([program], (name) => grammarFor(policy, name)) !== null) return "by-arguments";
  return programHeuristics(posix.basename(program));
}

/**
 * Makes the check for one policy and approval policy. A judged command runs
 * whatever its arguments when its program is not `by-arguments` (see
 * `programKind`) and either the known-safe list accepts it whatever the
 * arguments, or no heuristic looks at it and the approval policy runs it
 * (`untrusted` asks about the program as given, so there only the commands
 * of weight `rules` run).
 */
export function programDecisionCheck(policy: ExecPolicy, approvalPolicy: ApprovalPolicy): ProgramDecisionCheck {
  const { named, known } = programsOf(policy);
  const kindOf = (program: string): ProgramHeuristics => {
    let kind = known.get(program);
    if (kind === undefined) {
      if (known.size >= REMEMBERED_PROGRAMS) known.clear();
      kind = programKind(policy, named, program);
      known.set(program, kind);
    }
    return kind;
  };
  const runsWhateverArguments = ({ command, weight }: JudgedCommand): boolean => {
    const program = command[0];
    if (program === undefined) return false;
    const kind = kindOf(program);
    return kind === "always-safe" || (kind === "unknown" && (approvalPolicy !== "untrusted" || weight === "rules"));
  };
  return (commands) => commands.length > 0 && commands.every(runsWhateverArguments);
}
