/**
 * The supervisor resolves a path exactly as the process would: from the
 * process's root and working directory, through /proc/self, /proc/thread-self
 * and /dev/fd as the process sees them, never in the launcher's own context.
 * Each case is judged from the host side: whether the forbidden program left
 * its marker, what the exec server was asked, and (for random symlink chains)
 * whether the file the supervisor named is the inode the kernel then ran.
 * It never reads what the process could not open: a hidden file answers as a
 * missing one, a FIFO is never opened, a file the process may not execute is
 * not read (its access time stays).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, statSync, symlinkSync, utimesSync, writeFileSync, constants } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { linuxCommandArgs } from "../../src/linux/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import {
  compile,
  compileProbe,
  hasTool,
  launch,
  launcherPath,
  scratchDir,
  startExecServer,
  supervisorUnavailable,
  type Answer,
  type ExecServer,
  type LaunchResult,
  type SeenRequest,
} from "./harness.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const unavailable = supervisorUnavailable();
if (unavailable) console.log(`supervisor resolution tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

const TOUCH = "/usr/bin/touch";
const NOBODY = 65534;
const namesTouch = (request: SeenRequest) => request.executable === TOUCH || request.interpreter === TOUCH;
const denyTouch = (request: SeenRequest): Answer => (namesTouch(request) ? { action: "deny", reason: "touch is not allowed" } : { action: "run" });

const asRoot = process.getuid?.() === 0;
const NEEDS_ROOT = "needs root to give a file to another user";
const nobodySkip = process.getuid?.() !== 0 ? "needs root to become nobody" : !hasTool("setpriv") ? "needs setpriv to become nobody" : null;
const IDENTITIES: { name: string; user?: number; skip: string | null }[] = [
  { name: "as the caller", skip: null },
  { name: "as nobody", user: NOBODY, skip: nobodySkip },
];

/** Runs the launcher with `args` as `user`, killed after `timeoutMs`; `timedOut` says whether it had to be. */
function runArgs(args: string[], cwd: string, user: number | undefined, timeoutMs: number): Promise<LaunchResult & { timedOut: boolean }> {
  const [program, argv] =
    user === undefined ? [launcherPath, args] : ["setpriv", [`--reuid=${user}`, `--regid=${user}`, "--clear-groups", launcherPath, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { cwd, env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, stdio: ["ignore", "pipe", "pipe"] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, timedOut, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

describeHere(`supervisor: paths resolved as the process resolves them${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  for (const identity of IDENTITIES) {
    const describeIdentity = identity.skip ? describe.skip : describe;
    describeIdentity(`${identity.name}${identity.skip ? ` (skipped: ${identity.skip})` : ""}`, () => {
      let scratch: { path: string; remove: () => void };
      let server: ExecServer;
      let workspace: string;

      beforeEach(async () => {
        scratch = scratchDir();
        workspace = join(scratch.path, "W");
        mkdirSync(join(workspace, "d"), { recursive: true });
        if (identity.user !== undefined) {
          chownSync(workspace, identity.user, identity.user);
          chownSync(join(workspace, "d"), identity.user, identity.user);
        }
        server = await startExecServer(scratch.path, denyTouch);
      });
      afterEach(async () => {
        await server.close();
        scratch.remove();
      });

      // The launcher runs in W, the command in W/d: a lookup made in the
      // launcher's context finds W's decoys instead of W/d's files.
      const run = (script: string) =>
        launch(["/bin/bash", "-c", script], { cwd: workspace, execSocket: server.socketPath, asUser: identity.user });

      test("the issue's case: /proc/self/cwd/l, with l -> /proc/self/cwd/x, is judged as the touch it runs, and touch does not run", async () => {
        symlinkSync("/usr/bin/true", join(workspace, "x"));
        symlinkSync(TOUCH, join(workspace, "d", "x"));
        symlinkSync("/proc/self/cwd/x", join(workspace, "d", "l"));
        const marker = join(workspace, "d", "PWNED");
        const result = await run(`cd d && /proc/self/cwd/l PWNED; echo "status $?"`);
        expect(result.stdout).toBe("status 126\n");
        expect(existsSync(marker)).toBe(false);
        expect(server.requests.filter((r) => r.argv[1] === "PWNED")).toEqual([
          expect.objectContaining({ file: "/proc/self/cwd/l", executable: TOUCH, anonymous: false }),
        ]);
      });

      test("a #!/proc/self/cwd/i interpreter, with i -> /proc/self/cwd/x, is named as the touch that would read the script", async () => {
        symlinkSync("/usr/bin/true", join(workspace, "x"));
        symlinkSync(TOUCH, join(workspace, "d", "x"));
        symlinkSync("/proc/self/cwd/x", join(workspace, "d", "i"));
        writeFileSync(join(workspace, "d", "s"), "#!/proc/self/cwd/i\n", { mode: 0o755 });
        if (identity.user !== undefined) chownSync(join(workspace, "d", "s"), identity.user, identity.user);
        const result = await run(`cd d && ./s PWNED; echo "status $?"`);
        expect(result.stdout).toBe("status 126\n");
        expect(existsSync(join(workspace, "d", "PWNED"))).toBe(false);
        expect(server.requests.filter((r) => r.argv[1] === "PWNED")).toEqual([
          expect.objectContaining({ file: "./s", executable: join(workspace, "d", "s"), interpreter: TOUCH }),
        ]);
      });

      test("a PT_INTERP of /proc/self/cwd/ld, with ld -> /proc/self/cwd/x, is named as the touch the kernel would load", async () => {
        symlinkSync("/usr/bin/true", join(workspace, "x"));
        symlinkSync(TOUCH, join(workspace, "d", "x"));
        symlinkSync("/proc/self/cwd/x", join(workspace, "d", "ld"));
        writeFileSync(join(scratch.path, "main.c"), "int main(void) { return 0; }\n");
        const program = compile(scratch.path, "custom-interp", join(scratch.path, "main.c"), ["-Wl,--dynamic-linker=/proc/self/cwd/ld"]);
        const result = await run(`cd d && '${program}' PWNED; echo "status $?"`);
        expect(result.stdout).toBe("status 126\n");
        expect(server.requests.filter((r) => r.argv[1] === "PWNED")).toEqual([
          expect.objectContaining({ executable: program, interpreter: TOUCH }),
        ]);
      });

      test("siblings: /proc/thread-self/cwd and /dev/fd/N in a link target are the process's own, not the launcher's", async () => {
        symlinkSync("/usr/bin/true", join(workspace, "x"));
        symlinkSync(TOUCH, join(workspace, "d", "x"));
        symlinkSync("/proc/thread-self/cwd/x", join(workspace, "d", "thread"));
        symlinkSync("/dev/fd/7/x", join(workspace, "d", "descriptor"));
        const result = await run(`cd d && exec 7<. && ./thread ONE; echo "status $?"; ./descriptor TWO; echo "status $?"`);
        expect(result.stdout).toBe("status 126\nstatus 126\n");
        expect(existsSync(join(workspace, "d", "ONE"))).toBe(false);
        expect(existsSync(join(workspace, "d", "TWO"))).toBe(false);
        for (const tag of ["ONE", "TWO"]) {
          expect(server.requests.filter((r) => r.argv[1] === tag)).toEqual([expect.objectContaining({ executable: TOUCH })]);
        }
      });

      test("a thread with a working directory of its own: /proc/self/cwd is its process's, /proc/thread-self/cwd its own", async () => {
        symlinkSync(TOUCH, join(workspace, "x"));
        symlinkSync("/usr/bin/true", join(workspace, "d", "x"));
        const threadExec = compile(scratch.path, "thread-exec", join(fixtures, "thread-exec.c"), ["-pthread"]);
        const result = await run(
          `'${threadExec}' d /proc/self/cwd/x x PROCESS; echo "status $?"; '${threadExec}' d /proc/thread-self/cwd/x x THREAD; echo "status $?"`,
        );
        expect(result.stdout).toBe("execv failed: EACCES\nstatus 1\nstatus 0\n");
        expect(existsSync(join(workspace, "PROCESS"))).toBe(false);
        expect(server.requests.filter((r) => r.argv[1] === "PROCESS")).toEqual([expect.objectContaining({ executable: TOUCH })]);
        expect(server.requests.filter((r) => r.argv[1] === "THREAD")).toEqual([expect.objectContaining({ executable: "/usr/bin/true" })]);
      });

      test("a FIFO named as a #! interpreter is never opened: EACCES at once, and its writer finds no reader", async () => {
        const fifo = join(workspace, "fifo");
        expect(spawnSync("mkfifo", ["-m", "0755", fifo]).status).toBe(0);
        if (identity.user !== undefined) chownSync(fifo, identity.user, identity.user);
        writeFileSync(join(workspace, "script"), `#!${fifo}\n`, { mode: 0o755 });
        // The probe, not a shell: bash itself opens a file it failed to run, to explain why.
        const probe = compileProbe(scratch.path);
        const command = `'${probe}' execve '${workspace}/script' script; '${probe}' execve '${fifo}' fifo`;
        const result = await runArgs(
          ["--writable-root", workspace, "--exec-socket", server.socketPath, "--", "/bin/sh", "-c", command],
          workspace,
          identity.user,
          20_000,
        );
        expect(result.timedOut).toBe(false);
        expect(result.stdout).toBe("execve failed: EACCES\nexecve failed: EACCES\n");
        expect(() => closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))).toThrow(expect.objectContaining({ code: "ENXIO" }));
      });

      test("restricted reads: a hidden program answers ENOENT, as a missing one does, however it is named; neither is asked", async () => {
        const hidden = join(scratch.path, "hidden");
        mkdirSync(hidden);
        copyFileSync("/usr/bin/true", join(hidden, "program"));
        chmodSync(join(hidden, "program"), 0o755);
        const probe = compileProbe(workspace);
        symlinkSync(`/proc/self/root${hidden}/program`, join(workspace, "to-hidden"));
        symlinkSync(`/proc/self/root${hidden}/missing`, join(workspace, "to-missing"));
        symlinkSync(`/proc/thread-self/root${hidden}/program`, join(workspace, "thread-to-hidden"));
        // Through /proc/self/cwd, a lookup in the launcher's context would follow the link on the host, where the program exists.
        const names = [
          "./to-hidden",
          "./to-missing",
          "/proc/self/cwd/to-hidden",
          "/proc/self/cwd/to-missing",
          "./thread-to-hidden",
          `${hidden}/program`,
          `${hidden}/missing`,
          `/dev/fd/../../..${hidden}/program`,
        ];
        const policy = parseSandboxPolicy({
          type: "workspace-write",
          exclude_slash_tmp: true,
          exclude_tmpdir_env_var: true,
          read_only_access: { type: "restricted", readable_roots: [] },
        });
        const command = names.map((name, i) => `'${probe}' execve '${name}' tag-${i}`).join("; ");
        const args = linuxCommandArgs(["/bin/sh", "-c", command], policy, {
          cwd: workspace,
          env: { PATH: "/usr/bin:/bin" },
          sandbox: { restrictedReads: "enforce" },
          execSocket: server.socketPath,
        });
        const result = await runArgs(args, workspace, identity.user, 60_000);
        expect(result.stderr).toBe("");
        expect(result.stdout).toBe("execve failed: ENOENT\n".repeat(names.length));
        expect(server.requests.filter((r) => r.argv[0]?.startsWith("tag-"))).toEqual([]);
      });

      (asRoot ? test : test.skip)(`a script the process may not execute (another user's, mode 0700) is refused as the kernel would, unasked and unread${asRoot ? "" : ` (skipped: ${NEEDS_ROOT})`}`, async () => {
        const script = join(workspace, "theirs");
        writeFileSync(script, `#!${TOUCH}\n`, { mode: 0o700 });
        const stranger = identity.user === undefined ? NOBODY : 0;
        chownSync(script, stranger, stranger);
        chmodSync(script, 0o700);
        // A read would move the access time (relatime: it is older than the modification).
        utimesSync(script, 1000, 2000);
        const result = await run(`'${script}' PWNED; echo "status $?"`);
        expect(result.stdout).toBe("status 126\n");
        expect(server.requests.filter((r) => r.argv[1] === "PWNED")).toEqual([]);
        expect(statSync(script).atimeMs).toBe(1_000_000);
      });
    });
  }
});
