/**
 * A catalogue of attempts to leave the Linux sandbox, each run for real under
 * the launcher with a workspace-write policy without network (unless the row
 * names another): the table says what is tried and what the kernel must
 * answer. After every attempt the directory outside the roots, `.git` and the
 * protected name are checked unchanged (contents, and the mode, times and
 * owner of what metadata attempts aim at), so an attempt that "fails" after
 * doing its damage is caught.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { landlockAbi } from "../../src/native/index.js";
import { parseSandboxPolicy, READ_ONLY_POLICY, type SandboxPolicy } from "../../src/policy/index.js";
import { runSandboxed, type Operation } from "../linux/run-sandboxed.js";

const escapeProbe = join(dirname(fileURLToPath(import.meta.url)), "escape-probe.py");

/** Writable: the workspace only, so everything else in the test directory is outside every root. No network. */
const WORKSPACE_ONLY = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
const WORKSPACE_WITH_NETWORK = parseSandboxPolicy({
  type: "workspace-write",
  exclude_slash_tmp: true,
  exclude_tmpdir_env_var: true,
  network_access: true,
});

/** Landlock scopes signals and abstract Unix sockets from this ABI on. */
const SCOPED_ABI = 6;

function unsupportedReason(): string | null {
  if (process.platform !== "linux") return "the Linux launcher runs only on Linux";
  const probe = landlockAbi();
  if (probe.abi < 3) return `this host's Landlock cannot confine writes (ABI ${probe.abi}${probe.reason ? `: ${probe.reason}` : ""})`;
  return null;
}

/** Everything an attempt may aim at. */
interface World {
  workspace: string;
  /** A directory outside every root, holding `existing` ("keep"). */
  outside: string;
  /** A process of the host, outside the sandbox. */
  hostPid: number;
  tcp4: number;
  tcp6: number;
  udp4: number;
  udp6: number;
  /** An abstract Unix socket the host listens on. */
  abstractName: string;
}

interface Escape {
  name: string;
  /** Probe operations (see escape-probe.py), run in order in one sandboxed process. */
  attempt: (w: World) => Operation[];
  /** One result per operation: "OK" or the errno name. */
  expected: string[];
  policy?: SandboxPolicy;
  /** Only meaningful from this Landlock ABI on. */
  minimumAbi?: number;
  /** Hand the sandboxed process a directory fd of `outside`, opened by the host, as fd 3. */
  inheritOutsideDir?: boolean;
}

const inside = (w: World, ...names: string[]) => join(w.workspace, ...names);
const outsideOf = (w: World, ...names: string[]) => join(w.outside, ...names);

