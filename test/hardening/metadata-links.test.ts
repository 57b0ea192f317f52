/**
 * Metadata changes through procfs magic links: a host file outside every
 * root, or the user's terminal, handed to the command as stdin lives on the
 * host's mounts, where the read-only binds do not reach and Landlock has no
 * right for mode, owner, times or extended attributes. Every way of naming it
 * (/proc/self/fd/0, /dev/fd/0, /dev/stdin, a descriptor reopened from them)
 * must leave it unchanged, judged from the host after the run; the
 * workspace's own files keep changing as the kernel allows, with the kernel's
 * own permission checks (a file of another user stays EPERM).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { linuxCommandArgs } from "../../src/linux/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { compile, hasTool, launcherPath, scratchDir, supervisorUnavailable } from "../supervisor/harness.js";

const NOBODY = 65534;
const probeSource = join(dirname(fileURLToPath(import.meta.url)), "..", "supervisor", "fixtures", "metadata-probe.c");
const unavailable = supervisorUnavailable();
if (unavailable) console.log(`metadata tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const asRoot = process.getuid?.() === 0;
const nobodySkip =
  process.getuid?.() !== 0 ? "needs root to become nobody" : !hasTool("setpriv") ? "needs setpriv to become nobody" : null;
const hasPython = hasTool("python3");

type Mode = "read-only" | "workspace-write" | "restricted reads";
const MODES: Mode[] = ["read-only", "workspace-write", "restricted reads"];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The launcher arguments for `command` under `mode`, with `workspace` the only writable (or readable) root. */
function launcherArgs(mode: Mode, workspace: string, command: string[]): string[] {
  if (mode === "read-only") return ["--", ...command];
  if (mode === "workspace-write") return ["--writable-root", workspace, "--", ...command];
  const policy = parseSandboxPolicy({
    type: "workspace-write",
    exclude_slash_tmp: true,
    exclude_tmpdir_env_var: true,
    read_only_access: { type: "restricted", readable_roots: [] },
  });
  return linuxCommandArgs(command, policy, {
    cwd: workspace,
    env: { PATH: "/usr/bin:/bin" },
    sandbox: { restrictedReads: "enforce" },
  });
}

