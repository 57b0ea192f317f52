/**
 * One error class per failure family. Each has a stable `code` that hosts can
 * switch on; messages are for people and may improve over time.
 */
export class CordonError extends Error {
  readonly code: string;
  constructor(name: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.code = code;
  }
}

/** A sandbox policy (JSON or object) is malformed; the message names the field. */
export class PolicyError extends CordonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PolicyError", "ERR_CORDON_POLICY", message, options);
  }
}

/** This host cannot enforce what was asked; nothing was run. */
export class UnsupportedOperationError extends CordonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UnsupportedOperation", "ERR_CORDON_UNSUPPORTED", message, options);
  }
}

/** The native addon or one of the native executables is missing or failed. */
export class NativeError extends CordonError {
  /** The errno name (`EACCES`, ...) when a system call failed. */
  readonly errnoName: string | undefined;
  constructor(message: string, options?: { cause?: unknown; errnoName?: string }) {
    super("NativeError", "ERR_CORDON_NATIVE", message, options);
    this.errnoName = options?.errnoName;
  }
}

/** A rules file (or its JSON form) is malformed, or some of its examples fail. */
export class RulesError extends CordonError {
  /** Every problem found, one message each (the examples of a file are all run); the message joins them. */
  readonly problems: readonly string[];
  constructor(message: string, options?: { cause?: unknown; problems?: readonly string[] }) {
    super("RulesError", "ERR_CORDON_RULES", message, options);
    this.problems = options?.problems ?? [message];
  }
}

/** The exec bridge could not start, or a peer broke the protocol. */
export class BridgeError extends CordonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("BridgeError", "ERR_CORDON_BRIDGE", message, options);
  }
}

/** The network proxy could not start, or a network policy cannot be applied. */
export class NetworkError extends CordonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("NetworkError", "ERR_CORDON_NETWORK", message, options);
  }
}

/** Command-line usage errors (unknown flags, missing values). */
export class UsageError extends CordonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UsageError", "ERR_CORDON_USAGE", message, options);
  }
}

/** The message of anything thrown, for an error event; never throws itself, whatever was thrown. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unprintable value was thrown";
  }
}
