/** The exec bridge (SPEC §5): ask the host before every exec of a confined program. */
export {
  ExecBridge,
  NATIVE_WRAPPER_NAME,
  type ExecBridgeOptions,
  type ExecBridgeSettings,
  type ExecDeciderOptions,
} from "./server.js";
export type { Channel, ChannelHooks } from "./channel.js";
export type { RulesDecisionOptions } from "./rules-decider.js";
export type { HostDecide } from "./host-decider.js";
export type {
  BridgeErrorKind,
  DecisionSource,
  ExecBridgeEvent,
  ExecDecisionRecord,
  ExecRequest,
  HostDecision,
} from "./types.js";
export { DEFAULT_MAX_BUFFER, type ShellOutput, type ShellRun, type ShellRunOptions, type ShellRunResult } from "./run.js";
export { commandText } from "./command-text.js";
export { NETWORK_NO_APPROVER_REASON, NETWORK_USER_DENIED_REASON, type RunNetworkOptions } from "./run-network.js";
export { MAX_MESSAGE_BYTES } from "./protocol.js";
export { boundedArgv, MAX_ARGV_BYTES, MAX_REQUEST_LINE_BYTES, MAX_RUN_DECISION_BYTES, MAX_RUN_DECISIONS, type BoundedArgv } from "./limits.js";
export { maybeRunExecWrapperMode, type WrapperModeOptions } from "./wrapper-mode.js";
