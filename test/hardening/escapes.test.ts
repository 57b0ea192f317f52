/**
 * A catalogue of attempts to leave the Linux sandbox, each run for real under
 * the launcher with a workspace-write policy without network (unless the row
 * names another): the table says what is tried and what the kernel must
 * answer. After every attempt the directory outside the roots, `.git` and the
 * protected name are checked unchanged (contents, and the mode, times and
 * owner of what metadata attempts aim at), so an attempt that "fails" after
 * doing its damage is caught.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LinuxSandboxOptions } from "../../src/linux/index.js";
import { prepareSandboxedCommand, type SpawnSandboxedOptions } from "../../src/platform/index.js";
import { parseSandboxPolicy, READ_ONLY_POLICY, type SandboxPolicy } from "../../src/policy/index.js";
import { outcomeOf, runSandboxed, type Operation, unsupportedReason } from "../linux/run-sandboxed.js";
import { describeUnless, testUnless } from "../support/skip.js";
import { testEnv } from "../support/env.js";

const escapeProbe = join(dirname(fileURLToPath(import.meta.url)), "escape-probe.py");

/** Writable: the workspace only, so everything else in the test directory is outside every root. No network. */
const WORKSPACE_ONLY = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
const WORKSPACE_WITH_NETWORK = parseSandboxPolicy({
  type: "workspace-write",
  exclude_slash_tmp: true,
  exclude_tmpdir_env_var: true,
  network_access: true,
});

/** As on a host without namespaces, the protections that then cannot hold downgraded by name. */
const NO_NAMESPACES: LinuxSandboxOptions = { simulateNoNamespaces: true, terminal: "best-effort", networkNamespace: "best-effort" };
/** The same for a policy with writable roots: no read-only mount tree, no read-only binds. */
const NO_NAMESPACES_WRITABLE: LinuxSandboxOptions = { ...NO_NAMESPACES, readOnlySubpaths: "best-effort", fileMetadata: "best-effort" };

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
  /** Connections and datagrams the host's TCP and UDP sockets above received. */
  received: { count: number };
}

