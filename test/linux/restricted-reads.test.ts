/**
 * Restricted reads on Linux (the `restrictedReads: "enforce"` opt-in): the
 * readable paths per layer, computed from data; then real commands, as root
 * and as an unprivileged user, that read what the policy grants and fail to
 * read (or even see) anything else, judged from the host side.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ExecBridge } from "../../src/bridge/index.js";
import { UnsupportedOperationError } from "../../src/errors.js";
import {
  bridgeReadablePaths,
  linuxCommandArgs,
  linuxPlatformDefaults,
  linuxReadablePaths,
  LINUX_PLATFORM_DEFAULTS_PATH,
  parsePlatformDefaults,
  resolvePlatformDefaults,
} from "../../src/linux/index.js";
import { prepareSandboxedCommand, spawnSandboxed } from "../../src/platform/index.js";
import { parseSandboxPolicy, type PathInspector, type SandboxPolicy } from "../../src/policy/index.js";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordon } from "../support/cli.js";
import { unsupportedReason } from "./run-sandboxed.js";

const NOBODY = 65534;

/** Values that follow each occurrence of `flag` before `--`. */
function valuesOf(args: string[], flag: string): string[] {
  const end = args.indexOf("--");
  const values: string[] = [];
  for (let i = 0; i < end; i++) if (args[i] === flag) values.push(args[i + 1]!);
  return values;
}

/** A filesystem of plain directories, but for the links named (path -> canonical path) and the paths missing. */
function fakeFs(links: Record<string, string> = {}, missing: string[] = []): PathInspector {
  return {
    realpath: (path) => {
      if (missing.includes(path)) return null;
      for (const [link, target] of Object.entries(links)) {
        if (path === link || path.startsWith(`${link}/`)) return target + path.slice(link.length);
      }
      return path;
    },
    kind: (path) => (missing.includes(path) ? null : "directory"),
    readText: () => null,
  };
}

const restricted = (readable: string[], extra: Record<string, unknown> = {}) =>
  parseSandboxPolicy({ type: "read-only", access: { type: "restricted", readable_roots: readable, ...extra } });

