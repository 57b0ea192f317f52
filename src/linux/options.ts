/** What a caller may tune about the Linux sandbox, and how strictly each protection is demanded. */

/**
 * How strictly a protection is demanded, after the compatibility levels of
 * the Rust `landlock` crate:
 * - `"required"` (the default): when this host cannot apply it, nothing runs
 *   and the launcher exits 125 naming the protection;
 * - `"best-effort"`: the launcher warns on stderr and runs the command without
 *   it. An explicit, named opt-out: the command then has broader access than
 *   the policy describes.
 */
export type ProtectionLevel = "required" | "best-effort";

/** What the Linux backend does with a policy that restricts reads. */
export type RestrictedReadsMode = "refuse" | "enforce";

export interface LinuxSandboxOptions {
  /** Landlock: writes only under the writable roots (needs Landlock ABI 3 or newer). */
  landlock?: ProtectionLevel;
  /** The seccomp filter: the network cut-off, io_uring, ptrace and mount calls. */
  seccomp?: ProtectionLevel;
  /** `.git` and the protected names bound read-only in a private mount namespace. */
  readOnlySubpaths?: ProtectionLevel;
  /**
   * Modes, owners, times and extended attributes of files outside the writable
   * roots, which Landlock does not confine: with writable roots the mount tree
   * is made read-only in a private mount namespace except for them; without
   * (read-only), the seccomp filter refuses every call that changes them.
   */
  fileMetadata?: ProtectionLevel;
  /**
   * Only the terminal the command was given: a private `/dev` with its own
   * devpts instance (mount namespace), so the host's other `/dev/pts/N`
   * cannot be opened. The new session (no controlling terminal) and the
   * seccomp refusal of `TIOCSTI` and the other terminal ioctls hold anyway.
   */
  terminal?: ProtectionLevel;
  /**
   * Without network, a network namespace of the sandbox's own: abstract Unix
   * socket names cannot be bound (squatted) or reached on the host, network
   * devices stay inside. Landlock ABI 6 alone only keeps the command from
   * reaching the host's abstract sockets.
   */
  networkNamespace?: ProtectionLevel;
  /**
   * Behave as if the kernel's Landlock ABI were this number (0: no Landlock).
   * It can only lower the real ABI; it exists to exercise the fail-closed paths.
   */
  simulateLandlockAbi?: number;
  /**
   * Behave as on a host that allows no namespace (Docker's default seccomp
   * profile, an AppArmor user-namespace restriction): the fail-closed and
   * fall-back paths (subreaper, seccomp for IPC and process calls).
   */
  simulateNoNamespaces?: boolean;
  /**
   * Policies with restricted reads (`ReadOnlyAccess.restricted`):
   * - `"refuse"` (the default): UnsupportedOperationError, nothing spawned;
   * - `"enforce"`: Landlock grants reads only beneath the readable paths and,
   *   where a mount namespace can be made, the command sees a fresh root that
   *   holds only them. Without a namespace Landlock alone applies and the
   *   launcher warns that names outside stay visible; without Landlock it
   *   refuses (exit 125), whatever the `landlock` level.
   */
  restrictedReads?: RestrictedReadsMode;
  /**
   * Resource limits (`limits` of the spawn): `"required"` (the default) refuses
   * a run whose explicitly asked limits this host cannot enforce;
   * `"best-effort"` runs without them and says so. The default pids limit is
   * always best-effort.
   */
  limits?: ProtectionLevel;
  /** The launcher executable (default: `cordon-linux-sandbox` as built with the package). */
  launcherPath?: string;
}

/** The protections, by option name, with the name the launcher knows them by. */
export const PROTECTIONS = {
  landlock: "landlock",
  seccomp: "seccomp",
  readOnlySubpaths: "read-only-subpaths",
  fileMetadata: "file-metadata",
  terminal: "terminal",
  networkNamespace: "network-namespace",
} as const;

export type Protection = keyof typeof PROTECTIONS;

/** The level of each protection, the defaults filled in; rejects anything else. */
export function protectionLevels(options: LinuxSandboxOptions = {}): Record<Protection, ProtectionLevel> {
  const levels = {} as Record<Protection, ProtectionLevel>;
  for (const protection of Object.keys(PROTECTIONS) as Protection[]) {
    const level = options[protection] ?? "required";
    if (level !== "required" && level !== "best-effort") {
      throw new TypeError(`linux.${protection} must be "required" or "best-effort", got ${JSON.stringify(level)}`);
    }
    levels[protection] = level;
  }
  const abi = options.simulateLandlockAbi;
  if (abi !== undefined && !(Number.isInteger(abi) && abi >= 0)) {
    throw new TypeError(`linux.simulateLandlockAbi must be a whole number from 0, got ${JSON.stringify(abi)}`);
  }
  const simulated = options.simulateNoNamespaces;
  if (simulated !== undefined && typeof simulated !== "boolean") {
    throw new TypeError(`linux.simulateNoNamespaces must be a boolean, got ${JSON.stringify(simulated)}`);
  }
  const limits = options.limits;
  if (limits !== undefined && limits !== "required" && limits !== "best-effort") {
    throw new TypeError(`linux.limits must be "required" or "best-effort", got ${JSON.stringify(limits)}`);
  }
  return levels;
}

/** What to do with restricted reads (default `"refuse"`); rejects anything else. */
export function restrictedReadsMode(options: LinuxSandboxOptions = {}): RestrictedReadsMode {
  const mode = options.restrictedReads ?? "refuse";
  if (mode !== "refuse" && mode !== "enforce") {
    throw new TypeError(`linux.restrictedReads must be "refuse" or "enforce", got ${JSON.stringify(mode)}`);
  }
  return mode;
}
