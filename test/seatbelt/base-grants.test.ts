/**
 * The grants Codex's base policy (codex-rs/core/src/seatbelt_base_policy.sbpl)
 * found real programs need, checked in every generated profile, whatever the
 * read policy: the inherited terminal, /dev/tty, and power management. File
 * grants are judged by evaluating the profile (evaluate-profile.ts); the
 * others by the rule itself. Test names follow Codex's base-policy tests
 * (base_policy_allows_node_cpu_sysctls and its neighbours).
 */
import { parseSandboxPolicy } from "../../src/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs } from "../../src/seatbelt/index.js";
import { profileEvaluator } from "./evaluate-profile.js";
import { flatFs, readSandboxExecArgs, rulesOf } from "./support.js";

const policies: [string, unknown][] = [
  ["full reads, read-only", { type: "read-only" }],
  ["restricted reads without platform defaults", { type: "read-only", access: { type: "restricted", include_platform_defaults: false } }],
  ["restricted reads with platform defaults", { type: "read-only", access: { type: "restricted" } }],
  ["workspace-write", { type: "workspace-write", writable_roots: [] }],
];

function argsFor(policy: unknown): string[] {
  const args = createSeatbeltCommandArgs(["true"], parseSandboxPolicy(policy), { cwd: "/w", env: {}, fs: flatFs, darwinUserCacheDir: null });
  expect(checkSeatbeltProfile(args)).toEqual([]);
  return args;
}

describe.each(policies)("base grants (%s)", (_name, policy) => {
  const args = argsFor(policy);
  const allows = profileEvaluator(args);
  const rules = rulesOf(readSandboxExecArgs(args).profile);

  test("base_policy_allows_inherited_tty_writes_and_ioctl: a terminal opened before the sandbox (no pty extension)", () => {
    for (const path of ["/dev/ttys000", "/dev/ttys012"]) {
      expect(allows({ operation: "file-write-data", path, vnodeType: "CHARACTER-DEVICE" })).toBe(true);
      expect(allows({ operation: "file-ioctl", path, vnodeType: "CHARACTER-DEVICE" })).toBe(true);
    }
  });

  test("the terminal grant is narrower than Codex's: character devices named exactly /dev/ttysN", () => {
    expect(allows({ operation: "file-write-data", path: "/dev/ttys000" })).toBe(false);
    expect(allows({ operation: "file-write-data", path: "/dev/ttys000x", vnodeType: "CHARACTER-DEVICE" })).toBe(false);
    expect(allows({ operation: "file-write-create", path: "/dev/ttys000", vnodeType: "CHARACTER-DEVICE" })).toBe(false);
    expect(allows({ operation: "file-write-data", path: "/dev/ttyp0", vnodeType: "CHARACTER-DEVICE" })).toBe(false);
  });

  test("a pty the command opens itself (with the pty extension) stays fully usable", () => {
    const request = { path: "/dev/ttys007", vnodeType: "CHARACTER-DEVICE" as const, extensions: ["com.apple.sandbox.pty"] };
    for (const operation of ["file-read-data", "file-write-data", "file-ioctl"]) expect(allows({ operation, ...request })).toBe(true);
    expect(allows({ operation: "file-ioctl", path: "/dev/ptmx", vnodeType: "CHARACTER-DEVICE" })).toBe(true);
  });

  test("/dev/tty: read, write and the echo-off ioctl, for ssh's and git's password prompts", () => {
    for (const operation of ["file-read-data", "file-write-data", "file-ioctl"]) {
      expect(allows({ operation, path: "/dev/tty", vnodeType: "CHARACTER-DEVICE" })).toBe(true);
    }
    expect(allows({ operation: "file-write-unlink", path: "/dev/tty", vnodeType: "CHARACTER-DEVICE" })).toBe(false);
  });

  test("writing to held descriptors by name (/dev/fd/N, /dev/stderr's target) and discarding into /dev/null and /dev/zero", () => {
    expect(allows({ operation: "file-write-data", path: "/dev/fd/2", vnodeType: "CHARACTER-DEVICE" })).toBe(true);
    expect(allows({ operation: "file-write-data", path: "/dev/null", vnodeType: "CHARACTER-DEVICE" })).toBe(true);
    expect(allows({ operation: "file-write-data", path: "/dev/zero", vnodeType: "CHARACTER-DEVICE" })).toBe(true);
    expect(allows({ operation: "file-write-data", path: "/dev/disk0", vnodeType: "CHARACTER-DEVICE" })).toBe(false);
  });

  test("base_policy_allows_power_management: iokit-open RootDomainUserClient and mach-lookup PowerManagement.control", () => {
    expect(rules).toContain('(allow iokit-open (iokit-registry-entry-class "RootDomainUserClient"))');
    expect(rules).toContain('(allow mach-lookup (global-name "com.apple.PowerManagement.control"))');
  });

  test("seatbelt_args_read_only_policy_keeps_preferences_read_access", () => {
    expect(rules).toContain("(allow user-preference-read)");
    expect(rules.join("\n")).not.toContain("user-preference-write");
  });
});
