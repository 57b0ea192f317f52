/** The variables that route a confined program's execs through the bridge (SPEC §5). */

export interface BridgeEnvironmentInput {
  socketPath: string;
  /** The program a patched shell runs for every exec. */
  wrapperPath: string;
  /** The wrapper is the cordon Node entry, which needs CORDON_EXEC_WRAPPER_MODE=1 to act as one. */
  nodeWrapper: boolean;
}

export function bridgeEnvironment(input: BridgeEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    EXEC_WRAPPER: input.wrapperPath,
    CORDON_EXEC_SOCKET: input.socketPath,
  };
  if (input.nodeWrapper) env.CORDON_EXEC_WRAPPER_MODE = "1";
  return env;
}
