/** The launcher's command line is a pure function of the plan: checked here without spawning anything. */
import fc from "fast-check";
import { linuxLauncherArgs, pinnedDirectories, linuxCommandArgs } from "../../src/linux/index.js";
import { parseSandboxPolicy, type PathInspector, type WritableRoot } from "../../src/policy/index.js";
import { UnsupportedOperationError } from "../../src/errors.js";

/** Values that follow each occurrence of `flag`. */
function valuesOf(args: string[], flag: string): string[] {
  const end = args.indexOf("--");
  const values: string[] = [];
  for (let i = 0; i < end; i++) if (args[i] === flag) values.push(args[i + 1]!);
  return values;
}

/** A filesystem in which every path is a directory that exists as named (no symlinks, no .git). */
const plainFs: PathInspector = {
  realpath: (path) => path,
  kind: () => "directory",
  readText: () => null,
};

describe("linuxLauncherArgs", () => {
  test("roots, read-only subpaths, network and the command, in that order", () => {
    const roots: WritableRoot[] = [
      { root: "/repo", readOnlySubpaths: ["/repo/.git", "/repo/.codex"] },
      { root: "/tmp", readOnlySubpaths: ["/tmp/.git", "/tmp/.codex"] },
    ];
    expect(linuxLauncherArgs(["git", "status"], { writableRoots: roots, networkAccess: true })).toEqual([
      "--writable-root", "/repo",
      "--writable-root", "/tmp",
      "--read-only-subpath", "/repo/.git",
      "--read-only-subpath", "/repo/.codex",
      "--read-only-subpath", "/tmp/.git",
      "--read-only-subpath", "/tmp/.codex",
      "--allow-network",
      "--limit-if-possible", "pids=4096",
      "--", "git", "status",
    ]);
  });

  test("downgraded protections and a simulated ABI are named; the defaults add only the default pids limit", () => {
    const plan = { writableRoots: [], networkAccess: false };
    expect(linuxLauncherArgs(["true"], plan)).toEqual(["--limit-if-possible", "pids=4096", "--", "true"]);
    expect(
      linuxLauncherArgs(["true"], { ...plan, sandbox: { landlock: "best-effort", readOnlySubpaths: "best-effort", seccomp: "required", simulateLandlockAbi: 2 } }),
    ).toEqual(["--best-effort", "landlock", "--best-effort", "read-only-subpaths", "--simulate-landlock-abi", "2", "--limit-if-possible", "pids=4096", "--", "true"]);
    expect(linuxLauncherArgs(["true"], { ...plan, sandbox: { fileMetadata: "best-effort" } })).toEqual(["--best-effort", "file-metadata", "--limit-if-possible", "pids=4096", "--", "true"]);
  });

  test("own files, passed descriptors, the exec socket and allowed sockets travel as flags; nested own files collapse", () => {
    const roots: WritableRoot[] = [{ root: "/ws", readOnlySubpaths: ["/ws/.git"] }];
    const args = linuxLauncherArgs(["true"], {
      writableRoots: roots,
      networkAccess: false,
      readOnlyPaths: ["/ws/vendor/cordon/build/Release", "/ws/vendor/cordon/build/Release/cordon-linux-sandbox", "/opt/other"],
      passFds: [5, 3],
      execSocket: "/run/cordon/exec.sock",
      allowUnixSockets: ["/run/cordon/exec.sock", "/tmp/agent.sock"],
      sandbox: { terminal: "best-effort", networkNamespace: "best-effort", simulateNoNamespaces: true },
    });
    expect(valuesOf(args, "--read-only-path")).toEqual(["/ws/vendor/cordon/build/Release", "/opt/other"]);
    // Every ancestor of an own file inside the writable root is pinned, so none can be renamed away.
    expect(valuesOf(args, "--pin")).toEqual(["/ws/vendor", "/ws/vendor/cordon", "/ws/vendor/cordon/build"]);
    expect(valuesOf(args, "--pass-fd")).toEqual(["5", "3"]);
    expect(valuesOf(args, "--exec-socket")).toEqual(["/run/cordon/exec.sock"]);
    expect(valuesOf(args, "--allow-unix-socket")).toEqual(["/run/cordon/exec.sock", "/tmp/agent.sock"]);
    expect(valuesOf(args, "--best-effort")).toEqual(["terminal", "network-namespace"]);
    expect(args).toContain("--simulate-no-namespaces");
  });

  test("relative own paths and sockets, and descriptors 0 to 2 or non-integers, are rejected", () => {
    const plan = { writableRoots: [], networkAccess: false };
    expect(() => linuxLauncherArgs(["true"], { ...plan, readOnlyPaths: ["rel"] })).toThrow(/readOnlyPaths/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, allowUnixSockets: ["rel.sock"] })).toThrow(/allowUnixSockets/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, execSocket: "rel.sock" })).toThrow(/execSocket/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, passFds: [2] })).toThrow(/passFds/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, passFds: [3.5] })).toThrow(/passFds/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, sandbox: { terminal: "off" as "required" } })).toThrow(/linux.terminal/);
  });

  test("invalid levels and ABIs are rejected", () => {
    const plan = { writableRoots: [], networkAccess: false };
    expect(() => linuxLauncherArgs(["true"], { ...plan, sandbox: { landlock: "off" as "required" } })).toThrow(/linux.landlock/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, sandbox: { fileMetadata: "off" as "required" } })).toThrow(/linux.fileMetadata/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, sandbox: { simulateLandlockAbi: -1 } })).toThrow(/simulateLandlockAbi/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, sandbox: { simulateLandlockAbi: 1.5 } })).toThrow(/simulateLandlockAbi/);
  });

  test("any path and any command argument travel as one argv element each, unchanged", () => {
    const pathPart = fc.string({ unit: "binary", minLength: 1 }).filter((s) => !s.includes("\0") && !s.includes("/"));
    const absolute = fc.array(pathPart, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
    const argument = fc.string({ unit: "binary" }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(absolute, { maxLength: 4 }), fc.array(argument, { minLength: 1, maxLength: 6 }), (paths, command) => {
        const roots = paths.map((root) => ({ root, readOnlySubpaths: [`${root}/.git`] }));
        const args = linuxLauncherArgs(command, { writableRoots: roots, networkAccess: false });
        expect(valuesOf(args, "--writable-root")).toEqual(paths);
        expect(args.slice(args.indexOf("--") + 1)).toEqual(command);
      }),
    );
  });
});

