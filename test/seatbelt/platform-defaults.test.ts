/**
 * Restricted reads on macOS, judged by evaluating the generated profile
 * (evaluate-profile.ts) for concrete paths: nothing on the data volume is
 * readable unless a readable root grants it, and every path Codex's platform
 * defaults (codex-rs/core/src/seatbelt_platform_defaults.sbpl, as narrowed
 * by its PR #11798) grant gets cordon's answer, with the difference named
 * where cordon answers otherwise.
 */
import fc from "fast-check";
import { parseSandboxPolicy } from "../../src/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs } from "../../src/seatbelt/index.js";
import { profileEvaluator, type FileRequest, type VnodeType } from "./evaluate-profile.js";
import { flatFs } from "./support.js";

function evaluatorFor(policy: unknown): (request: FileRequest) => boolean {
  const args = createSeatbeltCommandArgs(["true"], parseSandboxPolicy(policy), { cwd: "/w", env: {}, fs: flatFs, darwinUserCacheDir: null });
  expect(checkSeatbeltProfile(args)).toEqual([]);
  return profileEvaluator(args);
}

const restrictedReadOnly = { type: "read-only", access: { type: "restricted" } };
const restrictedWorkspace = {
  type: "workspace-write",
  writable_roots: [],
  read_only_access: { type: "restricted", readable_roots: ["/opt/data"] },
};
const dataVolume = "/System/Volumes/Data";
/** The firmlink parents whose metadata (never contents) the platform defaults let programs stat. */
const firmlinkParents = [`${dataVolume}/private`, `${dataVolume}/Users`];

const fileOperations = [
  "file-read-data",
  "file-read-xattr",
  "file-read-metadata",
  "file-test-existence",
  "file-write-data",
  "file-write-create",
  "file-write-unlink",
  "file-map-executable",
  "file-ioctl",
];

describe("the evaluator itself", () => {
  test("answers what the profile says, for paths inside and outside a readable root", () => {
    const allows = evaluatorFor({ type: "read-only", access: { type: "restricted", include_platform_defaults: false, readable_roots: ["/opt/data"] } });
    expect(allows({ operation: "file-read-data", path: "/opt/data/x" })).toBe(true);
    expect(allows({ operation: "file-read-data", path: "/opt/data" })).toBe(true);
    expect(allows({ operation: "file-read-data", path: "/opt/database" })).toBe(false);
    expect(allows({ operation: "file-write-data", path: "/opt/data/x" })).toBe(false);
    expect(allows({ operation: "file-write-data", path: "/dev/null", vnodeType: "CHARACTER-DEVICE" })).toBe(true);
    expect(allows({ operation: "file-write-data", path: "/dev/null" })).toBe(false);
  });
});