describe("the readable paths per layer (pure)", () => {
  test("readable roots, the cwd, then the platform defaults; nested paths folded into the outer one", () => {
    const paths = linuxReadablePaths(restricted(["/data", "/data/sub"]), {
      cwd: "/work/ws",
      writableRoots: [],
      platformDefaults: ["/usr", "/usr/lib", "/etc/passwd", "/proc/self", "/dev/null"],
      fs: fakeFs(),
    });
    expect(paths).toEqual({
      readableRoots: ["/data", "/work/ws", "/usr", "/etc/passwd", "/proc/self", "/dev/null"],
      landlock: { readable: ["/data", "/work/ws", "/usr", "/etc/passwd", "/proc/self", "/dev/null"], writable: [] },
      mountNamespace: { readOnly: ["/data", "/work/ws", "/usr", "/etc/passwd", "/proc", "/dev/null"], writable: [] },
    });
  });

  test("a default behind a linked directory is named canonically; a linked last name stays the link; missing ones drop", () => {
    const fs = fakeFs({ "/lib": "/usr/lib", "/etc": "/private/etc", "/dev/stdout": "/proc/1/fd/1" }, ["/lib32", "/proc/self"]);
    const entries = ["/lib", "/lib/x86_64-linux-gnu", "/etc/hosts", "/lib32", "/dev/stdout", "/proc/self"];
    expect(resolvePlatformDefaults(entries, fs)).toEqual([
      "/lib",
      "/usr/lib/x86_64-linux-gnu",
      "/private/etc/hosts",
      "/dev/stdout",
      "/proc/self",
    ]);
  });

  test("the exec bridge's socket and the files every exec goes through are added, whatever the defaults", () => {
    const env = { EXEC_WRAPPER: "/pkg/wrapper", LD_PRELOAD: "/pkg/libintercept.so libother.so" };
    expect(bridgeReadablePaths(env, ["/run/bridge/socket"])).toEqual(["/run/bridge/socket", "/pkg/wrapper", "/pkg/libintercept.so"]);
    expect(bridgeReadablePaths({})).toEqual([]);
    const paths = linuxReadablePaths(restricted([], { include_platform_defaults: false }), {
      cwd: "/ws",
      writableRoots: [],
      platformDefaults: ["/usr"],
      bridgePaths: ["/run/bridge/socket"],
      fs: fakeFs(),
    });
    expect(paths!.readableRoots).toEqual(["/ws", "/run/bridge/socket"]);
  });

  test("without the platform defaults only the roots are readable; writable roots are bound writable, not read-only", () => {
    const policy = parseSandboxPolicy({
      type: "workspace-write",
      exclude_slash_tmp: true,
      exclude_tmpdir_env_var: true,
      read_only_access: { type: "restricted", include_platform_defaults: false, readable_roots: ["/data"] },
    });
    const writableRoots = [{ root: "/ws", readOnlySubpaths: ["/ws/.git"] }];
    const paths = linuxReadablePaths(policy, { cwd: "/ws", writableRoots, platformDefaults: ["/usr"], fs: fakeFs() });
    expect(paths).toEqual({
      readableRoots: ["/data", "/ws"],
      landlock: { readable: ["/data"], writable: ["/ws"] },
      mountNamespace: { readOnly: ["/data"], writable: ["/ws"] },
    });
  });

  test("full reads, and a writable /, restrict nothing", () => {
    const options = { cwd: "/ws", writableRoots: [], platformDefaults: [], fs: fakeFs() };
    expect(linuxReadablePaths(parseSandboxPolicy({ type: "read-only" }), options)).toBeNull();
    const slash = parseSandboxPolicy({ type: "workspace-write", read_only_access: { type: "restricted" } });
    expect(linuxReadablePaths(slash, { ...options, writableRoots: [{ root: "/", readOnlySubpaths: [] }] })).toBeNull();
  });

  test("the shipped list parses, names only absolute paths, and comments every entry", () => {
    const text = readFileSync(LINUX_PLATFORM_DEFAULTS_PATH, "utf8");
    const entries = text.split("\n").filter((line) => line.startsWith("/"));
    expect(entries.length).toBeGreaterThan(20);
    for (const line of entries) expect(line).toMatch(/^\/\S*\s+#\s*\S/);
    const paths = entries.map((line) => line.split(/\s/)[0]!);
    expect(parsePlatformDefaults(text, "list")).toEqual(paths);
    expect(paths).toEqual(expect.arrayContaining(["/usr", "/etc/ld.so.cache", "/dev/null", "/proc/self"]));
    expect(paths.some((path) => /^\/(home|root|tmp|var)(\/|$)/.test(path))).toBe(false);
    // Resolved on this host: what exists of it, in the list's order.
    expect(linuxPlatformDefaults()).toEqual(expect.arrayContaining(["/usr", "/dev/null", "/proc/self"]));
  });

  test("a malformed list is refused with its line", () => {
    expect(parsePlatformDefaults("# c\n/usr # ok\n\n", "list")).toEqual(["/usr"]);
    expect(() => parsePlatformDefaults("/usr\nrelative # no\n", "list")).toThrow("list:2: expected one absolute path");
  });
});

const onLinux = process.platform === "linux";
(onLinux ? describe : describe.skip)(`cordon policy show${onLinux ? "" : " (skipped: the Linux platform defaults resolve against a Linux filesystem)"}`, () => {
  test("prints what is readable per layer under restricted reads, and null under full reads", () => {
    const dir = mkdtempSync(join(tmpdir(), "cordon-reads-show-"));
    try {
      const policy = JSON.stringify({ type: "read-only", access: { type: "restricted", readable_roots: [dir] } });
      const shown = JSON.parse(runCordon(["policy", "show", "--policy", "-", "--cwd", dir], { input: policy }).stdout);
      const { landlock, mountNamespace } = shown.linuxRestrictedReads;
      expect(landlock.readable).toEqual(expect.arrayContaining([dir, "/usr", "/etc/passwd", "/dev/null", "/proc/self"]));
      expect(landlock.readable).not.toContain("/proc");
      expect(mountNamespace.readOnly).toEqual(expect.arrayContaining([dir, "/usr", "/etc/passwd", "/dev/null", "/proc"]));
      expect(mountNamespace.readOnly).not.toContain("/proc/self");
      expect(landlock.writable).toEqual([]);
      const full = JSON.parse(runCordon(["policy", "show", "--policy", "-"], { input: '{"type":"read-only"}' }).stdout);
      expect(full.linuxRestrictedReads).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the opt-in (pure)", () => {
  const options = { cwd: "/ws", env: {}, fs: fakeFs() };

  test('by default, and with "refuse", restricted reads throw UnsupportedOperationError as before', () => {
    for (const sandbox of [undefined, { restrictedReads: "refuse" as const }]) {
      expect(() => linuxCommandArgs(["true"], restricted(["/data"]), { ...options, sandbox })).toThrow(
        new UnsupportedOperationError("Restricted read-only access is not yet supported by the Linux sandbox backend"),
      );
    }
  });

  test('"enforce" passes every readable path as --readable-root; full reads pass none', () => {
    const args = linuxCommandArgs(["true"], restricted(["/data"]), { ...options, sandbox: { restrictedReads: "enforce" } });
    expect(valuesOf(args, "--readable-root")).toEqual(expect.arrayContaining(["/data", "/ws", "/usr", "/proc/self"]));
    expect(args.slice(args.indexOf("--"))).toEqual(["--", "true"]);
    const full = linuxCommandArgs(["true"], parseSandboxPolicy({ type: "read-only" }), { ...options, sandbox: { restrictedReads: "enforce" } });
    expect(valuesOf(full, "--readable-root")).toEqual([]);
  });

  test("any other value is a clear error", () => {
    const sandbox = { restrictedReads: "yes" } as never;
    expect(() => linuxCommandArgs(["true"], restricted([]), { ...options, sandbox })).toThrow(
      'linux.restrictedReads must be "refuse" or "enforce", got "yes"',
    );
  });
});

const skipReason = unsupportedReason();
if (skipReason) console.log(`restricted-reads launcher tests skipped: ${skipReason}`);
const describeLinux = skipReason ? describe.skip : describe;

const asRoot = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
const asNobody = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--"];

/** Whether the unprivileged user can make a user namespace here (else the launcher has no mount layer for it). */
function nobodyHasUserNamespaces(): boolean {
  return spawnSync(asNobody[0]!, [...asNobody.slice(1), "unshare", "--user", "--mount", "true"]).status === 0;
}

const identities: { name: string; prefix: string[]; skip: string | null }[] = [
  { name: "as root", prefix: [], skip: process.getuid?.() === 0 ? null : "needs root" },
  {
    name: "as an unprivileged user (setpriv to 65534)",
    prefix: asNobody,
    skip: !asRoot ? "needs root and setpriv to become an unprivileged user" : nobodyHasUserNamespaces() ? null : "user namespaces are not allowed for an unprivileged user here",
  },
];

describeLinux(`restricted reads, enforced${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const env = { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", TMPDIR: undefined };
  const enforce = { restrictedReads: "enforce" as const };
  let base: string;
  let workspace: string;
  let secret: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "cordon-reads-"));
    chmodSync(base, 0o755);
    workspace = join(base, "W");
    mkdirSync(workspace);
    writeFileSync(join(workspace, "notes.txt"), "readable\n");
    writeFileSync(join(workspace, "hello.c"), '#include <stdio.h>\nint main(void) { puts("compiled"); return 0; }\n');
    spawnSync("git", ["init", "-q", workspace]);
    // Stands in for ~/.ssh/id_ed25519: beside the workspace, readable by its owner outside the sandbox.
    secret = join(base, "id_ed25519");
    writeFileSync(secret, "SECRET-KEY\n", { mode: 0o600 });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  for (const identity of identities) {
    const describeIdentity = identity.skip ? describe.skip : describe;
    describeIdentity(`${identity.name}${identity.skip ? ` (skipped: ${identity.skip})` : ""}`, () => {
      beforeEach(() => {
        if (identity.prefix.length > 0) {
          spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, workspace]);
          chownSync(secret, NOBODY, NOBODY);
        }
      });

      /** Runs `script` with bash under `policy` with the opt-in, as this identity. */
      function run(script: string, policy: SandboxPolicy, cwd = workspace, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
        return runCommand(["bash", "-c", script], policy, cwd, extraEnv);
      }

      function runCommand(command: string[], policy: SandboxPolicy, cwd = workspace, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
        const plan = prepareSandboxedCommand(command, policy, { cwd, env: { ...env, ...extraEnv }, linux: enforce });
        const [program, ...args] = [...identity.prefix, plan.program, ...plan.args];
        return spawnSync(program!, args, { cwd, env: plan.env, encoding: "utf8", timeout: 120_000 });
      }

      /** A `sleep` of this identity outside the sandbox, returned once it runs as `sleep` (its exec done). */
      async function startSleeper(options: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<ChildProcess> {
        const [program, ...args] = [...identity.prefix, "sleep", "600"];
        const sleeper = spawn(program!, args, { ...options, stdio: "ignore" });
        const started = () => {
          try {
            return readFileSync(`/proc/${sleeper.pid}/cmdline`, "utf8").startsWith("sleep\0");
          } catch {
            return false;
          }
        };
        for (let attempt = 0; attempt < 600 && !started(); attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
        if (!started()) throw new Error("the sleep process did not start");
        return sleeper;
      }

      /** The same command outside any sandbox: what the identity could do without it. */
      function runUnconfined(command: string[]): SpawnSyncReturns<string> {
        const [program, ...args] = [...identity.prefix, ...command];
        return spawnSync(program!, args, { encoding: "utf8" });
      }

      test("the workspace reads; the secret beside it cannot be read, listed or stat'ed (the fresh root)", () => {
        expect(runUnconfined(["cat", secret]).stdout).toBe("SECRET-KEY\n");
        const result = run(
          `cat notes.txt; cat '${secret}'; stat -c %n '${secret}'; ls -a '${base}'; ls /`,
          restricted([workspace]),
        );
        expect(result.stderr).toBe(
          `cat: ${secret}: No such file or directory\nstat: cannot statx '${secret}': No such file or directory\n`,
        );
        const [read, ...listings] = result.stdout.split("\n");
        expect(read).toBe("readable");
        expect(result.stdout).not.toContain("SECRET-KEY");
        expect(listings.slice(0, 3)).toEqual([".", "..", "W"]);
        expect(listings).toEqual(expect.arrayContaining(["usr", "etc", "dev", "proc", "tmp"]));
        expect(listings).not.toContain("root");
        expect(listings).not.toContain("home");
      });

      test("/etc/shadow and another process's /proc/<pid>/environ fail", async () => {
        // A process of the same user outside the sandbox, with a secret in its environment.
        const sleeper = await startSleeper({ env: { ...env, TOKEN: "SECRET-ENV" } });
        try {
          const environ = `/proc/${sleeper.pid}/environ`;
          expect(runUnconfined(["cat", environ]).stdout).toContain("SECRET-ENV");
          const result = run(`cat /etc/shadow; cat ${environ}; cat /proc/${process.pid}/environ; echo done`, restricted([workspace]));
          expect(result.stdout).toBe("done\n");
          expect(result.stderr.split("\n")).toEqual([
            "cat: /etc/shadow: No such file or directory",
            // The sandbox's own PID namespace: host processes are not there at all.
            `cat: ${environ}: No such file or directory`,
            `cat: /proc/${process.pid}/environ: No such file or directory`,
            "",
          ]);
        } finally {
          sleeper.kill("SIGKILL");
        }
      });

      test("bash, sh, git status, node, python3 and make run from the platform defaults", () => {
        writeFileSync(join(workspace, "Makefile"), "all:\n\t@echo made\n");
        const result = run(
          [
            'echo "bash $((6 * 7))"',
            "sh -c 'echo sh'",
            "git status --porcelain --untracked-files=all",
            `node -e 'console.log("node", require("os").cpus().length > 0)'`,
            "python3 -c 'import ssl, json; print(\"python3\", json.dumps(1))'",
            "make -s",
          ].join("; "),
          restricted([workspace]),
        );
        expect(result.stderr).toBe("");
        expect(result.stdout).toBe("bash 42\nsh\n?? Makefile\n?? hello.c\n?? notes.txt\nnode true\npython3 1\nmade\n");
        expect(result.status).toBe(0);
      });

      test("cc compiles a file in a writable workspace, while reads stay restricted", () => {
        const policy = parseSandboxPolicy({
          type: "workspace-write",
          exclude_slash_tmp: true,
          exclude_tmpdir_env_var: true,
          read_only_access: { type: "restricted" },
        });
        const config = readFileSync(join(workspace, ".git", "config"), "utf8");
        const result = run(`cc -o hello hello.c && ./hello; cat '${secret}'; echo x >> .git/config`, policy, workspace, {
          TMPDIR: workspace,
        });
        expect(result.stdout).toBe("compiled\n");
        // The writable root comes into the fresh root with .git still bound read-only in it.
        expect(result.stderr).toBe(`cat: ${secret}: No such file or directory\nbash: line 1: .git/config: Read-only file system\n`);
        expect(existsSync(join(workspace, "hello"))).toBe(true);
        expect(readFileSync(join(workspace, ".git", "config"), "utf8")).toBe(config);
      });

      test("read escapes: other ways to the secret fail, judged by the kernel's answer to each", async () => {
        // A process of the same user outside the sandbox, working in the secret's directory.
        const sleeper = await startSleeper({ cwd: base });
        try {
          symlinkSync(secret, join(workspace, "link-to-secret"));
          mkdirSync(join(workspace, "mnt"));
          if (identity.prefix.length > 0) spawnSync("chown", ["-hR", `${NOBODY}:${NOBODY}`, workspace]);
          const host = `/proc/${sleeper.pid}`;
          expect(runUnconfined(["cat", `${host}/cwd/id_ed25519`]).stdout).toBe("SECRET-KEY\n");
          const attempts: [string, string[], string][] = [
            ["the secret by its path", ["read", secret], "ENOENT"],
            ["its name", ["stat", secret], "ENOENT"],
            ["through /proc/self/root", ["read", `/proc/self/root${secret}`], "ENOENT"],
            ["through a symbolic link in the workspace", ["read", join(workspace, "link-to-secret")], "ENOENT"],
            ["climbing above the root", ["read", `/../..${secret}`], "ENOENT"],
            ["a hard link into the workspace", ["link", secret, join(workspace, "hard")], "ENOENT"],
            ["through a host process's root", ["read", `${host}/root${secret}`], "ENOENT"],
            ["through a host process's working directory", ["read", `${host}/cwd/id_ed25519`], "ENOENT"],
            ["listing a host process's working directory", ["list", `${host}/cwd`], "ENOENT"],
            ["binding / into the workspace", ["bind", "/", join(workspace, "mnt")], "EPERM"],
            ["/etc/shadow", ["read", "/etc/shadow"], "ENOENT"],
            ["the environment of pid 1", ["read", "/proc/1/environ"], "EACCES"],
          ];
          const probe = [
            "import ctypes, errno, json, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "def bind(source, target):",
            "    if libc.mount(source.encode(), target.encode(), None, 4096 | 16384, None) == -1:",
            "        raise OSError(ctypes.get_errno(), 'mount')",
            "run = {'read': lambda p: open(p, 'rb').read(1), 'stat': os.stat, 'list': os.listdir, 'link': os.link, 'bind': bind}",
            "out = []",
            "for op, *a in json.loads(sys.argv[1]):",
            "    try:",
            "        run[op](*a); out.append('OK')",
            "    except OSError as e:",
            "        out.append(errno.errorcode[e.errno])",
            "print(json.dumps(out))",
          ].join("\n");
          const policy = parseSandboxPolicy({
            type: "workspace-write",
            exclude_slash_tmp: true,
            exclude_tmpdir_env_var: true,
            read_only_access: { type: "restricted" },
          });
          const operations = JSON.stringify(attempts.map(([, operation]) => operation));
          const result = runCommand(["python3", "-c", probe, operations], policy);
          expect(result.stderr).toBe("");
          const answers = JSON.parse(result.stdout) as string[];
          expect(attempts.map(([name], i) => [name, answers[i]])).toEqual(attempts.map(([name, , expected]) => [name, expected]));
          expect(readdirSync(workspace)).not.toContain("hard");
          expect(readdirSync(join(workspace, "mnt"))).toEqual([]);
          expect(readFileSync(secret, "utf8")).toBe("SECRET-KEY\n");
        } finally {
          sleeper.kill("SIGKILL");
        }
      });

      test("the workspace's parent and the host's mount table are as they were: nothing left behind", () => {
        const mounts = readFileSync("/proc/self/mountinfo", "utf8");
        const result = run("true", restricted([workspace]));
        expect(result.status).toBe(0);
        expect(readdirSync(base).sort()).toEqual(["W", "id_ed25519"]);
        expect(readFileSync("/proc/self/mountinfo", "utf8")).toBe(mounts);
      });
    });
  }

  // An unprivileged caller in a chroot is refused user namespaces by the
  // kernel, so the launcher can make no mount namespace: the host's own case
  // under Docker's default seccomp profile or Ubuntu's AppArmor restriction.
  const chrootable = asRoot && existsSync("/usr/bin/unshare") && existsSync("/usr/sbin/chroot");
  (chrootable ? describe : describe.skip)(
    `where no mount namespace can be made (Landlock alone)${chrootable ? "" : " (skipped: needs root, setpriv, unshare and chroot to deny an unprivileged caller its namespaces)"}`,
    () => {
      test("the workspace reads, the secret cannot be opened, its name stays visible, and the launcher says so", () => {
        chmodSync(workspace, 0o755);
        chownSync(secret, NOBODY, NOBODY);
        expect(spawnSync(asNobody[0]!, [...asNobody.slice(1), "cat", secret], { encoding: "utf8" }).stdout).toBe("SECRET-KEY\n");
        const plan = prepareSandboxedCommand(
          ["bash", "-c", `cat notes.txt; cat '${secret}'; stat -c %n '${secret}'; ls '${base}'`],
          restricted([workspace]),
          // Without namespaces the other terminals and abstract names cannot be hidden either: downgraded by name.
          { cwd: workspace, env, linux: { ...enforce, terminal: "best-effort", networkNamespace: "best-effort" } },
        );
        const jail = join(base, "jail");
        mkdirSync(jail);
        // The private mount namespace of `unshare` keeps the bind of / away from the host.
        const inJail = [...asNobody, plan.program, ...plan.args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
        const result = spawnSync(
          "/usr/bin/unshare",
          ["--mount", "--propagation", "private", "sh", "-c", `mount --rbind / '${jail}' && exec /usr/sbin/chroot '${jail}' sh -c 'cd "$0" && exec "$@"' '${workspace}' ${inJail}`],
          { env: plan.env, encoding: "utf8" },
        );
        expect(result.stdout).toBe(`readable\n${secret}\n`);
        const lines = result.stderr.split("\n");
        // The named downgrades warn too; the restricted-reads warning is the one this case is about.
        expect(lines.filter((line) => line.includes("restricted-reads"))).toEqual([
          expect.stringMatching(
            /^cordon-linux-sandbox: warning: restricted-reads: .*; Landlock alone confines reads: files outside the readable paths cannot be opened, but their names stay visible \(stat finds them\)$/,
          ),
        ]);
        expect(lines.filter((line) => !line.startsWith("cordon-linux-sandbox: warning: "))).toEqual([
          `cat: ${secret}: Permission denied`,
          `ls: cannot open directory '${base}': Permission denied`,
          "",
        ]);
        expect(readdirSync(jail)).toEqual([]);
      });
    },
  );

  test("a readable root named with quotes, a newline, spaces and non-ASCII is carried exactly", () => {
    const hostile = join(base, "it's \"odd\"\nnamé -- $(x)");
    mkdirSync(hostile);
    writeFileSync(join(hostile, "file"), "exact\n");
    const plan = prepareSandboxedCommand(["cat", "file"], restricted([hostile]), { cwd: hostile, env, linux: enforce });
    const result = spawnSync(plan.program, plan.args, { cwd: hostile, env: plan.env, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("exact\n");
    const listing = spawnSync(plan.program, [...plan.args.slice(0, plan.args.indexOf("--")), "--", "ls", "-A", base], {
      cwd: hostile,
      env: plan.env,
      encoding: "utf8",
    });
    expect(listing.stdout).toBe(`${"it's \"odd\"\nnamé -- $(x)"}\n`);
  });

  const bridgeUnavailable = interceptedShellUnavailable();
  (bridgeUnavailable ? describe.skip : describe)(
    `the exec bridge under restricted reads${bridgeUnavailable ? ` (skipped: ${bridgeUnavailable})` : ""}`,
    () => {
      test("every exec is still decided by the supervisor, from outside the fresh root; a denied one does not run", async () => {
        const bridge = await ExecBridge.start({
          decide: (request) => (request.argv[0] === "touch" ? { action: "deny", reason: "no touching" } : { action: "run" }),
        });
        try {
          const marker = join(workspace, "marker");
          const result = await bridge.run({
            script: `/bin/echo a; touch '${marker}'; echo "status $?"; cat '${secret}'`,
            cwd: workspace,
            policy: restricted([workspace]),
            env,
            sandbox: { linux: enforce },
          });
          expect(result.stdout).toBe("a\nstatus 126\n");
          expect(result.stderr).toBe(
            `cordon: execution denied: touch ${marker}: no touching\nbash: line 1: /usr/bin/touch: Permission denied\ncat: ${secret}: No such file or directory\n`,
          );
          expect(result.decisions.map((d) => [d.argv[0], d.action])).toEqual([
            ["/bin/echo", "run"],
            ["touch", "deny"],
            ["cat", "run"],
          ]);
          expect(existsSync(marker)).toBe(false);
        } finally {
          await bridge.close();
        }
      });
    },
  );

  describe("fail closed", () => {
    test("without the opt-in the library throws UnsupportedOperationError and spawns nothing", () => {
      const marker = join(workspace, "marker");
      const spawnIt = () => spawnSandboxed(["touch", marker], restricted([workspace]), { cwd: workspace, env });
      expect(spawnIt).toThrow(UnsupportedOperationError);
      expect(spawnIt).toThrow("Restricted read-only access is not yet supported by the Linux sandbox backend");
      expect(existsSync(marker)).toBe(false);
    });

    test("without Landlock the launcher refuses restricted reads, even with landlock best-effort, and runs nothing", () => {
      const marker = join(workspace, "marker");
      const plan = prepareSandboxedCommand(["touch", marker], restricted([workspace]), {
        cwd: workspace,
        env,
        linux: { ...enforce, landlock: "best-effort", simulateLandlockAbi: 0 },
      });
      const result = spawnSync(plan.program, plan.args, { cwd: workspace, env: plan.env, encoding: "utf8" });
      expect(result.status).toBe(125);
      expect(result.stderr).toMatch(
        /^cordon-linux-sandbox: restricted-reads: they need Landlock's READ_FILE, READ_DIR and EXECUTE rights \(ABI 1\), which this host does not provide \(simulated: no Landlock\)$/m,
      );
      expect(existsSync(marker)).toBe(false);
    });

    test("a readable path reached through a planted symbolic link is refused, and nothing runs", () => {
      const marker = join(workspace, "marker");
      const elsewhere = join(base, "elsewhere");
      mkdirSync(join(elsewhere, "data"), { recursive: true });
      symlinkSync(elsewhere, join(workspace, "link"));
      const plan = prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "read-only" }), { cwd: workspace, env });
      const result = spawnSync(
        plan.program,
        ["--readable-root", join(workspace, "link", "data"), "--readable-root", "/usr", "--", "touch", marker],
        { encoding: "utf8" },
      );
      expect(result.status).toBe(125);
      expect(result.stderr).toBe(
        `cordon-linux-sandbox: restricted-reads: ${join(workspace, "link", "data")}: reached through a symbolic link, so it is not the path planned\n`,
      );
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(dirname(marker))).toBe(true);
    });

    test("a readable path with a way up, or through a process's magic link in /proc, is refused, and nothing runs", () => {
      const marker = join(workspace, "marker");
      const launcher = prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "read-only" }), { cwd: workspace, env }).program;
      const refusals: [string, string][] = [
        [`${workspace}/../id_ed25519`, "not a canonical path"],
        ["/proc/self/root", "reached through a symbolic link, so it is not the path planned"],
        ["/proc/self/cwd/../id_ed25519", "not a canonical path"],
      ];
      for (const [path, reason] of refusals) {
        const args = ["--readable-root", path, "--readable-root", "/usr", "--readable-root", workspace, "--", "touch", marker];
        const result = spawnSync(launcher, args, { cwd: workspace, encoding: "utf8" });
        expect([path, result.status, result.stderr]).toEqual([path, 125, `cordon-linux-sandbox: restricted-reads: ${path}: ${reason}\n`]);
      }
      expect(existsSync(marker)).toBe(false);
    });
  });
});
