/**
 * Each right the launcher's Landlock ruleset handles, seen where Landlock
 * alone decides: the launcher as on a host that allows no namespace, so no
 * read-only mount tree refuses first (EROFS) and no PID namespace hides the
 * host's processes; for TCP and abstract Unix sockets also where no seccomp
 * filter can be added, since the filter's socket rules and its supervisor
 * would refuse first.
 *
 * Every attempt is made three ways. Aimed past what the policy grants (a
 * directory outside every writable root, a host terminal the command was
 * not given, a host process, a loopback port or abstract socket of the
 * host), where the kernel refuses it (EACCES; EXDEV for a link that needs
 * REFER; EPERM for the scopes) and the host then finds nothing changed: the
 * whole test directory as it was (names, types, sizes, contents, links),
 * the terminal's size, the process running, no connection. Aimed where the
 * policy grants it (the workspace, the given terminal, the sandbox's own
 * process or socket, the network allowed), where it works and the host sees
 * its effect (device nodes excepted: no writable root grants them). And for
 * files, terminals and processes the same without the sandbox, where it
 * works too: the refusal is the sandbox's, not the permission bits'. As
 * root (without capabilities inside, so the permission bits hold) and as
 * nobody.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { landlockAbi } from "../../src/native/index.js";
import type { Operation } from "../linux/run-sandboxed.js";
import { hasTool, launcherPath, supervisorUnavailable } from "../supervisor/harness.js";
import { startCountingServer, type CountingServer } from "../support/counting-server.js";
import { testEnv } from "../support/env.js";
import { describeUnless, testUnless } from "../support/skip.js";

const here = dirname(fileURLToPath(import.meta.url));
const probeScript = join(here, "landlock-probe.py");
const withoutSeccomp = join(here, "without-seccomp.py");

const NOBODY = 65534;
// The protections a host without namespaces cannot give, downgraded by name.
const LANDLOCK_ALONE = ["--simulate-no-namespaces", ...["terminal", "network-namespace", "read-only-subpaths", "file-metadata"].flatMap((p) => ["--best-effort", p])];
// ENOMEM, as musl and glibc word it.
const SECCOMP_MISSING = /cordon-linux-sandbox: warning: seccomp: cannot install the filter: (Out of memory|Cannot allocate memory)/;

const unavailable = supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed");
const abi = unavailable ? 0 : landlockAbi().abi;
const needsAbi = (version: number, what: string) => (abi >= version ? null : `${what} needs Landlock ABI ${version} (this host: ${abi})`);
const nobodySkip = process.getuid?.() !== 0 ? "needs root to become nobody" : hasTool("setpriv") ? null : "needs setpriv to become nobody";

const USERS: [string, number | undefined, string | null][] = [
  ["as root", undefined, null],
  ["as nobody", NOBODY, nobodySkip],
];

const asUser = (user: number | undefined): string[] =>
  user === undefined ? [] : ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", "--"];

interface RunOptions {
  user: number | undefined;
  workspace: string;
  /** Under a full seccomp chain: the launcher's own filter cannot be added (downgraded by name). */
  seccompMissing?: boolean;
  allowNetwork?: boolean;
}

/** The launcher's argv (with its prefix) running the probe on `operations`. */
function sandboxed(operations: Operation[], o: RunOptions): string[] {
  return [
    ...(o.seccompMissing ? ["python3", withoutSeccomp] : []),
    ...asUser(o.user),
    launcherPath,
    "--writable-root",
    o.workspace,
    ...LANDLOCK_ALONE,
    ...(o.seccompMissing ? ["--best-effort", "seccomp"] : []),
    ...(o.allowNetwork ? ["--allow-network"] : []),
    "--",
    "python3",
    probeScript,
    JSON.stringify(operations),
  ];
}