interface Escape {
  name: string;
  /** Probe operations (see escape-probe.py), run in order in one sandboxed process. */
  attempt: (w: World) => Operation[];
  /** One result per operation: "OK" or the errno name. */
  expected: string[];
  policy?: SandboxPolicy;
  linux?: LinuxSandboxOptions;
  /** The attempt is meant to reach the host's TCP and UDP sockets (with network). */
  reachesHost?: true;
  /** Open a directory fd of `outside` in the host as fd 3 of the launcher, and pass it on (passFds) or not. */
  inheritOutsideDir?: "left open" | "passed";
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
  // The sandbox has a PID namespace of its own: the host's processes do not exist in it.
  { name: "write through /proc/<host>/root", attempt: (w) => [["via_proc_root", String(w.hostPid), outsideOf(w, "existing")]], expected: ["ENOENT"] },
  // Re-opening what may be read.
  { name: "re-open a read-only fd for writing via /proc/self/fd", attempt: (w) => [["reopen_read_only", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "re-open an O_PATH fd for writing via /proc/self/fd", attempt: (w) => [["reopen_o_path", outsideOf(w, "existing")]], expected: ["EROFS"] },
  { name: "re-open .git/config from an O_PATH fd for writing", attempt: (w) => [["reopen_o_path", inside(w, ".git", "config")]], expected: ["EROFS"] },
  {
    name: "a directory fd of outside, left open by the host, is closed before the command runs",
    attempt: () => [["create_in_inherited_dir", "new"]],
    expected: ["EBADF"],
    inheritOutsideDir: "left open",
  },
  {
    name: "create a file through a directory fd of outside, passed by the host (passFds)",
    attempt: () => [["create_in_inherited_dir", "new"]],
    expected: ["EACCES"],
    inheritOutsideDir: "passed",
  },
  { name: "open_by_handle_at an outside file for writing", attempt: (w) => [["open_by_handle", outsideOf(w, "existing")]], expected: ["EPERM"] },
  // The kernel checks the handle before the capability (EINVAL for one of no bytes): EPERM is the filter's.
  { name: "open_by_handle_at with an empty handle", attempt: () => [["open_by_empty_handle"]], expected: ["EPERM"] },
  // Without namespaces the mount tree stays writable: Landlock alone keeps writes to the roots.
  {
    name: "without namespaces: write, append and truncate outside every root",
    attempt: (w) => [["write", outsideOf(w, "new")], ["append", outsideOf(w, "existing")], ["write", outsideOf(w, "existing")], ["truncate", outsideOf(w, "existing")]],
    expected: ["EACCES", "EACCES", "EACCES", "EACCES"],
    linux: NO_NAMESPACES_WRITABLE,
  },
  {
    name: "without namespaces: write inside the workspace (allowed)",
    attempt: (w) => [["write", inside(w, "new")], ["truncate", inside(w, "mine")], ["write", inside(w, "mine"), "mine"]],
    expected: ["OK", "OK", "OK"],
    linux: NO_NAMESPACES_WRITABLE,
  },
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
  // The kernel looks the path up before it checks privilege (ENOENT), and Landlock comes later still: EPERM is the filter's.
  { name: "mount and umount a path that does not exist", attempt: () => [["mount", "/nonexistent"], ["umount", "/nonexistent"]], expected: ["EPERM", "EPERM"] },
  // Network off: the sandbox's own network namespace holds nothing but its
  // loopback, so TCP and UDP work there; the host's listeners are never reached.
  { name: "TCP over IPv4 to a host port reaches only the sandbox's loopback", attempt: (w) => [["connect", "AF_INET", "127.0.0.1", String(w.tcp4), "SOCK_STREAM"]], expected: ["ECONNREFUSED"] },
  { name: "UDP over IPv4 to a host port reaches only the sandbox's loopback", attempt: (w) => [["connect", "AF_INET", "127.0.0.1", String(w.udp4), "SOCK_DGRAM"]], expected: ["OK"] },
  { name: "TCP over IPv6 to a host port reaches only the sandbox's loopback", attempt: (w) => [["connect", "AF_INET6", "::1", String(w.tcp6), "SOCK_STREAM"]], expected: ["ECONNREFUSED"] },
  { name: "UDP over IPv6 to a host port reaches only the sandbox's loopback", attempt: (w) => [["connect", "AF_INET6", "::1", String(w.udp6), "SOCK_DGRAM"]], expected: ["OK"] },
  {
    name: "without a network namespace of its own (downgraded): TCP and UDP are refused at socket()",
    attempt: (w) => [
      ["connect", "AF_INET", "127.0.0.1", String(w.tcp4), "SOCK_STREAM"],
      ["connect", "AF_INET", "127.0.0.1", String(w.udp4), "SOCK_DGRAM"],
      ["connect", "AF_INET6", "::1", String(w.tcp6), "SOCK_STREAM"],
      ["connect", "AF_INET6", "::1", String(w.udp6), "SOCK_DGRAM"],
    ],
    expected: ["EPERM", "EPERM", "EPERM", "EPERM"],
    linux: NO_NAMESPACES_WRITABLE,
  },
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
    reachesHost: true,
  },
  { name: "a netlink route socket", attempt: () => [["socket", "AF_NETLINK", "SOCK_DGRAM", "0"]], expected: ["EPERM"] },
  // The kernel has no AF_INET socketpair (EOPNOTSUPP): EPERM is the filter's, which lets only AF_UNIX pairs through.
  { name: "a socketpair of another family than AF_UNIX", attempt: () => [["socketpair_inet"]], expected: ["EPERM"] },
  { name: "a raw socket", attempt: () => [["socket", "AF_INET", "SOCK_RAW", "1"]], expected: ["EPERM"] },
  // Without network the sandbox has a network namespace of its own, with its own abstract socket names.
  { name: "an abstract Unix socket of the host", attempt: (w) => [["abstract_unix", w.abstractName]], expected: ["ECONNREFUSED"] },
  // Processes.
  { name: "io_uring_setup", attempt: () => [["io_uring"]], expected: ["EPERM"] },
  // In a PID namespace the command may trace its own processes (gdb, strace), but not write their memory from afar.
  { name: "ptrace attach to a sibling in the sandbox (allowed)", attempt: () => [["ptrace_sibling"]], expected: ["OK"] },
  { name: "without namespaces: ptrace attach to a sibling", attempt: () => [["ptrace_sibling"]], expected: ["EPERM"], linux: NO_NAMESPACES_WRITABLE },
  // The kernel would answer EFAULT (an unmapped address of a process it may trace): EPERM is the filter's.
  { name: "process_vm_writev into a sibling in the sandbox", attempt: () => [["process_vm_write_sibling"]], expected: ["EPERM"] },
  { name: "process_vm_readv of a host process", attempt: (w) => [["process_vm_read", String(w.hostPid)]], expected: ["EPERM"] },
  // The kernel lets a process take a descriptor from one it may trace, as it may its siblings here: EPERM is the filter's.
  { name: "pidfd_getfd of a sibling's descriptor in the sandbox", attempt: () => [["pidfd_getfd_sibling"]], expected: ["EPERM"] },
  // The kernel asks no capability for advice on the caller's own memory: EPERM is the filter's.
  { name: "process_madvise on its own memory through its own pidfd", attempt: () => [["process_madvise_own"]], expected: ["EPERM"] },
  // The kernel allows kcmp of the caller's own descriptors: EPERM is the filter's.
  { name: "kcmp", attempt: () => [["kcmp"]], expected: ["EPERM"] },
  // The kernel answers EINVAL for a namespace of another type: EPERM is the filter's.
  { name: "setns into its own mount namespace", attempt: () => [["setns_own"]], expected: ["EPERM"] },
  {
    // A plain open_tree needs no privilege, fsconfig and mount_setattr fail with EINVAL in the kernel: EPERM is the
    // filter's. fsopen, fsmount, fspick and move_mount check CAP_SYS_ADMIN first, so the kernel says EPERM too.
    name: "the mount API: open_tree, open_tree_attr, fsconfig, mount_setattr, fsopen, fsmount, fspick, move_mount",
    attempt: () => ["open_tree", "open_tree_attr", "fsconfig", "mount_setattr", "fsopen", "fsmount", "fspick", "move_mount"].map((call): Operation => ["mount_api", call]),
    expected: Array(8).fill("EPERM"),
  },
  {
    // On a descriptor that is not open the kernel answers EBADF: EPERM is the filter's, which never looks at the descriptor.
    name: "terminal requests that reach past the run are refused whatever the descriptor; TIOCSCTTY only with argument 1",
    attempt: () => [
      ...["TIOCSTI", "TIOCLINUX", "TIOCCONS", "TIOCSETD", "TIOCEXCL", "TIOCNXCL", "TIOCVHANGUP", "TCXONC", "TIOCSCTTY_STEAL"].map(
        (request): Operation => ["terminal_ioctl", "99", request],
      ),
      ["terminal_ioctl", "99", "TIOCSCTTY"],
    ],
    expected: [...Array(9).fill("EPERM"), "EBADF"],
  },
  { name: "kill a host process (its pid names nothing in the sandbox)", attempt: (w) => [["kill", String(w.hostPid)]], expected: ["ESRCH"] },
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

// Nested namespaces are refused by the seccomp filter (unshare, clone with namespace flags, setns).
const shellCatalogue: ShellEscape[] = [
  { name: "unshare -U, then write outside", script: (w) => `unshare -U sh -c 'echo x > "$1"' sh '${outsideOf(w, "new")}'`, status: 1, stderr: /unshare failed: Operation not permitted/ },
  { name: "unshare -U mapped to root", script: () => "unshare -Ur id -u", status: 1, stderr: /unshare failed: Operation not permitted/ },
  {
    name: "unshare -U with a mount namespace, then write .git/config",
    script: (w) => `unshare -Um --propagation unchanged sh -c 'echo x >> "$1"' sh '${inside(w, ".git", "config")}'`,
    status: 1,
    stderr: /unshare failed: Operation not permitted/,
  },
  {
    // PID 1 is the sandbox's own first process, outside the command's Landlock domain.
    name: "nsenter the mount namespace of PID 1, then chmod outside",
    script: (w) => `nsenter -t 1 -m chmod 777 '${outsideOf(w, "existing")}'`,
    status: 1,
    stderr: /cannot open \/proc\/1\/ns\/mnt: Permission denied/,
  },
];

const skipReason = unsupportedReason();
const describeLinux = describeUnless(skipReason);

/** Why no call can be made through the i386 entry here, or null; where it can, the probe succeeds on the host. */
function i386Unavailable(): string | null {
  if (process.arch !== "x64") return "the i386 entry (int 0x80) exists only on x86_64";
  if (skipReason) return skipReason;
  const host = spawnSync("python3", [escapeProbe, JSON.stringify([["i386_kcmp"]])], { encoding: "utf8" });
  return host.stdout.trim() === '["OK"]' ? null : `this kernel runs no i386 call (the probe on the host said ${JSON.stringify(host.stdout.trim())})`;
}

describeLinux("escaping the Linux sandbox (workspace-write, no network)", () => {
  let base: string;
  let world: World;
  let host: ChildProcess;
  let servers: Server[];
  let udpSockets: UdpSocket[];
  const env = testEnv({ TMPDIR: undefined });

  async function listenTcp(host: string): Promise<number> {
    const server = createServer((socket) => {
      world.received.count++;
      socket.end();
    });
    servers.push(server);
    server.listen(0, host);
    await once(server, "listening");
    return (server.address() as { port: number }).port;
  }

  async function bindUdp(type: "udp4" | "udp6", host: string): Promise<number> {
    const socket = createSocket(type);
    socket.on("message", () => world.received.count++);
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
      received: { count: 0 },
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
    world.received.count = 0;
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
    const inherited = row.inheritOutsideDir ? openSync(world.outside, "r") : undefined;
    try {
      const outcome = await runSandboxed(["python3", escapeProbe, JSON.stringify(row.attempt(world))], row.policy ?? WORKSPACE_ONLY, {
        cwd: world.workspace,
        env,
        linux: row.linux,
        stdio: ["ignore", "pipe", "pipe", ...(inherited === undefined ? [] : [inherited])],
        passFds: row.inheritOutsideDir === "passed" ? [3] : undefined,
      });
      expect(outcome.code).toBe(0);
      // Downgraded protections are named on stderr, and nothing else is said.
      expect(outcome.stderr).toMatch(row.linux ? /^(cordon-linux-sandbox: warning: .*\n)*$/ : /^$/);
      expect(JSON.parse(outcome.stdout)).toEqual(row.expected);
    } finally {
      if (inherited !== undefined) closeSync(inherited);
    }
    expectNothingEscaped();
    // A datagram that got out is queued on the host's socket by now; let it be counted.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(world.received.count > 0).toBe(row.reachesHost === true);
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

  // A call of another architecture carries a number the filter would read as an x86_64 call (kcmp is 349 on
  // i386, nothing on x86_64): the filter kills the process instead. On the host the same probe succeeds.
  testUnless(i386Unavailable())("a call through the i386 entry (int 0x80) kills the process", async () => {
    const outcome = await runSandboxed(["python3", escapeProbe, JSON.stringify([["i386_kcmp"]])], WORKSPACE_ONLY, { cwd: world.workspace, env });
    expect(outcome).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(outcome.stdout)).toEqual(["killed by SIGSYS"]);
    expectNothingEscaped();
  });
});

/**
 * The second catalogue: what a command does, or leaves behind, that would
 * reach past the policy through the terminal, other processes, the kernel's
 * shared objects or the run's own end. Each is judged from the host side,
 * as root and as an unprivileged user (when the tests run as root and
 * setpriv is there), with namespaces and, where a fall-back exists, as on a
 * host that allows none.
 */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const NOBODY = 65534;
/** Root with setpriv: it can run a process as nobody, without capabilities, or hand some down. */
const rootWithSetpriv = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
/** "caller": whoever runs the tests (root, when "nobody" is there too). */
const USERS = ["caller", "nobody"] as const;
const userSkipped = (user: "caller" | "nobody") => (user === "nobody" && !rootWithSetpriv ? "they need root and setpriv to become nobody" : null);
const CALLER = process.getuid?.() === 0 ? "root" : "the caller";
const terminalHost = join(dirname(fileURLToPath(import.meta.url)), "terminal-host.py");

/** Every process below `pid`, read from the host's /proc. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (listed) children = children.concat(listed.split(/\s+/).map(Number));
    }
  } catch {
    return [];
  }
  return children.concat(children.flatMap(descendants));
}

/** Host processes whose command line holds `tag`. */
/** A `sleep` duration no other process has in its command line (sleep refuses anything but a number). */
function uniqueDuration(): string {
  return `60.${process.pid}${String(Date.now() % 1_000_000).padStart(6, "0")}`;
}

function processesTagged(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(tag)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The name a process runs under (its comm), or "" once it is gone. */
function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function statusField(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return line?.split(":")[1]!.trim() ?? "";
}

describeLinux("escaping the Linux sandbox: terminal, processes, kernel objects, the run's end", () => {
  let base: string;
  let workspace: string;
  let outside: string;
  const env = testEnv({ TMPDIR: undefined });

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "cordon-escapes-2-"));
    chmodSync(base, 0o755);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  beforeEach(() => {
    const dir = mkdtempSync(join(base, "case-"));
    chmodSync(dir, 0o755);
    workspace = join(dir, "workspace");
    outside = join(dir, "outside");
    mkdirSync(workspace);
    mkdirSync(outside);
    writeFileSync(join(outside, "existing"), "keep", { mode: 0o644 });
    chmodSync(join(outside, "existing"), 0o644);
  });

  /**
   * The command as `user`, confined by `policy`; the workspace and outside belong to that user. `handDown`:
   * setpriv's options for capabilities the launcher starts with.
   */
  function spawnAs(
    user: "caller" | "nobody",
    command: string[],
    policy: SandboxPolicy,
    options: Partial<SpawnSandboxedOptions> = {},
    handDown: string[] = [],
  ): ChildProcess {
    if (user === "nobody") spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, dirname(workspace)]);
    const plan = prepareSandboxedCommand(command, policy, { cwd: workspace, env, ...options });
    const [program, args] =
      user === "nobody"
        ? ["setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...handDown, "--", plan.program, ...plan.args]]
        : handDown.length > 0
          ? ["setpriv", [...handDown, "--", plan.program, ...plan.args]]
          : [plan.program, plan.args];
    return spawn(program, args, { cwd: workspace, env: plan.env, stdio: options.stdio ?? ["ignore", "pipe", "pipe"], detached: options.detached });
  }

  async function probeAs(user: "caller" | "nobody", operations: Operation[], policy: SandboxPolicy, options: Partial<SpawnSandboxedOptions> = {}): Promise<string[]> {
    const outcome = await outcomeOf(spawnAs(user, [PYTHON, escapeProbe, JSON.stringify(operations)], policy, options));
    if (outcome.code !== 0) throw new Error(`probe failed (${outcome.code ?? outcome.signal}): ${outcome.stderr}`);
    return JSON.parse(outcome.stdout) as string[];
  }

  /** Waits until `child` printed `text` on stdout. */
  async function printed(child: ChildProcess, text: string): Promise<void> {
    let seen = "";
    while (!seen.includes(text)) seen += ((await once(child.stdout!, "data")) as Buffer[])[0]!.toString();
  }

  /** Runs a sleeping command as `user` and checks, from the host's /proc, that it holds no capability and leads a session of its own. */
  async function expectCommandUnprivileged(user: "caller" | "nobody", handDown: string[] = []): Promise<void> {
    const child = spawnAs(user, ["sh", "-c", "echo ready; exec sleep 30"], WORKSPACE_ONLY, {}, handDown);
    const outcome = outcomeOf(child);
    await printed(child, "ready");
    // The shell execs sleep right after printing: bounded wait for that exec.
    const findSleeper = () => descendants(child.pid!).find((pid) => commandName(pid) === "sleep");
    for (let i = 0; i < 100 && findSleeper() === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const sleeper = findSleeper();
    expect(sleeper).toBeDefined();
    for (const field of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect([field, statusField(sleeper!, field)]).toEqual([field, "0000000000000000"]);
    expect(statusField(sleeper!, "NoNewPrivs")).toBe("1");
    expect(statusField(sleeper!, "Seccomp")).toBe("2");
    // A session of its own: the command called setsid(), so it leads its session (the host's and the launcher's are others).
    const sessionOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[3];
    expect(sessionOf(sleeper!)).toBe(String(sleeper));
    expect(sessionOf(child.pid!)).not.toBe(String(sleeper));
    child.kill("SIGTERM");
    expect(await outcome).toMatchObject({ signal: "SIGTERM" });
  }

  // Root hands down what a service may start with. Without a user namespace (root needs none) nothing else empties
  // the inheritable set: a capability left there would pass to a program carrying it as a file capability.
  testUnless(rootWithSetpriv ? null : "handing a capability down needs root and setpriv")(
    `an inheritable and ambient capability ${CALLER} hands down does not reach the command (read from the host's /proc)`,
    () => expectCommandUnprivileged("caller", ["--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"]),
  );

  for (const user of USERS) describeUnless(userSkipped(user))(`as ${user === "caller" ? CALLER : user}`, () => {
    test("the command holds no capability and no securebit can give one back (read from the host's /proc)", async () => {
      await expectCommandUnprivileged(user);
      // /proc does not show the securebits: the command reads them. NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE,
      // each with its lock, and KEEP_CAPS locked off.
      expect(await probeAs(user, [["securebits"]], WORKSPACE_ONLY)).toEqual(["0xef"]);
    });

    test.each([
      ["workspace-write", WORKSPACE_ONLY],
      ["read-only", READ_ONLY_POLICY],
    ])("privileged and namespace calls are refused (%s); the hostname and the keyrings stay as they were", async (_name, policy) => {
      const hostname = readFileSync("/proc/sys/kernel/hostname", "utf8");
      const tag = `cordon-escape-key-${process.pid}-${Date.now()}`;
      // Each EPERM below is the filter's where the kernel would answer otherwise: it lets anyone add a key to their
      // own keyrings, join a new session keyring, look a key up (ENOKEY), make a notification-only fanotify group
      // with file handles, count its own user-space time, and make a user namespace (unshare, clone); it answers
      // EINVAL to a bpf command it does not know, and ENOSYS to module and kexec calls on a kernel without them.
      const refused: Operation[] = [
        ["sethostname"], ["settimeofday"], ["add_key", tag, "user"], ["add_key", tag, "session"], ["keyctl_join", tag], ["request_key", tag],
        ["bpf"], ["bpf_unknown"], ["perf_event_open"], ["perf_event_own"], ["fanotify_init", "permission"], ["fanotify_init", "notification"],
        ["unshare", "user"], ["unshare", "net"], ["clone", "user"], ["clone", "net"],
        ...["init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"].map((call): Operation => ["load_into_kernel", call]),
      ];
      const results = await probeAs(user, [...refused, ["clone3"]], policy);
      expect(results).toEqual([...refused.map(() => "EPERM"), "ENOSYS"]);
      expect(readFileSync("/proc/sys/kernel/hostname", "utf8")).toBe(hostname);
      // The keys the user could see, read as that user (root sees no other user's keys).
      const keys = user === "nobody" ? spawnSync("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "cat", "/proc/keys"], { encoding: "utf8" }).stdout : readFileSync("/proc/keys", "utf8");
      expect(keys).toMatch(/keyring/);
      expect(keys).not.toContain(tag);
    });

    test.each([
      ["with a PID namespace", {}, "ESRCH"],
      ["without namespaces (seccomp)", NO_NAMESPACES, "EPERM"],
    ] as const)("prlimit, setpriority, ioprio_set and sched_setaffinity on a host process of the same user fail %s; its values stay", async (name, linux, expected) => {
      // A target with no more capabilities than the command (root's drops them): the kernel refuses the command
      // nothing on it but by pid (the PID namespace) or by the filter.
      const asNobody = user === "nobody" ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"] : [];
      const target = rootWithSetpriv
        ? spawn("setpriv", [...asNobody, "--inh-caps=-all", "--bounding-set=-all", "sleep", "60"])
        : spawn("sleep", ["60"]);
      try {
        await once(target, "spawn");
        const pid = String(target.pid);
        const values = () => [
          readFileSync(`/proc/${pid}/limits`, "utf8"),
          statusField(target.pid!, "Cpus_allowed_list"),
          readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[16],
          // The I/O priority, read by the probe on the host.
          spawnSync(PYTHON, [escapeProbe, JSON.stringify([["ioprio_get", pid]])], { encoding: "utf8" }).stdout,
        ];
        const before = values();
        expect(before[3]).toMatch(/^\["\d+"\]\n$/);
        // setpriority(PRIO_USER) and ioprio_set(IOPRIO_WHO_USER) reach every process of the user that the caller
        // can see: in a PID namespace only the run's own (PID 1, with its capabilities, refuses setpriority; the
        // user namespace maps no uid 0, which who 0 names first, so ioprio_set finds none); without one the
        // filter refuses them. Tried as nobody only: let through as root, they would reach every root process
        // of the host that holds no capability, other sandboxed commands among them.
        const everyProcessOfTheUser: Operation[] = user === "nobody" ? [["setpriority_user"], ["ioprio_set", "user", "0"]] : [];
        const results = await probeAs(
          user,
          [["prlimit", pid], ["setpriority", pid], ["ioprio_set", "process", pid], ["setaffinity", pid], ...everyProcessOfTheUser],
          READ_ONLY_POLICY,
          { linux },
        );
        const userWide = name.startsWith("with a") ? ["EPERM", "ESRCH"] : ["EPERM", "EPERM"];
        expect(results).toEqual([expected, expected, expected, expected, ...userWide.slice(0, everyProcessOfTheUser.length)]);
        expect(values()).toEqual(before);
      } finally {
        target.kill("SIGKILL");
      }
    });

    test.each([
      ["with an IPC namespace", {}],
      ["without namespaces (seccomp)", NO_NAMESPACES],
    ] as const)("System V shared memory and message queues and POSIX message queues stay inside the run %s", async (name, linux) => {
      const key = 0x43000000 + (process.pid % 0xffff);
      const queue = `/cordon-escape-${process.pid}`;
      const results = await probeAs(user, [["sysv", "shm", String(key)], ["sysv", "msg", String(key)], ["mq_open", queue]], READ_ONLY_POLICY, { linux });
      if (name.startsWith("without")) expect(results).toEqual(["EPERM", "EPERM", "EPERM"]);
      const listed = (kind: string) => readFileSync(`/proc/sysvipc/${kind}`, "utf8").split("\n").slice(1).map((line) => line.trim().split(/\s+/)[0]);
      expect(listed("shm")).not.toContain(String(key));
      expect(listed("msg")).not.toContain(String(key));
      const mq = spawnSync(PYTHON, ["-c", "import ctypes,os,sys; l=ctypes.CDLL(None,use_errno=True); fd=l.mq_open(sys.argv[1].encode(),os.O_RDONLY); print(fd, ctypes.get_errno())", queue], { encoding: "utf8" });
      expect(mq.stdout.trim()).toBe("-1 2");
    });

    test("an abstract socket name bound inside is not taken on the host", async () => {
      const name = `cordon-squat-${process.pid}-${user}`;
      const child = spawnAs(user, [PYTHON, escapeProbe, JSON.stringify([["abstract_listen", name]])], WORKSPACE_ONLY, { stdio: ["pipe", "pipe", "pipe"] });
      const outcome = outcomeOf(child);
      while (!(((await once(child.stderr!, "data")) as Buffer[])[0]!.toString().includes("bound")));
      const server = createServer();
      server.listen(`\0${name}`);
      await once(server, "listening");
      server.close();
      child.stdin!.end("done\n");
      expect(await outcome).toMatchObject({ code: 0, stdout: '["OK"]\n' });
    });

    test.each([
      ["workspace-write", WORKSPACE_ONLY],
      ["read-only", READ_ONLY_POLICY],
    ])("a host file handed in as stdin: fchmod, fchown and FS_IOC_SETFLAGS through it are refused (%s); its mode stays", async (_name, policy) => {
      const file = join(outside, "existing");
      if (user === "nobody") spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, dirname(workspace)]);
      const stdin = openSync(file, "r");
      try {
        const results = await probeAs(user, [["fchmod_stdin"], ["fchown_stdin"], ["setflags_stdin"]], policy, { stdio: [stdin, "pipe", "pipe"] });
        expect(results).toEqual(["EPERM", "EPERM", "EPERM"]);
      } finally {
        closeSync(stdin);
      }
      expect(statSync(file).mode & 0o7777).toBe(0o644);
      const byPath = await probeAs(user, [["chattr", file]], policy);
      expect(byPath).toEqual([policy === READ_ONLY_POLICY ? "EPERM" : "EROFS"]);
    });

    test("on a terminal: nothing is injected, the terminal cannot be taken, locked, stopped or given another line discipline; forkpty works", () => {
      const onStdin = ["TIOCSTI", "TIOCSETD", "TIOCEXCL", "TIOCNXCL", "TCXONC", "TIOCVHANGUP", "TIOCLINUX", "TIOCCONS", "TIOCSCTTY", "TIOCSCTTY_STEAL"];
      const operations: Operation[] = [
        ...onStdin.map((request): Operation => ["terminal_ioctl", "0", request]),
        ["tiocsti_via_tty"],
        ["open_read_write", "{other}"],
        ["own_terminal_as_controlling", "1"],
        ["own_terminal_as_controlling", "0"],
        ["forkpty"],
      ];
      const plan = prepareSandboxedCommand([PYTHON, escapeProbe, JSON.stringify(operations)], WORKSPACE_ONLY, { cwd: workspace, env });
      const argv = user === "nobody" ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", plan.program, ...plan.args] : [plan.program, ...plan.args];
      // The probe names the other terminal by the path the host gives it ("{other}" is replaced).
      const result = spawnSync(PYTHON, [terminalHost, JSON.stringify(argv)], { cwd: workspace, env: plan.env, encoding: "utf8" });
      const report = JSON.parse(result.stdout) as Record<string, unknown> & { output: string };
      expect({ ...report, output: undefined }).toEqual({
        output: undefined,
        status: 0,
        injected: "",
        other: "",
        // Read on the host after the run: N_TTY, not locked, input delivered, output not stopped, still the host's.
        discipline: 0,
        exclusive: false,
        input: "typed",
        echoed: true,
        kept: true,
      });
      // TIOCSCTTY with argument 0 on the host's terminal: the kernel's EPERM (another session holds it).
      expect(JSON.parse(report.output.trim().split("\n").pop()!)).toEqual([...Array(onStdin.length).fill("EPERM"), "ENXIO", "ENOENT", "EPERM", "OK", "OK"]);
    });

    test.each([
      ["with a PID namespace", {}],
      ["without namespaces (seccomp)", NO_NAMESPACES_WRITABLE],
    ] as const)("PID 1 of the sandbox and the launcher cannot be traced or have their memory written %s (judged from the host)", async (name, linux) => {
      const namespaced = name.startsWith("with a");
      // The probe's parent is PID 1 in a PID namespace, the launcher without one; "{host}" is the launcher's host pid.
      const operations: Operation[] = [
        ["ptrace_parent"],
        ["process_vm_write", namespaced ? "1" : "{host}"],
        ["write_proc_mem", namespaced ? "1" : "{host}"],
        ["ptrace_attach", "{host}"],
        ["hold"],
      ];
      const child = spawnAs(user, [PYTHON, escapeProbe, JSON.stringify(operations)], WORKSPACE_ONLY, { linux, stdio: ["pipe", "pipe", "pipe"] });
      const outcome = outcomeOf(child);
      try {
        // setpriv execs the launcher: the spawned pid is the launcher's either way.
        const launcher = child.pid!;
        child.stdin!.write(`${launcher}\n`);
        while (!(((await once(child.stderr!, "data")) as Buffer[])[0]!.toString().includes("held")));
        const init = descendants(launcher).find((pid) => statusField(pid, "NSpid").endsWith("\t1"));
        expect(init === undefined).toBe(!namespaced);
        for (const pid of [launcher, ...(init === undefined ? [] : [init])]) expect(statusField(pid, "TracerPid")).toBe("0");
        // Not dumpable: its memory belongs to root, whoever it runs as.
        if (init !== undefined) expect(statSync(`/proc/${init}/mem`).uid).toBe(0);
      } finally {
        child.stdin!.end("done\n");
      }
      const results = await outcome;
      expect(results).toMatchObject({ code: 0 });
      expect(JSON.parse(results.stdout)).toEqual([
        "EPERM",
        "EPERM",
        "EACCES",
        // In a PID namespace the launcher's pid names nothing.
        namespaced ? "ESRCH" : "EPERM",
        "OK",
      ]);
    });
    // Without a PID namespace no kernel teardown ends the command when the launcher is killed outright: the command
    // dies with its parent (PR_SET_PDEATHSIG), which the launcher is then.
    test("without namespaces, the command dies with the launcher when that is killed (SIGKILL)", async () => {
      const tag = uniqueDuration();
      const child = spawnAs(user, ["sh", "-c", `echo ready; exec sleep ${tag}`], READ_ONLY_POLICY, { linux: NO_NAMESPACES });
      const outcome = outcomeOf(child);
      // The launcher's own command line names the tag too: the command is the one that became sleep.
      const command = () => processesTagged(tag).filter((pid) => commandName(pid) === "sleep");
      try {
        await printed(child, "ready");
        for (let i = 0; i < 100 && command().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(command()).toHaveLength(1);
        // setpriv execs the launcher: the spawned pid is the launcher's either way.
        child.kill("SIGKILL");
        await outcome;
        for (let i = 0; i < 100 && command().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(command()).toEqual([]);
      } finally {
        for (const pid of command()) process.kill(pid, "SIGKILL");
      }
    });

    test.each([
      ["with a PID namespace", {}],
      ["without namespaces (subreaper)", { ...NO_NAMESPACES, readOnlySubpaths: "best-effort", fileMetadata: "best-effort" }],
    ] as const)("a setsid, double-forked child is gone when the run ends %s, and never plants .git/config", async (name, linux) => {
      const tag = `cordon-survivor-${process.pid}-${Date.now()}`;
      const plant = "sleep 2; mkdir -p .git; echo '[core] fsmonitor = touch pwned' > .git/config; echo x > planted";
      const results = await probeAs(user, [["survivor", tag, plant]], WORKSPACE_ONLY, { linux });
      expect(results).toEqual(["OK"]);
      // The launcher returns only once every process of the run is dead: checked at once, no waiting.
      expect(processesTagged(tag)).toEqual([]);
      if (name.startsWith("with")) expect(existsSync(join(workspace, ".git"))).toBe(false);
      expect(existsSync(join(workspace, "planted"))).toBe(false);
    });

    test.each(["dir", "gitdir file", "symlink", "missing"] as const)(
      ".git and .codex as a %s cannot be created, replaced, removed or renamed, and the host keeps them as they were",
      async (kind) => {
        const git = join(workspace, ".git");
        const codex = join(workspace, ".codex");
        if (kind === "dir") {
          mkdirSync(git);
          mkdirSync(codex);
        } else if (kind === "gitdir file") {
          mkdirSync(join(workspace, "real-git"));
          writeFileSync(join(workspace, "real-git", "config"), "[core]\n");
          writeFileSync(git, "gitdir: real-git\n");
          writeFileSync(codex, "a file\n");
        } else if (kind === "symlink") {
          mkdirSync(join(workspace, "shared-git"));
          mkdirSync(join(workspace, "shared-codex"));
          symlinkSync("shared-git", git);
          symlinkSync("shared-codex", codex);
        }
        writeFileSync(join(workspace, "fake"), "fake");
        const attempts = (path: string): Operation[] => [
          ["rename", path, join(workspace, "moved")],
          ["unlink", path],
          ["rmdir", path],
          ["rename", join(workspace, "fake"), path],
          ["symlink", "/", path],
          ["mkdir", path],
          ["write", join(path, "config")],
        ];
        const results = await probeAs(user, [...attempts(git), ...attempts(codex)], WORKSPACE_ONLY);
        for (const [i, result] of results.entries()) {
          // Busy (a mount point), or no such change on a read-only mount: never OK.
          expect([i, result]).toEqual([i, expect.stringMatching(/^(EBUSY|EEXIST|EROFS|EISDIR|ENOTDIR|ENOTEMPTY|EPERM)$/)]);
        }
        const kindOf = (path: string) => {
          const st = lstatSync(path, { throwIfNoEntry: false });
          return st === undefined ? "missing" : st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : "file";
        };
        const expected = { dir: ["dir", "dir"], "gitdir file": ["file", "file"], symlink: ["symlink", "symlink"], missing: ["missing", "missing"] }[kind];
        expect([kindOf(git), kindOf(codex)]).toEqual(expected);
        if (kind === "dir") expect(readdirSync(git)).toEqual([]);
        if (kind === "gitdir file") expect(readFileSync(join(workspace, "real-git", "config"), "utf8")).toBe("[core]\n");
        if (kind === "symlink") expect(readdirSync(join(workspace, "shared-git"))).toEqual([]);
        expect(readFileSync(join(workspace, "fake"), "utf8")).toBe("fake");
      },
    );
  });

  test.each([
    ["killed with its process group (SIGKILL, as a timeout does)", "group"],
    ["terminated (SIGTERM)", "term"],
  ] as const)("no placeholder is left on the host when the run is %s, and nothing of it survives", async (_name, how) => {
    const tag = uniqueDuration();
    const child = spawnAs("caller", ["sh", "-c", `echo ready; exec sleep ${tag}`], WORKSPACE_ONLY, { detached: true });
    const outcome = outcomeOf(child);
    await printed(child, "ready");
    expect(existsSync(join(workspace, ".codex"))).toBe(true);
    if (how === "group") process.kill(-child.pid!, "SIGKILL");
    else child.kill("SIGTERM");
    await outcome;
    // After SIGKILL the launcher's janitor removes them once the sandbox is gone: bounded wait.
    for (let i = 0; i < 100 && (existsSync(join(workspace, ".codex")) || existsSync(join(workspace, ".git"))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readdirSync(workspace)).toEqual([]);
    for (let i = 0; i < 100 && processesTagged(tag).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(processesTagged(tag)).toEqual([]);
  });

  test("when the host dies (SIGKILL), the launcher and every process of the run die with it", async () => {
    const tag = uniqueDuration();
    const plan = prepareSandboxedCommand(["sh", "-c", `setsid sh -c 'exec sleep ${tag}' & echo ready; wait`], WORKSPACE_ONLY, { cwd: workspace, env });
    // A stand-in host: a shell that starts the launcher and is then killed outright.
    const host = spawn("sh", ["-c", '"$@"; exit $?', "sh", plan.program, ...plan.args], { cwd: workspace, env: plan.env, stdio: ["ignore", "pipe", "ignore"] });
    await printed(host, "ready");
    for (let i = 0; i < 100 && processesTagged(tag).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processesTagged(tag)).not.toEqual([]);
    const launcher = descendants(host.pid!)[0]!;
    host.kill("SIGKILL");
    for (let i = 0; i < 100 && (processesTagged(tag).length > 0 || existsSync(`/proc/${launcher}/stat`)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(processesTagged(tag)).toEqual([]);
    expect(existsSync(`/proc/${launcher}/stat`)).toBe(false);
  });

  test("a symbolic link on the way to a protected name refuses the launch; nothing is created where it points", () => {
    symlinkSync(outside, join(workspace, "link"));
    const launcher = prepareSandboxedCommand(["true"], READ_ONLY_POLICY, { cwd: workspace, env }).program;
    const marker = join(workspace, "ran");
    const result = spawnSync(
      launcher,
      ["--writable-root", workspace, "--read-only-subpath", join(workspace, "link", ".codex"), "--", "touch", marker],
      { encoding: "utf8" },
    );
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon-linux-sandbox: read-only-subpaths: .*a symbolic link on the way/m);
    expect(readdirSync(outside)).toEqual(["existing"]);
    expect(existsSync(marker)).toBe(false);
  });

  test("cordon's own launcher under a writable root cannot be replaced, renamed away or have its directory moved", async () => {
    const bin = join(workspace, "tools", "bin");
    mkdirSync(bin, { recursive: true });
    const launcher = join(bin, "cordon-linux-sandbox");
    const packaged = prepareSandboxedCommand(["true"], READ_ONLY_POLICY, { cwd: workspace, env }).program;
    writeFileSync(launcher, readFileSync(packaged), { mode: 0o755 });
    const results = await probeAs(
      "caller",
      [["append", launcher], ["rename", launcher, join(workspace, "moved")], ["unlink", launcher], ["rename", bin, join(workspace, "bin2")], ["rename", join(workspace, "tools"), join(workspace, "tools2")]],
      WORKSPACE_ONLY,
      { linux: { launcherPath: launcher } },
    );
    // Refused as a running executable or a read-only mount; renames as a mount point or across mounts.
    expect(results).toEqual([
      expect.stringMatching(/^(ETXTBSY|EROFS)$/),
      ...Array(4).fill(expect.stringMatching(/^(EBUSY|EXDEV)$/)),
    ]);
    expect(readFileSync(launcher).equals(readFileSync(packaged))).toBe(true);
    expect(readdirSync(workspace).sort()).toEqual(["tools"]);
  });
});