describe("restricted reads grant nothing on the data volume beyond the readable roots", () => {
  const policies: [string, unknown][] = [
    ["read-only, platform defaults", restrictedReadOnly],
    ["workspace-write, platform defaults", restrictedWorkspace],
    ["read-only, no platform defaults", { type: "read-only", access: { type: "restricted", include_platform_defaults: false } }],
  ];

  test.each(policies)("%s: sample paths where user data lives are unreadable", (_name, policy) => {
    const allows = evaluatorFor(policy);
    const paths = [
      `${dataVolume}/Users/alice/.ssh/id_ed25519`,
      `${dataVolume}/Users/alice`,
      `${dataVolume}/private/etc/master.passwd`,
      `${dataVolume}/private/var/db/sudo/ts/alice`,
      `${dataVolume}/private/var/folders/zz/T/secret`,
      `${dataVolume}/Library/Keychains/System.keychain`,
      `${dataVolume}/Applications/Notes.app/Contents/Info.plist`,
      `${dataVolume}/opt/homebrew/lib/libssl.dylib`,
      `${dataVolume}/usr/local/lib/libx.dylib`,
      `${dataVolume}/System/Library/Perl/x.pm`,
    ];
    for (const path of paths) {
      for (const operation of fileOperations) {
        for (const vnodeType of ["REGULAR-FILE", "DIRECTORY"] as VnodeType[]) {
          expect({ path, operation, vnodeType, allowed: allows({ operation, path, vnodeType }) }).toEqual({
            path,
            operation,
            vnodeType,
            allowed: false,
          });
        }
      }
    }
  });

  test.each(policies)("%s: any path under the data volume, any file operation: denied (firmlink parents: metadata only)", (_name, policy) => {
    const allows = evaluatorFor(policy);
    const segment = fc.stringMatching(/^[A-Za-z0-9._ -]{1,12}$/).filter((name) => name !== "." && name !== "..");
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...fileOperations),
        fc.constantFrom<VnodeType>("REGULAR-FILE", "DIRECTORY", "CHARACTER-DEVICE", "SYMLINK"),
        (segments, operation, vnodeType) => {
          const path = `${dataVolume}/${segments.join("/")}`;
          const metadataOfParent = firmlinkParents.includes(path) && (operation === "file-read-metadata" || operation === "file-test-existence");
          if (!metadataOfParent) expect(allows({ operation, path, vnodeType })).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("the firmlink parents give their metadata, never their contents", () => {
    const allows = evaluatorFor(restrictedReadOnly);
    for (const path of [dataVolume, ...firmlinkParents]) {
      expect(allows({ operation: "file-read-metadata", path, vnodeType: "DIRECTORY" })).toBe(true);
      expect(allows({ operation: "file-read-data", path, vnodeType: "DIRECTORY" })).toBe(false);
    }
  });

  test("a readable root on the data volume grants that root, and nothing beside it", () => {
    const root = `${dataVolume}/Users/alice/project`;
    const allows = evaluatorFor({ type: "read-only", access: { type: "restricted", readable_roots: [root] } });
    expect(allows({ operation: "file-read-data", path: `${root}/src/main.ts` })).toBe(true);
    expect(allows({ operation: "file-read-data", path: root, vnodeType: "DIRECTORY" })).toBe(true);
    expect(allows({ operation: "file-read-data", path: `${dataVolume}/Users/alice/project-secrets/key` })).toBe(false);
    expect(allows({ operation: "file-read-data", path: `${dataVolume}/Users/alice/.zsh_history` })).toBe(false);
    expect(allows({ operation: "file-write-data", path: `${root}/src/main.ts` })).toBe(false);
  });
});

/**
 * Every grant of Codex's platform defaults, one request each, with cordon's
 * answer. `codex` says what Codex's list answers; where the two differ, the
 * reason is the one given beside the rule in platform-defaults.sbpl (and in
 * policies/seatbelt/DIFFERENCES.md).
 */
const comparison: [string, FileRequest, { codex: boolean; cordon: boolean }][] = [
  ["programs", { operation: "file-read-data", path: "/bin/ls" }, { codex: true, cordon: true }],
  ["programs' extended attributes (neither)", { operation: "file-read-xattr", path: "/usr/bin/git" }, { codex: false, cordon: false }],
  ["dyld and libraries", { operation: "file-read-data", path: "/usr/lib/libSystem.B.dylib" }, { codex: true, cordon: true }],
  ["terminfo", { operation: "file-read-data", path: "/usr/share/terminfo/78/xterm-256color" }, { codex: true, cordon: true }],
  ["Apple's library folder", { operation: "file-read-data", path: "/Library/Apple/usr/lib/x.dylib" }, { codex: true, cordon: true }],
  ["sw_vers", { operation: "file-read-data", path: "/System/Library/CoreServices/SystemVersion.plist" }, { codex: true, cordon: true }],
  ["system perl modules (cordon reads /System/Library)", { operation: "file-read-data", path: "/System/Library/Perl/5.34/strict.pm" }, { codex: false, cordon: true }],
  ["system apps (neither)", { operation: "file-read-data", path: "/System/Applications/Notes.app/Contents/Info.plist" }, { codex: false, cordon: false }],
  ["the preboot volume (neither reads it)", { operation: "file-read-data", path: "/System/Volumes/Preboot/x" }, { codex: false, cordon: false }],
  ["NetFS plugins", { operation: "file-read-data", path: "/Library/Filesystems/NetFSPlugins/smb.bundle/x" }, { codex: true, cordon: true }],
  ["logging preferences", { operation: "file-read-data", path: "/Library/Preferences/Logging/com.apple.diagnosticd.filter.plist" }, { codex: true, cordon: true }],
  ["other system-wide preferences (cordon: no)", { operation: "file-read-data", path: "/Library/Preferences/SystemConfiguration/preferences.plist" }, { codex: true, cordon: false }],
  ["directory records", { operation: "file-read-data", path: "/private/var/db/DarwinDirectory/local/recordStore.data" }, { codex: true, cordon: true }],
  ["time zones", { operation: "file-read-data", path: "/private/var/db/timezone/zoneinfo/UTC" }, { codex: true, cordon: true }],
  ["regulatory domain", { operation: "file-read-data", path: "/private/var/db/eligibilityd/eligibility.plist" }, { codex: true, cordon: true }],
  ["the rest of /private/var/db (cordon: no)", { operation: "file-read-data", path: "/private/var/db/sudo/ts/alice" }, { codex: true, cordon: false }],
  ["xcode-select's link (Codex through /private/var/db)", { operation: "file-read-data", path: "/private/var/db/xcode_select_link" }, { codex: true, cordon: true }],
  ["Command Line Tools (cordon only)", { operation: "file-read-data", path: "/Library/Developer/CommandLineTools/usr/bin/git" }, { codex: false, cordon: true }],
  ["Applications", { operation: "file-read-data", path: "/Applications/Xcode.app/Contents/Developer/usr/bin/git" }, { codex: true, cordon: true }],
  ["Homebrew libraries", { operation: "file-read-data", path: "/opt/homebrew/lib/libintl.dylib" }, { codex: true, cordon: true }],
  ["/usr/local libraries", { operation: "file-read-data", path: "/usr/local/lib/libz.dylib" }, { codex: true, cordon: true }],
  ["listing / (cordon: metadata only)", { operation: "file-read-data", path: "/", vnodeType: "DIRECTORY" }, { codex: true, cordon: false }],
  ["stat of /", { operation: "file-read-metadata", path: "/", vnodeType: "DIRECTORY" }, { codex: true, cordon: true }],
  ["stat of anything under /private/var (cordon: no)", { operation: "file-read-metadata", path: "/private/var/folders/zz/T" }, { codex: true, cordon: false }],
  ["passwd", { operation: "file-read-data", path: "/private/etc/passwd" }, { codex: true, cordon: true }],
  ["autofs_nowait", { operation: "file-read-data", path: "/dev/autofs_nowait", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["/dev/urandom", { operation: "file-read-data", path: "/dev/urandom", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["writing /dev/zero", { operation: "file-write-data", path: "/dev/zero", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["writing /dev/fd/2", { operation: "file-write-data", path: "/dev/fd/2", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["writing /tmp (cordon: only when the policy makes it writable)", { operation: "file-write-create", path: "/private/tmp/x" }, { codex: true, cordon: false }],
  ["writing /private/var/tmp (cordon: never by default)", { operation: "file-write-data", path: "/private/var/tmp/x" }, { codex: true, cordon: false }],
  ["the controlling terminal by name", { operation: "file-write-data", path: "/dev/tty", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["reading the inherited terminal", { operation: "file-read-data", path: "/dev/ttys003", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["a regular file named like a terminal (cordon: no)", { operation: "file-read-data", path: "/dev/ttys003" }, { codex: true, cordon: false }],
  ["stat of any device (cordon: terminals only)", { operation: "file-read-metadata", path: "/dev/disk0", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: false }],
  ["dtrace helper", { operation: "file-ioctl", path: "/dev/dtracehelper", vnodeType: "CHARACTER-DEVICE" }, { codex: true, cordon: true }],
  ["mapping frameworks", { operation: "file-map-executable", path: "/System/Library/Frameworks/Foundation.framework/Foundation" }, { codex: true, cordon: true }],
  ["mapping Mac Catalyst frameworks", { operation: "file-map-executable", path: "/System/iOSSupport/System/Library/Frameworks/UIKit.framework/UIKit" }, { codex: true, cordon: true }],
  ["mapping from the OS cryptex (cordon only)", { operation: "file-map-executable", path: "/System/Cryptexes/OS/System/Library/Frameworks/x" }, { codex: false, cordon: true }],
  ["the data volume's Users folder, stat", { operation: "file-read-metadata", path: "/System/Volumes/Data/Users", vnodeType: "DIRECTORY" }, { codex: true, cordon: true }],
  ["a home folder (neither)", { operation: "file-read-data", path: "/Users/alice/.ssh/id_ed25519" }, { codex: false, cordon: false }],
];

describe("each grant of Codex's platform defaults, with cordon's answer (read-only, restricted, no readable roots)", () => {
  const allows = evaluatorFor(restrictedReadOnly);
  test.each(comparison)("%s", (_name, request, { cordon }) => {
    expect(allows(request)).toBe(cordon);
  });

  test("every place the answers differ is named in DIFFERENCES.md", async () => {
    const { readFileSync } = await import("node:fs");
    const differences = readFileSync(new URL("../../policies/seatbelt/DIFFERENCES.md", import.meta.url), "utf8");
    for (const [, request, { codex, cordon }] of comparison) {
      if (codex !== cordon) expect({ path: request.path, listed: differences.includes(request.path) }).toEqual({ path: request.path, listed: true });
    }
  });
});