/** The probe on `operations` without any sandbox, as `user`. */
const unconfined = (operations: Operation[], user: number | undefined): string[] => [...asUser(user), "python3", probeScript, JSON.stringify(operations)];

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` in `cwd`; `onStderr` sees each line of its stderr as it comes, with the child (to answer on stdin). */
function run(argv: string[], cwd: string, onStderr?: (line: string, child: ChildProcess) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: testEnv(), stdio: [onStderr ? "pipe" : "ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr!.on("data", (chunk: Buffer) => {
      const before = stderr.split("\n").length - 1;
      stderr += chunk.toString("utf8");
      const lines = stderr.split("\n");
      for (const line of lines.slice(before, -1)) onStderr?.(line, child);
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The probe's answers: one per operation. */
function results(outcome: Outcome): string[] {
  if (outcome.status !== 0) throw new Error(`the probe failed (${outcome.status}): ${outcome.stderr}`);
  return JSON.parse(outcome.stdout) as string[];
}

/** Everything under `dir` as the host sees it: per name its type and mode, owner, links, device, size, and contents or target. */
function snapshot(dir: string): Record<string, string> {
  const seen: Record<string, string> = {};
  const walk = (path: string, relative: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const key = join(relative, name);
      const st = lstatSync(full);
      const body = st.isFile() ? readFileSync(full, "latin1") : st.isSymbolicLink() ? `-> ${readlinkSync(full)}` : "";
      seen[key] = `${st.mode.toString(8)} ${st.uid}:${st.gid} links ${st.nlink} device ${st.rdev} size ${st.size} ${body}`;
      if (st.isDirectory()) walk(full, key);
    }
  };
  walk(dir, "");
  return seen;
}

/** A right on files, tried at a directory: outside every root, or the workspace. */
interface FileRight {
  right: string;
  what: string;
  attempt: (dir: string, workspace: string) => Operation[];
  /** The kernel's answers outside every root. */
  refused: string[];
  /** Its answers in the workspace. */
  inWorkspace: string[];
  /** Its answers without the sandbox, when not all "OK". */
  unconfined?: (user: number | undefined) => string[];
  /** The attempt takes a file from the directory (to the workspace), rather than acting in it. */
  from?: true;
  /** The host finds the attempt's effect at `dir`. */
  done: (dir: string, workspace: string) => boolean;
}

const KEEP = "keep\n";
/** Whether `path` exists as that kind of file (not followed). */
const is = (path: string, kind: "isFile" | "isDirectory" | "isSymbolicLink" | "isFIFO" | "isSocket" | "isCharacterDevice" | "isBlockDevice") =>
  lstatSync(path, { throwIfNoEntry: false })?.[kind]() ?? false;

const FILE_RIGHTS: FileRight[] = [
  {
    right: "WRITE_FILE",
    what: "appending to an existing file",
    attempt: (dir) => [["append", join(dir, "existing"), "more"]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => readFileSync(join(dir, "existing"), "utf8") === `${KEEP}more`,
  },
  {
    right: "WRITE_FILE and TRUNCATE",
    what: "rewriting an existing file (O_TRUNC)",
    attempt: (dir) => [["write", join(dir, "existing"), "new"]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => readFileSync(join(dir, "existing"), "utf8") === "new",
  },
  {
    right: "TRUNCATE",
    what: "truncate(2) of an existing file",
    attempt: (dir) => [["truncate", join(dir, "existing")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => statSync(join(dir, "existing")).size === 0,
  },
  {
    right: "REMOVE_FILE",
    what: "unlinking a file",
    attempt: (dir) => [["unlink", join(dir, "existing")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => !existsSync(join(dir, "existing")),
  },
  {
    right: "REMOVE_DIR",
    what: "removing an empty directory",
    attempt: (dir) => [["rmdir", join(dir, "empty")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => !existsSync(join(dir, "empty")),
  },
  {
    right: "MAKE_REG",
    what: "creating a regular file (O_CREAT, read-only)",
    attempt: (dir) => [["create", join(dir, "new")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => is(join(dir, "new"), "isFile"),
  },
  {
    right: "MAKE_DIR",
    what: "making a directory",
    attempt: (dir) => [["mkdir", join(dir, "new")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => is(join(dir, "new"), "isDirectory"),
  },
  {
    right: "MAKE_SYM",
    what: "making a symbolic link",
    attempt: (dir) => [["symlink", "existing", join(dir, "new")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => is(join(dir, "new"), "isSymbolicLink"),
  },
  {
    right: "MAKE_FIFO",
    what: "making a named pipe",
    attempt: (dir) => [["mknod", join(dir, "new"), "fifo"]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => is(join(dir, "new"), "isFIFO"),
  },
  {
    right: "MAKE_SOCK",
    what: "binding a Unix socket to a new name",
    attempt: (dir) => [["bind_unix", join(dir, "new")]],
    refused: ["EACCES"],
    inWorkspace: ["OK"],
    done: (dir) => is(join(dir, "new"), "isSocket"),
  },
  // A character device 0:0 needs no capability, so only Landlock stands in the way.
  {
    right: "MAKE_CHAR",
    what: "making a character device node (0:0)",
    attempt: (dir) => [["mknod", join(dir, "new"), "char", "0", "0"]],
    refused: ["EACCES"],
    inWorkspace: ["EACCES"],
    done: (dir) => is(join(dir, "new"), "isCharacterDevice"),
  },
  // A block device needs CAP_MKNOD, which the command never has: Landlock
  // refuses before that check (EACCES); without it the kernel says EPERM.
  {
    right: "MAKE_BLOCK",
    what: "making a block device node (0:0)",
    attempt: (dir) => [["mknod", join(dir, "new"), "block", "0", "0"]],
    refused: ["EACCES"],
    inWorkspace: ["EACCES"],
    unconfined: (user) => [user === undefined ? "OK" : "EPERM"],
    done: (dir) => is(join(dir, "new"), "isBlockDevice"),
  },
  // Moving or linking a file into another directory needs REFER on both
  // sides. A hard link of an outside file in the workspace would make the
  // file writable through it: EXDEV. A rename out of outside also removes
  // a name there: EACCES.
  {
    right: "REFER",
    what: "hard-linking, then renaming, a file into another directory of the workspace",
    from: true,
    attempt: (dir, workspace) => [
      ["link", join(dir, "existing"), join(workspace, "other", "linked")],
      ["rename", join(dir, "existing"), join(workspace, "other", "moved")],
    ],
    refused: ["EXDEV", "EACCES"],
    inWorkspace: ["OK", "OK"],
    done: (_dir, workspace) => existsSync(join(workspace, "other", "linked")) && existsSync(join(workspace, "other", "moved")),
  },
];

describeUnless(unavailable)(`Landlock alone: each right it handles, outside the writable roots and inside${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let base: string;
  let workspace: string;
  let outside: string;

  /** The same files in the workspace and outside: `existing` ("keep\n"), `empty/`, `other/`; all owned by `user`. */
  const makeWorld = (user: number | undefined) => {
    base = mkdtempSync(join(tmpdir(), "cordon-landlock-"));
    chmodSync(base, 0o755);
    workspace = join(base, "workspace");
    outside = join(base, "outside");
    for (const dir of [workspace, outside]) {
      mkdirSync(join(dir, "empty"), { recursive: true });
      mkdirSync(join(dir, "other"));
      writeFileSync(join(dir, "existing"), KEEP);
    }
    if (user !== undefined) {
      for (const dir of [workspace, outside]) {
        for (const path of [dir, ...readdirSync(dir).map((name) => join(dir, name))]) chownSync(path, user, user);
      }
    }
  };
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  describe.each(USERS)("%s", (_label, user, skip) => {
    const it = testUnless(skip);
    beforeEach(() => makeWorld(user));

    describe.each(FILE_RIGHTS.map((row) => [row.right, row] as const))("%s", (_right, row) => {
      const at = row.from ? "from" : "at";
      it(`${row.right}: ${row.what}, ${at} a directory outside every writable root, fails with ${row.refused.join(", ")}; the host finds nothing changed`, async () => {
        const before = snapshot(base);
        expect(results(await run(sandboxed(row.attempt(outside, workspace), { user, workspace }), workspace))).toEqual(row.refused);
        expect(row.done(outside, workspace)).toBe(false);
        expect(snapshot(base)).toEqual(before);
      });

      const allowed = row.inWorkspace.every((result) => result === "OK");
      const inWorkspace = allowed
        ? "works, as the host sees"
        : `fails with ${row.inWorkspace.join(", ")} too (no writable root grants device nodes); the host finds nothing changed`;
      it(`${row.right}: ${row.what}, ${at} the workspace, ${inWorkspace}`, async () => {
        const before = snapshot(base);
        expect(results(await run(sandboxed(row.attempt(workspace, workspace), { user, workspace }), workspace))).toEqual(row.inWorkspace);
        expect(row.done(workspace, workspace)).toBe(allowed);
        if (!allowed) expect(snapshot(base)).toEqual(before);
      });

      const expected = row.unconfined?.(user) ?? row.refused.map(() => "OK");
      const unconfinedly = expected.every((result) => result === "OK")
        ? "is allowed by the file permissions"
        : `gives ${expected.join(", ")} (the kernel's own refusal: no CAP_MKNOD)`;
      it(`${row.right}: ${row.what}, ${at} that directory without the sandbox, ${unconfinedly}`, async () => {
        expect(results(await run(unconfined(row.attempt(outside, workspace), user), workspace))).toEqual(expected);
        expect(row.done(outside, workspace)).toBe(expected.every((result) => result === "OK"));
      });
    });

    // A terminal of the host's the command was not given, opened by path
    // (reads are allowed everywhere): its ioctls need IOCTL_DEV, which only
    // the terminals on descriptors 0 to 2, /dev/null and /dev/tty get.
    describe("IOCTL_DEV", () => {
      const terminalHost = `
import fcntl, json, os, struct, subprocess, sys, termios
uid, given, argv = int(sys.argv[1]), sys.argv[2] == "given", sys.argv[3:]
controller, terminal = os.openpty()
name = os.ttyname(terminal)
os.chown(name, uid, uid)
fcntl.ioctl(controller, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
run = subprocess.run([arg.replace("{terminal}", name) for arg in argv], stdin=terminal if given else subprocess.DEVNULL, capture_output=True, text=True)
size = struct.unpack("HHHH", fcntl.ioctl(controller, termios.TIOCGWINSZ, bytes(8)))[:2]
print(json.dumps({"status": run.returncode, "stdout": run.stdout, "stderr": run.stderr, "size": list(size)}))
`;
      const SET_SIZE: Operation[] = [["winsize", "{terminal}", "33", "77"]];
      /** `argv` with a fresh host terminal ("{terminal}"), given as stdin or not; what it answered, and the terminal's size after. */
      const onTerminal = async (argv: string[], given: boolean) => {
        const outcome = await run(["python3", "-c", terminalHost, String(user ?? 0), given ? "given" : "not-given", ...argv], workspace);
        expect(outcome.status).toBe(0);
        const report = JSON.parse(outcome.stdout) as Outcome & { size: number[] };
        return { results: results(report), size: report.size };
      };
      const itAbi5 = testUnless(skip ?? needsAbi(5, "IOCTL_DEV"));

      itAbi5("IOCTL_DEV: TIOCSWINSZ on a host terminal the command was not given fails with EACCES; its size is unchanged", async () => {
        expect(await onTerminal(sandboxed(SET_SIZE, { user, workspace }), false)).toEqual({ results: ["EACCES"], size: [24, 80] });
      });
      itAbi5("IOCTL_DEV: TIOCSWINSZ on the terminal the command was given, opened by path, works, as the host sees", async () => {
        expect(await onTerminal(sandboxed(SET_SIZE, { user, workspace }), true)).toEqual({ results: ["OK"], size: [33, 77] });
      });
      itAbi5("IOCTL_DEV: TIOCSWINSZ on that host terminal without the sandbox is allowed by its permissions", async () => {
        expect(await onTerminal(unconfined(SET_SIZE, user), false)).toEqual({ results: ["OK"], size: [33, 77] });
      });
    });

    // Without a PID namespace the host's processes are in sight; the signal
    // scope alone keeps the command from them (same uid: kill(2) allows it).
    describe("scope SIGNAL", () => {
      const itAbi6 = testUnless(skip ?? needsAbi(6, "the signal scope"));
      let target: ChildProcess;
      beforeEach(async () => {
        const [program, ...args] = [...asUser(user), "sleep", "60"];
        target = spawn(program!, args, { stdio: "ignore" });
        await once(target, "spawn");
      });
      afterEach(() => target.kill("SIGKILL"));
      /** Whether the host's process still runs (its end, if any, is seen within a moment). */
      const running = async () => {
        if (target.exitCode === null && target.signalCode === null) await Promise.race([once(target, "exit"), new Promise((resolve) => setTimeout(resolve, 300))]);
        return target.exitCode === null && target.signalCode === null;
      };

      itAbi6("scope SIGNAL: SIGTERM to a host process of the same user fails with EPERM; it still runs", async () => {
        expect(results(await run(sandboxed([["signal", String(target.pid)]], { user, workspace }), workspace))).toEqual(["EPERM"]);
        expect(await running()).toBe(true);
      });
      itAbi6("scope SIGNAL: SIGTERM to a process of the sandbox's own works", async () => {
        expect(results(await run(sandboxed([["kill_own_child"]], { user, workspace }), workspace))).toEqual(["OK"]);
        expect(await running()).toBe(true);
      });
      itAbi6("scope SIGNAL: SIGTERM to that host process without the sandbox ends it", async () => {
        expect(results(await run(unconfined([["signal", String(target.pid)]], user), workspace))).toEqual(["OK"]);
        expect(await running()).toBe(false);
        expect(target.signalCode).toBe("SIGTERM");
      });
    });

    // Where no seccomp filter can be added nothing refuses an AF_INET socket
    // or vets its address but Landlock's TCP rights (no network, no network
    // namespace of its own).
    describe("TCP without network", () => {
      const itAbi4 = testUnless(skip ?? needsAbi(4, "TCP rights"));
      let server: CountingServer;
      beforeEach(async () => {
        server = await startCountingServer();
      });
      afterEach(() => server.close());
      const port = () => String(server.port);
      /** The probe's answers to tcp_listen, and whether the host reached the port it listened on. */
      const listen = async (options: RunOptions) => {
        let reached = false;
        const outcome = await run(sandboxed([["tcp_listen", "127.0.0.1"]], options), workspace, (line, child) => {
          const listening = /^listening (\d+)$/.exec(line);
          if (!listening) return;
          const socket = connect(Number(listening[1]), "127.0.0.1");
          socket.on("connect", () => {
            reached = true;
            socket.destroy();
          });
          socket.on("error", () => {});
          socket.on("close", () => child.stdin!.end("\n"));
        });
        expect(outcome.stderr).toMatch(SECCOMP_MISSING);
        return { results: results(outcome), reached };
      };
      const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

      itAbi4("TCP: CONNECT_TCP to a host port on loopback fails with EACCES; the host's server saw no connection", async () => {
        const outcome = await run(sandboxed([["tcp", "127.0.0.1", port()]], { user, workspace, seccompMissing: true }), workspace);
        expect(outcome.stderr).toMatch(SECCOMP_MISSING);
        expect(results(outcome)).toEqual(["EACCES"]);
        await settle();
        expect(server.connections()).toBe(0);
      });
      itAbi4("TCP: BIND_TCP of a port fails with EACCES; the host reached nothing", async () => {
        expect(await listen({ user, workspace, seccompMissing: true })).toEqual({ results: ["EACCES"], reached: false });
      });
      itAbi4("TCP: with network allowed the same connect reaches the host's server", async () => {
        const outcome = await run(sandboxed([["tcp", "127.0.0.1", port()]], { user, workspace, seccompMissing: true, allowNetwork: true }), workspace);
        expect(results(outcome)).toEqual(["OK"]);
        await settle();
        expect(server.connections()).toBe(1);
      });
      itAbi4("TCP: with network allowed the same bind listens, and the host reaches it", async () => {
        expect(await listen({ user, workspace, seccompMissing: true, allowNetwork: true })).toEqual({ results: ["OK"], reached: true });
      });
    });

    // No network namespace and no seccomp supervisor: abstract names are
    // shared with the host, and only the scope keeps the command from them.
    describe("scope ABSTRACT_UNIX_SOCKET", () => {
      const itAbi6 = testUnless(skip ?? needsAbi(6, "the abstract Unix socket scope"));
      let server: Server;
      let connections: number;
      const name = `cordon-landlock-${process.pid}`;
      // Node binds an abstract name as the whole sun_path, NUL-padded.
      const hostAddress = `\0${name}`.padEnd(108, "\0");
      beforeEach(async () => {
        connections = 0;
        server = createServer((socket) => {
          connections++;
          socket.destroy();
        });
        server.listen(`\0${name}`);
        await once(server, "listening");
      });
      afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

      itAbi6("scope ABSTRACT_UNIX_SOCKET: connecting to the host's abstract socket fails with EPERM; the host saw no connection", async () => {
        const outcome = await run(sandboxed([["unix", hostAddress]], { user, workspace, seccompMissing: true }), workspace);
        expect(outcome.stderr).toMatch(SECCOMP_MISSING);
        expect(results(outcome)).toEqual(["EPERM"]);
        await settle();
        expect(connections).toBe(0);
      });
      itAbi6("scope ABSTRACT_UNIX_SOCKET: an abstract socket of the sandbox's own can be reached", async () => {
        const outcome = await run(sandboxed([["abstract_own", `${name}-own`]], { user, workspace, seccompMissing: true }), workspace);
        expect(results(outcome)).toEqual(["OK"]);
      });
      itAbi6("scope ABSTRACT_UNIX_SOCKET: with network allowed (no scope) the same connect reaches the host's socket", async () => {
        const outcome = await run(sandboxed([["unix", hostAddress]], { user, workspace, seccompMissing: true, allowNetwork: true }), workspace);
        expect(results(outcome)).toEqual(["OK"]);
        await settle();
        expect(connections).toBe(1);
      });
    });
  });
});
