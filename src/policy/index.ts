/** The sandbox policy model (SPEC §2): parsing, wire form, and the roots a policy grants. */
export {
  parseSandboxPolicy,
  parseSandboxPolicyJson,
  toCodexJson,
  READ_ONLY_POLICY,
  type SandboxPolicy,
  type ReadOnlyAccess,
  type WorkspaceWritePolicy,
  type SandboxPolicyInput,
  type SandboxPolicyModelInput,
  type CodexSandboxPolicyInput,
  policyFromInput,
} from "./schema.js";
export { writableRoots, readableRoots, checkWritableRootsExist, DEFAULT_PROTECTED_NAMES, type WritableRoot, type RootOptions } from "./roots.js";
export { hasFullDiskReadAccess, hasFullDiskWriteAccess, hasFullNetworkAccess, readOnlyAccessOf } from "./access.js";
export { canonicalPath, nodePathInspector, type PathInspector } from "./paths.js";
