/** Questions about what a policy grants, asked by every backend. */
import type { ReadOnlyAccess, SandboxPolicy } from "./schema.js";

/** The read access of a policy (danger-full-access and external-sandbox read everywhere). */
export function readOnlyAccessOf(policy: SandboxPolicy): ReadOnlyAccess {
  switch (policy.type) {
    case "read-only":
      return policy.access;
    case "workspace-write":
      return policy.readOnlyAccess;
    default:
      return { type: "full-access" };
  }
}

export function hasFullDiskReadAccess(policy: SandboxPolicy): boolean {
  return readOnlyAccessOf(policy).type === "full-access";
}

export function hasFullDiskWriteAccess(policy: SandboxPolicy): boolean {
  return policy.type === "danger-full-access" || policy.type === "external-sandbox";
}

export function hasFullNetworkAccess(policy: SandboxPolicy): boolean {
  switch (policy.type) {
    case "danger-full-access":
      return true;
    case "external-sandbox":
      return policy.networkAccess === "enabled";
    default:
      return policy.networkAccess;
  }
}
