/** The variables that route a confined program's execs through the bridge (SPEC §5). */

export interface BridgeEnvironmentInput {
  socketPath: string;
  /** The program a patched shell runs for every exec. */
  wrapperPath: string;
  /** The wrapper is the cordon Node entry, which needs CORDON_EXEC_WRAPPER_MODE=1 to act as one. */
  nodeWrapper: boolean;
  /** The variables of each exec's environment the wrapper sends (`NAME`, or `NAME*` for a prefix). */
  environmentNames: readonly string[];
}

/** The separator of CORDON_EXEC_ENVIRONMENT's names (no variable name holds one). */
const NAME_SEPARATOR = ":";

/** The `NAME=VALUE` entries of `env` whose names CORDON_EXEC_ENVIRONMENT asks for (`NAME*` is a prefix), in order; undefined when it is not set. */
export function wantedEnvironment(env: NodeJS.ProcessEnv): string[] | undefined {
  const asked = env.CORDON_EXEC_ENVIRONMENT;
  if (asked === undefined) return undefined;
  const names = asked.split(NAME_SEPARATOR).filter((name) => name !== "");
  const wanted = (name: string) =>
    names.some((asked) => (asked.endsWith("*") ? name.startsWith(asked.slice(0, -1)) : name === asked));
  return Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && wanted(entry[0]))
    .map(([name, value]) => `${name}=${value}`);
}

export function bridgeEnvironment(input: BridgeEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    EXEC_WRAPPER: input.wrapperPath,
    CORDON_EXEC_SOCKET: input.socketPath,
    CORDON_EXEC_ENVIRONMENT: input.environmentNames.join(NAME_SEPARATOR),
  };
  if (input.nodeWrapper) env.CORDON_EXEC_WRAPPER_MODE = "1";
  return env;
}