describe("pinnedDirectories", () => {
  test("nothing to pin when no writable root holds another", () => {
    const roots = [
      { root: "/home/u/repo", readOnlySubpaths: ["/home/u/repo/.git"] },
      { root: "/tmp", readOnlySubpaths: ["/tmp/.git"] },
    ];
    expect(pinnedDirectories(roots)).toEqual([]);
  });

  test("every directory between an outer writable root and a protected subpath, outermost first", () => {
    const roots = [
      { root: "/tmp/a/repo", readOnlySubpaths: ["/tmp/a/repo/.git", "/tmp/a/repo/.codex"] },
      { root: "/tmp", readOnlySubpaths: ["/tmp/.git"] },
    ];
    expect(pinnedDirectories(roots)).toEqual(["/tmp/a", "/tmp/a/repo"]);
  });

  test("a writable / pins every ancestor", () => {
    expect(pinnedDirectories([{ root: "/", readOnlySubpaths: ["/home/u/.git"] }])).toEqual(["/home", "/home/u"]);
  });
});

describe("linuxCommandArgs", () => {
  const options = { cwd: "/home/me/repo", env: { TMPDIR: "/var/tmp/me" }, fs: plainFs };

  test("restricted reads are refused with the backend named", () => {
    for (const policy of [
      { type: "read-only", access: { type: "restricted", readable_roots: ["/data"] } },
      { type: "workspace-write", read_only_access: { type: "restricted" } },
    ]) {
      expect(() => linuxCommandArgs(["true"], parseSandboxPolicy(policy), options)).toThrow(UnsupportedOperationError);
      expect(() => linuxCommandArgs(["true"], parseSandboxPolicy(policy), options)).toThrow(
        "Restricted read-only access is not yet supported by the Linux sandbox backend",
      );
    }
  });

  test("workspace-write: the launcher with cwd, /tmp and $TMPDIR as roots", () => {
    const args = linuxCommandArgs(["make"], parseSandboxPolicy({ type: "workspace-write" }), options);
    expect(valuesOf(args, "--writable-root")).toEqual(["/home/me/repo", "/tmp", "/var/tmp/me"]);
    expect(valuesOf(args, "--read-only-subpath")).toContain("/home/me/repo/.git");
    expect(args).not.toContain("--allow-network");
  });

  test("read-only: no writable root at all; network only when granted", () => {
    const offline = linuxCommandArgs(["ls"], parseSandboxPolicy({ type: "read-only" }), options);
    expect(offline).toEqual(["--limit-if-possible", "pids=4096", "--", "ls"]);
    const online = linuxCommandArgs(["ls"], parseSandboxPolicy({ type: "read-only", network_access: true }), options);
    expect(online).toEqual(["--allow-network", "--limit-if-possible", "pids=4096", "--", "ls"]);
  });
});

describe("resource limits", () => {
  const plan = { writableRoots: [], networkAccess: false };
  test("asked limits are required, each by its launcher name; the default pids limit is only where possible", () => {
    expect(linuxLauncherArgs(["true"], { ...plan, limits: { pids: 64, memoryBytes: 1024, cpuSeconds: 2, fileSizeBytes: 3, openFiles: 4 }, reportFd: 3 })).toEqual([
      "--limit", "pids=64", "--limit", "memory=1024", "--limit", "cpu=2", "--limit", "file-size=3", "--limit", "open-files=4", "--report-fd", "3", "--", "true",
    ]);
    expect(linuxLauncherArgs(["true"], { ...plan, limits: { memoryBytes: 1024 } })).toEqual([
      "--limit", "memory=1024", "--limit-if-possible", "pids=4096", "--", "true",
    ]);
  });

  test("linux.limits best-effort asks every limit only where possible", () => {
    expect(linuxLauncherArgs(["true"], { ...plan, limits: { pids: 8 }, sandbox: { limits: "best-effort" } })).toEqual(["--limit-if-possible", "pids=8", "--", "true"]);
  });

  test("the report descriptor is the launcher's own: not also passed on, and above 2", () => {
    expect(() => linuxLauncherArgs(["true"], { ...plan, passFds: [3], reportFd: 3 })).toThrow(/reportFd 3 is the launcher's own/);
    expect(() => linuxLauncherArgs(["true"], { ...plan, reportFd: 2 })).toThrow(/above 2/);
  });
});
