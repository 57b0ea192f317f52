/**
 * The Windows backend (SPEC §4). cordon enforces nothing on Windows, so every
 * policy that would need enforcement is refused; only danger-full-access runs
 * (the platform dispatcher runs it directly).
 */
import { UnsupportedOperationError } from "../errors.js";
import { hasFullDiskReadAccess, type SandboxPolicy } from "../policy/index.js";

/** Always throws: the reason a sandboxed command cannot run on Windows. */
export function prepareWindowsCommand(policy: SandboxPolicy): never {
  if (!hasFullDiskReadAccess(policy)) {
    throw new UnsupportedOperationError("Restricted read-only access is not yet supported by the Windows sandbox backend");
  }
  throw new UnsupportedOperationError(
    `The Windows sandbox backend cannot enforce a ${policy.type} policy (cordon has no Windows enforcement); only danger-full-access runs on win32`,
  );
}