/** Runs the launcher with `args`, stdin from the file open as `stdin` (and `extra` as descriptor 3), as `user` (undefined: the caller). */
function runLauncher(args: string[], cwd: string, stdin: number, user?: number, extra?: number): Promise<Run> {
  const [program, argv] =
    user === undefined
      ? [launcherPath, args]
      : ["setpriv", [`--reuid=${user}`, `--regid=${user}`, "--clear-groups", launcherPath, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { cwd, env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, stdio: extra === undefined ? [stdin, "pipe", "pipe"] : [stdin, "pipe", "pipe", extra] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Both are pipes, as stdio says.
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

const IDENTITIES: { name: string; user?: number; skip: string | null }[] = [
  { name: "as the caller", skip: null },
  { name: "as nobody", user: NOBODY, skip: nobodySkip },
];

describeHere(`metadata changes through magic links${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  for (const identity of IDENTITIES) {
    const describeIdentity = identity.skip ? describe.skip : describe;
    describeIdentity(`${identity.name}${identity.skip ? ` (skipped: ${identity.skip})` : ""}`, () => {
      let scratch: { path: string; remove: () => void };
      let workspace: string;
      let outside: string;
      let hostFile: string;
      let probe: string;
      const owner = identity.user ?? process.getuid!();
      const ownGroup = identity.user ?? process.getgid!();

      beforeEach(() => {
        scratch = scratchDir();
        workspace = join(scratch.path, "workspace");
        outside = join(scratch.path, "outside");
        mkdirSync(workspace);
        mkdirSync(outside);
        probe = compile(workspace, "metadata-probe", probeSource);
        hostFile = join(outside, "host-file");
        writeFileSync(hostFile, "the host's\n", { mode: 0o644 });
        chmodSync(hostFile, 0o644);
        if (identity.user !== undefined) {
          for (const path of [workspace, outside]) chownSync(path, identity.user, identity.user);
        }
        // In a group the caller is not in, where a chown to its own group would show.
        chownSync(hostFile, owner, NOBODY);
      });
      afterEach(() => scratch.remove());

      const shown = (path: string) => spawnSync(probe, ["show", path], { encoding: "utf8" }).stdout;

      for (const mode of MODES) {
        test(`${mode}: a host file outside the roots, as stdin, keeps its mode, owner, times and attributes`, async () => {
          const before = statSync(hostFile);
          const unchanged = `mode=644 uid=${owner} gid=${NOBODY} xattrs=\n`;
          expect(shown(hostFile)).toBe(unchanged);
          const attempts = [
            ["chmod", "/proc/self/fd/0", "4777"],
            ["fchmodat", "/dev/fd/0", "4777"],
            ["fchmodat2", "/dev/stdin", "4777"],
            ["chown", "/proc/self/fd/0", String(owner), String(ownGroup)],
            ["setxattr", "/proc/self/fd/0", "user.pwned", "1"],
            ["setxattr", "/dev/fd/0", "user.pwned", "1"],
            ["utimes", "/proc/self/fd/0"],
            ["reopen-fchmod", "/proc/self/fd/0", "4777"],
            ["reopen-fsetxattr", "/dev/stdin", "user.pwned", "1"],
            ["reopen-fchown", "/proc/self/fd/0", String(owner), String(ownGroup)],
          ];
          const script = attempts.map((attempt) => `'${probe}' ${attempt.join(" ")}`).join("; ");
          const stdin = openSync(hostFile, "r");
          let result: Run;
          try {
            result = await runLauncher(launcherArgs(mode, workspace, ["/bin/sh", "-c", script]), workspace, stdin, identity.user);
          } finally {
            closeSync(stdin);
          }
          expect(result.stderr).toBe("");
          // Under restricted reads Landlock already refuses to reopen a file outside the readable roots.
          const refusal = (action: string) =>
            mode === "restricted reads" && action.startsWith("reopen-") ? "open failed: EACCES" : `${action} failed: EPERM`;
          expect(result.stdout.split("\n").filter(Boolean)).toEqual(attempts.map((attempt) => refusal(attempt[0]!)));
          expect(shown(hostFile)).toBe(unchanged);
          expect(statSync(hostFile).mtimeMs).toBe(before.mtimeMs);
        });
      }

      test("a host file passed as descriptor 3 (passFds) keeps its mode", async () => {
        const passed = openSync(hostFile, "r");
        const stdin = openSync("/dev/null", "r");
        const args = ["--writable-root", workspace, "--pass-fd", "3", "--", probe, "fd-fchmod", "3", "4777"];
        let result: Run;
        try {
          result = await runLauncher(args, workspace, stdin, identity.user, passed);
        } finally {
          closeSync(passed);
          closeSync(stdin);
        }
        expect(result.stdout).toBe("fd-fchmod failed: EPERM\n");
        expect(shown(hostFile)).toBe(`mode=644 uid=${owner} gid=${NOBODY} xattrs=\n`);
      });

      test("workspace files change as the kernel allows: chmod +x, attributes, times, touch, through a plain symlink, a memfd", async () => {
        const file = join(workspace, "script");
        writeFileSync(file, "echo hi\n", { mode: 0o644 });
        chmodSync(file, 0o644);
        symlinkSync("script", join(workspace, "link"));
        if (identity.user !== undefined) chownSync(file, identity.user, identity.user);
        const script = [
          "chmod +x script && echo chmod ok",
          `'${probe}' setxattr script user.kept yes`,
          `'${probe}' fchmodat2 link 750`,
          `'${probe}' utimes link`,
          "touch created && echo touch ok",
          `'${probe}' reopen-fchmod script 700`,
          `'${probe}' memfd-fchmod in-memory 755`,
        ].join("; ");
        const stdin = openSync("/dev/null", "r");
        const result = await runLauncher(launcherArgs("workspace-write", workspace, ["/bin/sh", "-c", script]), workspace, stdin, identity.user);
        closeSync(stdin);
        expect(result.stderr).toBe("");
        expect(result.stdout).toBe("chmod ok\nsetxattr ok\nfchmodat2 ok\nutimes ok\ntouch ok\nreopen-fchmod ok\nmemfd-fchmod ok\n");
        expect(shown(file)).toBe(`mode=700 uid=${owner} gid=${ownGroup} xattrs=user.kept\n`);
        expect(statSync(file).mtimeMs).toBe(1000);
        expect(statSync(join(workspace, "created")).isFile()).toBe(true);
      });

      (asRoot ? test : test.skip)(`a workspace file of another user: chmod and chown fail with EPERM, as the kernel's, and it is unchanged${asRoot ? "" : " (skipped: needs root to give a file to another user)"}`, async () => {
        const file = join(workspace, "theirs");
        writeFileSync(file, "", { mode: 0o644 });
        chmodSync(file, 0o644);
        const stranger = identity.user === undefined ? NOBODY : 0;
        chownSync(file, stranger, stranger);
        const script = `'${probe}' chmod theirs 4777; '${probe}' chown theirs ${owner} ${ownGroup}; '${probe}' reopen-fchmod theirs 4777`;
        const stdin = openSync("/dev/null", "r");
        const result = await runLauncher(launcherArgs("workspace-write", workspace, ["/bin/sh", "-c", script]), workspace, stdin, identity.user);
        closeSync(stdin);
        expect(result.stdout).toBe("chmod failed: EPERM\nchown failed: EPERM\nreopen-fchmod failed: EPERM\n");
        expect(shown(file)).toBe(`mode=644 uid=${stranger} gid=${stranger} xattrs=\n`);
      });

      test("a path through the process's own cwd link is refused too (a magic link), a plain path to the same file is not", async () => {
        const file = join(workspace, "mine");
        writeFileSync(file, "", { mode: 0o644 });
        chmodSync(file, 0o644);
        if (identity.user !== undefined) chownSync(file, identity.user, identity.user);
        const script = `'${probe}' chmod /proc/self/cwd/mine 600; '${probe}' chmod /proc/thread-self/root${workspace}/mine 600; '${probe}' chmod ./mine 640`;
        const stdin = openSync("/dev/null", "r");
        const result = await runLauncher(launcherArgs("workspace-write", workspace, ["/bin/sh", "-c", script]), workspace, stdin, identity.user);
        closeSync(stdin);
        expect(result.stdout).toBe("chmod failed: EPERM\nchmod failed: EPERM\nchmod ok\n");
        expect(shown(file)).toBe(`mode=640 uid=${owner} gid=${ownGroup} xattrs=\n`);
      });

      (hasPython ? test : test.skip)(
        `on a terminal (a real pty) as stdin, its mode is unchanged${hasPython ? "" : " (skipped: needs python3 for the pty)"}`,
        () => {
          // The pty belongs to the user running the launcher, as a login terminal would.
          const host = [
            "import os, sys, subprocess",
            "controller, terminal = os.openpty()",
            `user = ${identity.user ?? -1}`,
            "if user >= 0: os.fchown(terminal, user, user)",
            "os.fchmod(terminal, 0o620)",
            "before = os.stat(terminal).st_mode & 0o7777",
            "subprocess.run(sys.argv[1:], stdin=terminal, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)",
            "print(oct(before), oct(os.stat(terminal).st_mode & 0o7777))",
          ].join("\n");
          const script = `'${probe}' chmod /proc/self/fd/0 666; '${probe}' chmod /dev/stdin 666; '${probe}' reopen-fchmod /dev/fd/0 666`;
          const args = launcherArgs("workspace-write", workspace, ["/bin/sh", "-c", script]);
          const command =
            identity.user === undefined
              ? [launcherPath, ...args]
              : ["setpriv", `--reuid=${identity.user}`, `--regid=${identity.user}`, "--clear-groups", launcherPath, ...args];
          const result = spawnSync("python3", ["-c", host, ...command], { cwd: workspace, encoding: "utf8", timeout: 90_000 });
          expect(result.stderr).toBe("");
          expect(result.stdout).toBe("0o620 0o620\n");
        },
      );
    });
  }
});
