/** Whether this host's Landlock can confine writes, decided before anything is spawned. */
import { UnsupportedOperationError } from "../errors.js";
import type { LandlockProbe } from "../native/index.js";
import { protectionLevels, type LinuxSandboxOptions } from "./options.js";

/**
 * Before ABI 3 Landlock does not handle truncation, so a file outside the
 * writable roots could still be emptied. The launcher enforces the same
 * minimum on its own; this check only lets the library refuse early.
 */
export const MINIMUM_LANDLOCK_ABI = 3;

/** Throws UnsupportedOperationError when Landlock is required and `probe` shows it cannot be enforced. */
export function checkLandlockSupport(probe: LandlockProbe, sandbox: LinuxSandboxOptions = {}): void {
  if (protectionLevels(sandbox).landlock === "best-effort") return;
  const simulated = sandbox.simulateLandlockAbi;
  const abi = simulated !== undefined && simulated < probe.abi ? simulated : probe.abi;
  const optOut = 'set the linux option landlock: "best-effort" to run without it';
  if (abi === 0) {
    const reason = probe.abi === 0 ? probe.reason : "simulated";
    throw new UnsupportedOperationError(
      `The Linux sandbox backend needs Landlock, which this host does not provide (${reason}); nothing was run (${optOut})`,
    );
  }
  if (abi < MINIMUM_LANDLOCK_ABI) {
    throw new UnsupportedOperationError(
      `The Linux sandbox backend needs Landlock ABI ${MINIMUM_LANDLOCK_ABI} or newer to confine writes; this host has ABI ${abi}; nothing was run (${optOut})`,
    );
  }
}