const catalogue: Escape[] = [
  // Plain writes.
  { name: "write a new file outside every root", attempt: (w) => [["write", outsideOf(w, "new")]], expected: ["EROFS"] },
  { name: "write inside the workspace (allowed)", attempt: (w) => [["write", inside(w, "new")]], expected: ["OK"] },
  { name: "truncate an outside file by path", attempt: (w) => [["truncate", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "ftruncate an outside file opened read-only", attempt: (w) => [["ftruncate_read_only", outsideOf(w, "existing")]], expected: ["EINVAL"] },
  { name: "write through /proc/self/root", attempt: (w) => [["write", `/proc/self/root${outsideOf(w, "existing")}`]], expected: ["EROFS"] },
  { name: "write through /proc/<host>/root", attempt: (w) => [["via_proc_root", String(w.hostPid), outsideOf(w, "existing")]], expected: ["EACCES"] },
  // Re-opening what may be read.
  { name: "re-open a read-only fd for writing via /proc/self/fd", attempt: (w) => [["reopen_read_only", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "re-open an O_PATH fd for writing via /proc/self/fd", attempt: (w) => [["reopen_o_path", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "re-open .git/config from an O_PATH fd for writing", attempt: (w) => [["reopen_o_path", inside(w, ".git", "config")]], expected: ["EROFS"] },
  {
    name: "create a file through a directory fd of outside, opened by the host before the sandbox",
    attempt: () => [["create_in_inherited_dir", "new"]],
    expected: ["EACCES"],
    inheritOutsideDir: true,
  },
  { name: "open_by_handle_at an outside file for writing", attempt: (w) => [["open_by_handle", outsideOf(w, "existing")]], expected: ["EPERM"] },
  // Symlinks planted inside the writable root.
  {
    name: "a symlink in the workspace pointing outside: write through it",
    attempt: (w) => [["symlink", outsideOf(w, "existing"), inside(w, "link")], ["append", inside(w, "link")], ["write", inside(w, "link")]],
    expected: ["OK", "EROFS", "EROFS"],
  },
  {
    name: "a symlink in the workspace pointing at a new outside name: create through it",
    attempt: (w) => [["symlink", outsideOf(w, "new"), inside(w, "link")], ["write", inside(w, "link")]],
    expected: ["OK", "EROFS"],
  },
  {
    name: "a symlink in the workspace pointing into .git: write through it",
    attempt: (w) => [["symlink", inside(w, ".git", "config"), inside(w, "link")], ["append", inside(w, "link")]],
    expected: ["OK", "EROFS"],
  },
  {
    name: "a symlink to an outside directory: mkdir and write beneath it",
    attempt: (w) => [["symlink", w.outside, inside(w, "dirlink")], ["mkdir", inside(w, "dirlink", "sub")], ["write", inside(w, "dirlink", "new")]],
    expected: ["OK", "EROFS", "EROFS"],
  },
  // Renames and links across the boundary of a root.
  { name: "rename an outside file into the workspace", attempt: (w) => [["rename", outsideOf(w, "existing"), inside(w, "taken")]], expected: ["EXDEV"] },
  { name: "rename a workspace file out of the workspace", attempt: (w) => [["rename", inside(w, "mine"), outsideOf(w, "planted")]], expected: ["EXDEV"] },
  { name: "hard-link an outside file into the workspace", attempt: (w) => [["link", outsideOf(w, "existing"), inside(w, "linked")]], expected: ["EXDEV"] },
  { name: "hard-link a workspace file outside", attempt: (w) => [["link", inside(w, "mine"), outsideOf(w, "planted")]], expected: ["EROFS"] },
  {
    name: "renameat2 RENAME_EXCHANGE of a workspace file and an outside file",
    attempt: (w) => [["exchange", inside(w, "mine"), outsideOf(w, "existing")]],
    expected: ["EXDEV"],
  },
  // .git and the protected name.
  { name: "write .git/config", attempt: (w) => [["append", inside(w, ".git", "config")]], expected: ["EROFS"] },
  { name: "write into the protected name .codex", attempt: (w) => [["write", inside(w, ".codex", "config.toml")]], expected: ["EROFS"] },
  { name: "rename .git/config out of .git", attempt: (w) => [["rename", inside(w, ".git", "config"), inside(w, "config")]], expected: ["EXDEV"] },
  { name: "rename a workspace file into .git/hooks", attempt: (w) => [["rename", inside(w, "mine"), inside(w, ".git", "hooks", "pre-commit")]], expected: ["EXDEV"] },
  { name: "hard-link .git/config out of .git", attempt: (w) => [["link", inside(w, ".git", "config"), inside(w, "config")]], expected: ["EXDEV"] },
  { name: "hard-link a workspace file into .git/hooks", attempt: (w) => [["link", inside(w, "mine"), inside(w, ".git", "hooks", "pre-commit")]], expected: ["EROFS"] },
  { name: "rename .git away to recreate it writable", attempt: (w) => [["rename", inside(w, ".git"), inside(w, "old-git")]], expected: ["EBUSY"] },
  { name: "rename a directory over .codex", attempt: (w) => [["mkdir", inside(w, "fake")], ["rename", inside(w, "fake"), inside(w, ".codex")]], expected: ["OK", "EBUSY"] },
  {
    name: "renameat2 RENAME_EXCHANGE of a workspace file and .git/config",
    attempt: (w) => [["exchange", inside(w, "mine"), inside(w, ".git", "config")]],
    expected: ["EXDEV"],
  },
  { name: "renameat2 RENAME_EXCHANGE of a workspace directory and .git", attempt: (w) => [["mkdir", inside(w, "fake")], ["exchange", inside(w, "fake"), inside(w, ".git")]], expected: ["OK", "EBUSY"] },
  // The read-only binds themselves.
  { name: "umount the .git bind", attempt: (w) => [["umount", inside(w, ".git")]], expected: ["EPERM"] },
  { name: "remount the .git bind read-write", attempt: (w) => [["remount_writable", inside(w, ".git")]], expected: ["EPERM"] },
  { name: "mount a tmpfs over .git", attempt: (w) => [["mount", inside(w, ".git")]], expected: ["EPERM"] },
  // Network: every family but AF_UNIX is refused at socket().
  { name: "TCP over IPv4", attempt: (w) => [["connect", "AF_INET", "127.0.0.1", String(w.tcp4), "SOCK_STREAM"]], expected: ["EPERM"] },
  { name: "UDP over IPv4", attempt: (w) => [["connect", "AF_INET", "127.0.0.1", String(w.udp4), "SOCK_DGRAM"]], expected: ["EPERM"] },
  { name: "TCP over IPv6", attempt: (w) => [["connect", "AF_INET6", "::1", String(w.tcp6), "SOCK_STREAM"]], expected: ["EPERM"] },
  { name: "UDP over IPv6", attempt: (w) => [["connect", "AF_INET6", "::1", String(w.udp6), "SOCK_DGRAM"]], expected: ["EPERM"] },
  {
    name: "TCP and UDP over IPv4 and IPv6 with network (allowed)",
    attempt: (w) => [
      ["connect", "AF_INET", "127.0.0.1", String(w.tcp4), "SOCK_STREAM"],
      ["connect", "AF_INET", "127.0.0.1", String(w.udp4), "SOCK_DGRAM"],
      ["connect", "AF_INET6", "::1", String(w.tcp6), "SOCK_STREAM"],
      ["connect", "AF_INET6", "::1", String(w.udp6), "SOCK_DGRAM"],
    ],
    expected: ["OK", "OK", "OK", "OK"],
    policy: WORKSPACE_WITH_NETWORK,
  },
  { name: "a netlink route socket", attempt: () => [["socket", "AF_NETLINK", "SOCK_DGRAM", "0"]], expected: ["EPERM"] },
  { name: "a raw socket", attempt: () => [["socket", "AF_INET", "SOCK_RAW", "1"]], expected: ["EPERM"] },
  { name: "an abstract Unix socket of the host", attempt: (w) => [["abstract_unix", w.abstractName]], expected: ["EPERM"], minimumAbi: SCOPED_ABI },
  // Processes.
  { name: "io_uring_setup", attempt: () => [["io_uring"]], expected: ["EPERM"] },
  { name: "ptrace attach to a sibling in the sandbox", attempt: () => [["ptrace_sibling"]], expected: ["EPERM"] },
  { name: "process_vm_readv of a host process", attempt: (w) => [["process_vm_read", String(w.hostPid)]], expected: ["EPERM"] },
  { name: "kill a host process", attempt: (w) => [["kill", String(w.hostPid)]], expected: ["EPERM"], minimumAbi: SCOPED_ABI },
  // Metadata, which Landlock does not cover: under workspace-write the mount tree is read-only but for the roots.
  { name: "chmod an outside file", attempt: (w) => [["chmod", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "set the times of an outside file", attempt: (w) => [["utime", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "chown an outside file", attempt: (w) => [["chown", outsideOf(w, "existing")]], expected: ["EROFS"] },
  {
    name: "set and remove an extended attribute of an outside file",
    attempt: (w) => [["setxattr", outsideOf(w, "existing")], ["removexattr", outsideOf(w, "existing")]],
    expected: ["EROFS", "EROFS"],
  },
  { name: "chmod the outside directory itself", attempt: (w) => [["chmod", w.outside]], expected: ["EROFS"] },
  {
    name: "a symlink in the workspace pointing outside: chmod through it",
    attempt: (w) => [["symlink", outsideOf(w, "existing"), inside(w, "link")], ["chmod", inside(w, "link")]],
    expected: ["OK", "EROFS"],
  },
  {
    name: "chmod, set the times of and chown .git/config",
    attempt: (w) => [["chmod", inside(w, ".git", "config")], ["utime", inside(w, ".git", "config")], ["chown", inside(w, ".git", "config")]],
    expected: ["EROFS", "EROFS", "EROFS"],
  },
  { name: "chmod the protected name .codex", attempt: (w) => [["chmod", inside(w, ".codex")]], expected: ["EROFS"] },
  {
    name: "chmod +x a workspace script and set its times (allowed)",
    attempt: (w) => [["chmod", inside(w, "mine"), "755"], ["utime", inside(w, "mine")]],
    expected: ["OK", "OK"],
  },
  // Metadata under a read-only policy: no writable root, so the seccomp filter refuses every change.
  ...(["chmod", "utime", "chown", "setxattr", "removexattr"] as const).map(
    (operation): Escape => ({
      name: `read-only: ${operation} an outside file`,
      attempt: (w) => [[operation, outsideOf(w, "existing")]],
      expected: ["EPERM"],
      policy: READ_ONLY_POLICY,
    }),
  ),
  {
    name: "read-only: chmod and set the times of a workspace file",
    attempt: (w) => [["chmod", inside(w, "mine")], ["utime", inside(w, "mine")]],
    expected: ["EPERM", "EPERM"],
    policy: READ_ONLY_POLICY,
  },
];

/** Shell attempts: a command line run under the sandbox, its exit status and what it prints on stderr. */
interface ShellEscape {
  name: string;
  script: (w: World) => string;
  status: number;
  stderr: RegExp;
}

const shellCatalogue: ShellEscape[] = [
  {
    name: "unshare -U, then write outside",
    script: (w) => `unshare -U sh -c 'echo x > "$1"' sh '${outsideOf(w, "new")}'`,
    status: 2,
    stderr: /Read-only file system/,
  },
  {
    // The uid map is a file on the read-only mount tree: the new namespace stays unmapped, without root inside.
    name: "unshare -U mapped to root",
    script: () => "unshare -Ur id -u",
    status: 1,
    stderr: /cannot open \/proc\/self\/uid_map: Read-only file system/,
  },
  {
    // umount(8) refuses on its own before calling the kernel; perl makes the system call itself.
    name: "unshare -U with a mount namespace, then umount2 the .git bind",
    script: (w) =>
      `unshare -Um --propagation unchanged perl -e 'require "syscall.ph"; syscall(&SYS_umount2, $ARGV[0], 0) == -1 or exit 3; die "$!\\n"' '${inside(w, ".git")}'`,
    status: 1,
    stderr: /^Operation not permitted\n$/,
  },
  {
    name: "unshare -U with a mount namespace, then write .git/config",
    script: (w) => `unshare -Um --propagation unchanged sh -c 'echo x >> "$1"' sh '${inside(w, ".git", "config")}'`,
    status: 2,
    stderr: /Read-only file system/,
  },
  {
    // The host's mount namespace has no read-only tree; Landlock keeps processes outside the sandbox out of reach.
    name: "nsenter the host's mount namespace, then chmod outside",
    script: (w) => `nsenter -t 1 -m chmod 777 '${outsideOf(w, "existing")}'`,
    status: 1,
    stderr: /cannot open \/proc\/1\/ns\/mnt: Permission denied/,
  },
];

const skipReason = unsupportedReason();
if (skipReason) console.log(`escape catalogue skipped: ${skipReason}`);
const describeLinux = skipReason ? describe.skip : describe;

describeLinux("escaping the Linux sandbox (workspace-write, no network)", () => {
  let base: string;
  let world: World;
  let host: ChildProcess;
  let servers: Server[];
  let udpSockets: UdpSocket[];
  const env = { ...process.env, TMPDIR: undefined };
  const abi = skipReason ? 0 : landlockAbi().abi;

  async function listenTcp(host: string): Promise<number> {
    const server = createServer((socket) => socket.end());
    servers.push(server);
    server.listen(0, host);
    await once(server, "listening");
    return (server.address() as { port: number }).port;
  }

  async function bindUdp(type: "udp4" | "udp6", host: string): Promise<number> {
    const socket = createSocket(type);
    udpSockets.push(socket);
    socket.bind(0, host);
    await once(socket, "listening");
    return socket.address().port;
  }

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "cordon-escapes-"));
    servers = [];
    udpSockets = [];
    host = spawn("sleep", ["300"], { stdio: "ignore" });
    const abstractName = `cordon-escapes-${process.pid}`;
    const abstract = createServer((socket) => socket.end());
    servers.push(abstract);
    abstract.listen(`\0${abstractName}`);
    await once(abstract, "listening");
    world = {
      workspace: "",
      outside: "",
      hostPid: host.pid!,
      tcp4: await listenTcp("127.0.0.1"),
      tcp6: await listenTcp("::1"),
      udp4: await bindUdp("udp4", "127.0.0.1"),
      udp6: await bindUdp("udp6", "::1"),
      abstractName,
    };
  });

  afterAll(() => {
    host.kill("SIGKILL");
    for (const server of servers) server.close();
    for (const socket of udpSockets) socket.close();
    rmSync(base, { recursive: true, force: true });
  });

  /** A fresh workspace (a repository with .git, .codex and a file `mine`) and a fresh outside directory. */
  beforeEach(() => {
    const dir = mkdtempSync(join(base, "case-"));
    world.workspace = join(dir, "workspace");
    world.outside = join(dir, "outside");
    mkdirSync(join(world.workspace, ".git", "hooks"), { recursive: true });
    writeFileSync(join(world.workspace, ".git", "config"), "[core]\n");
    mkdirSync(join(world.workspace, ".codex"));
    writeFileSync(join(world.workspace, "mine"), "mine");
    mkdirSync(world.outside);
    writeFileSync(join(world.outside, "existing"), "keep");
    // The modes expectNothingEscaped checks, whatever the umask.
    for (const dir of [world.outside, join(world.workspace, ".codex")]) chmodSync(dir, 0o755);
    for (const file of [join(world.outside, "existing"), join(world.workspace, ".git", "config")]) chmodSync(file, 0o644);
  });

  /** The mode, times and owner a metadata attempt would change. */
  function expectMetadataKept(path: string, mode: number): void {
    const st = statSync(path);
    expect(st.mode & 0o7777).toBe(mode);
    expect(st.mtimeMs).toBeGreaterThan(0);
    expect(st.uid).toBe(process.getuid!());
  }

  /** The state every attempt must leave behind, whatever it reported. */
  function expectNothingEscaped(): void {
    expect(readdirSync(world.outside)).toEqual(["existing"]);
    expect(readFileSync(join(world.outside, "existing"), "utf8")).toBe("keep");
    expectMetadataKept(join(world.outside, "existing"), 0o644);
    expectMetadataKept(world.outside, 0o755);
    expectMetadataKept(join(world.workspace, ".git", "config"), 0o644);
    expectMetadataKept(join(world.workspace, ".codex"), 0o755);
    expect(readdirSync(join(world.workspace, ".git")).sort()).toEqual(["config", "hooks"]);
    expect(readdirSync(join(world.workspace, ".git", "hooks"))).toEqual([]);
    expect(readFileSync(join(world.workspace, ".git", "config"), "utf8")).toBe("[core]\n");
    expect(readdirSync(join(world.workspace, ".codex"))).toEqual([]);
    expect(readFileSync(join(world.workspace, "mine"), "utf8")).toBe("mine");
  }

  test.each(catalogue.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    if (row.minimumAbi !== undefined && abi < row.minimumAbi) {
      console.log(`"${row.name}" not tried: Landlock ABI ${abi} does not scope it (needs ${row.minimumAbi})`);
      return;
    }
    const inherited = row.inheritOutsideDir ? openSync(world.outside, "r") : undefined;
    try {
      const outcome = await runSandboxed(["python3", escapeProbe, JSON.stringify(row.attempt(world))], row.policy ?? WORKSPACE_ONLY, {
        cwd: world.workspace,
        env,
        stdio: ["ignore", "pipe", "pipe", ...(inherited === undefined ? [] : [inherited])],
      });
      expect(outcome).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(outcome.stdout)).toEqual(row.expected);
    } finally {
      if (inherited !== undefined) closeSync(inherited);
    }
    expectNothingEscaped();
    // The host's process survived whatever was tried on it.
    expect(host.exitCode).toBeNull();
    expect(host.signalCode).toBeNull();
  });

  test.each(shellCatalogue.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const outcome = await runSandboxed(["sh", "-c", row.script(world)], WORKSPACE_ONLY, { cwd: world.workspace, env });
    expect(outcome.stderr).toMatch(row.stderr);
    expect(outcome.code).toBe(row.status);
    expectNothingEscaped();
  });
});
