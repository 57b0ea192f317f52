/**
 * Wrapper mode: the `cordon` executable acting as EXEC_WRAPPER
 * (CORDON_EXEC_WRAPPER_MODE=1, invoked as `cordon <file> <argv0> <args...>`).
 * Same contract as the native wrapper: run → become the program in place;
 * deny → 126; any failure → 125 with nothing run.
 */
import { NativeError } from "../errors.js";
import { execve } from "../native/index.js";
import { askExecServer } from "./client.js";
import { wantedEnvironment } from "./environment.js";

const EXIT_DENIED = 126;
const EXIT_CORDON_FAILURE = 125;

export interface WrapperModeOptions {
  /** The arguments after the executable and script. Default process.argv.slice(2). */
  argv?: string[];
  /** Default process.env; it is also the environment the program runs with. */
  env?: NodeJS.ProcessEnv;
}

/**
 * An invocation the interposer or a patched shell makes always names a path
 * (absolute once resolved), never a bare word like the CLI's command names,
 * so `cordon policy show` run inside a confined shell stays a CLI call.
 */
function wrapperInvocation(argv: string[]): { file: string; argv: string[] } | null {
  const [file, ...programArgv] = argv;
  if (file === undefined || !file.includes("/") || programArgv.length === 0) return null;
  return { file, argv: programArgv };
}

function exitWith(status: number, message: string): never {
  process.stderr.write(`cordon: ${message}\n`);
  process.exit(status);
}

/**
 * Returns false when this process is not in wrapper mode. Otherwise it does
 * not return: it becomes the approved program, or exits 126 or 125.
 */
export async function maybeRunExecWrapperMode(options: WrapperModeOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  if (env.CORDON_EXEC_WRAPPER_MODE !== "1") return false;
  const invocation = wrapperInvocation(options.argv ?? process.argv.slice(2));
  if (invocation === null) return false;

  const socketPath = env.CORDON_EXEC_SOCKET;
  if (!socketPath) exitWith(EXIT_CORDON_FAILURE, `CORDON_EXEC_SOCKET is not set, so ${invocation.file} cannot be approved; refusing to run it`);
  let answer;
  try {
    // process.cwd() throws when the directory was removed; that too is a failure before anything runs.
    answer = await askExecServer(socketPath, { ...invocation, cwd: process.cwd(), environment: wantedEnvironment(env) });
  } catch (error) {
    exitWith(EXIT_CORDON_FAILURE, (error as Error).message);
  }
  if (answer.action === "deny") exitWith(EXIT_DENIED, `execution denied: ${answer.reason ?? "no reason given"}`);
  try {
    execve(invocation.file, invocation.argv, env);
  } catch (error) {
    const notFound = error instanceof NativeError && error.errnoName === "ENOENT";
    exitWith(notFound ? 127 : 126, `cannot execute ${invocation.file}: ${(error as Error).message}`);
  }
}
