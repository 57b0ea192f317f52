// Mutation testing of the C launcher and its exec supervisor (`npm run mutate:native`).
//
// Each entry below breaks one protection with a one-line change to the
// source: it is applied, the native parts are rebuilt, the test rows that
// should notice are run, and the source is put back. A mutation the tests do
// not notice "survived": some protection is then held by nothing but trust.
// With --confirm, a survivor of the targeted rows is run again against its
// whole test files, so only a mutation no test of those files notices is
// reported as surviving.
//
// Slow (a rebuild and real sandboxes per mutation), so not part of CI.
//   node scripts/mutate-native.js                 every mutation
//   node scripts/mutate-native.js seccomp/ptrace  only those whose id contains a filter
//   node scripts/mutate-native.js --confirm ...   survivors run against their whole test files
//   node scripts/mutate-native.js --list          the ids (each checked to apply exactly once)
// Results go to reports/mutation/native.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sandbox = "native/linux-sandbox";

const ESCAPES = "test/hardening/escapes.test.ts";
const EXEC = "test/supervisor/exec.test.ts";
const SOCKETS = "test/supervisor/unix-sockets.test.ts";
const SOCKET_SWAP = "test/bridge/socket-swap.test.ts";
const LAUNCHER = "test/linux/launcher.test.ts";
const SESSION = "test/supervisor/session.test.ts";
const KEPT = "test/bridge/kept-decisions.test.ts";
const LANDLOCK_RIGHTS = "test/hardening/landlock-rights.test.ts";
const UNIX_REFUSALS = "test/supervisor/unix-connect-refusals.test.ts";

/** A seccomp "always denied" entry removed from its list. */
const deniedAlways = (call, rows) => ({
  id: `seccomp/${call}`,
  file: `${sandbox}/seccomp.c`,
  from: `__NR_${call},`,
  to: "",
  tests: [[ESCAPES, rows]],
});

/** A statement of `file` that no longer runs (`if (false)` keeps every static function used). */
const skipped = (id, file, statement, tests) => ({ id, file: `${sandbox}/${file}`, from: statement, to: `if (false) ${statement}`, tests });

const replaced = (id, file, from, to, tests) => ({ id, file: `${sandbox}/${file}`, from, to, tests });

const PRIVILEGED = "privileged and namespace calls";
const MOUNTS = "umount|remount|mount a tmpfs|does not exist";

const MUTATIONS = [
  deniedAlways("io_uring_setup", "io_uring"),
  replaced("seccomp/ptrace", "seccomp.c", "if (!namespaces->pid) emit_calls(f, denied_without_pid_namespace", "if (false) emit_calls(f, denied_without_pid_namespace", [
    [ESCAPES, "ptrace"],
  ]),
  deniedAlways("process_vm_readv", "process_vm"),
  deniedAlways("process_vm_writev", "process_vm"),
  deniedAlways("pidfd_getfd", "pidfd_getfd"),
  deniedAlways("process_madvise", "process_madvise"),
  deniedAlways("kcmp", "kcmp"),
  deniedAlways("mount", MOUNTS),
  deniedAlways("umount2", MOUNTS),
  // pivot_root, move_mount, fsopen, fsmount and fspick have no entry of their own: the kernel checks
  // CAP_SYS_ADMIN over the caller's mount namespace before anything else in them, and the command holds no
  // capability (capabilities/*) and can make no namespace of its own (seccomp/clone-namespace-flags,
  // seccomp/unshare-namespace-flags). The kernel's EPERM always comes first, so taking one of them off the
  // list changes nothing a test can see.
  deniedAlways("open_tree", `open_tree|${MOUNTS}`),
  deniedAlways("fsconfig", `fsconfig|${MOUNTS}`),
  deniedAlways("mount_setattr", `mount_setattr|${MOUNTS}`),
  deniedAlways("open_tree_attr", `open_tree|${MOUNTS}`),
  deniedAlways("init_module", `module|${PRIVILEGED}`),
  deniedAlways("finit_module", `module|${PRIVILEGED}`),
  deniedAlways("delete_module", `module|${PRIVILEGED}`),
  deniedAlways("kexec_load", `kexec|${PRIVILEGED}`),
  deniedAlways("kexec_file_load", `kexec|${PRIVILEGED}`),
  deniedAlways("open_by_handle_at", "open_by_handle_at"),
  deniedAlways("keyctl", `keyring|${PRIVILEGED}`),
  deniedAlways("add_key", `keyring|${PRIVILEGED}`),
  deniedAlways("request_key", `keyring|${PRIVILEGED}`),
  deniedAlways("bpf", PRIVILEGED),
  deniedAlways("perf_event_open", PRIVILEGED),
  deniedAlways("fanotify_init", PRIVILEGED),
  deniedAlways("setns", `setns|${PRIVILEGED}`),
  replaced("seccomp/clone3-enosys", "seccomp.c", "ret(f, ERRNO(ENOSYS));", "ret(f, SECCOMP_RET_ALLOW);", [[ESCAPES, PRIVILEGED]]),
  replaced("seccomp/clone-namespace-flags", "seccomp.c", "emit_flags(f, __NR_clone, 0, NAMESPACE_FLAGS, EPERM);", "emit_flags(f, __NR_clone, 0, 0, EPERM);", [
    [ESCAPES, `unshare|${PRIVILEGED}`],
  ]),
  replaced("seccomp/unshare-namespace-flags", "seccomp.c", "NAMESPACE_FLAGS | CLONE_NEWTIME, EPERM", "0, EPERM", [[ESCAPES, `unshare|${PRIVILEGED}`]]),
  replaced("seccomp/read-only-metadata", "seccomp.c", "if (read_only) emit_calls(f, metadata_calls", "if (false) emit_calls(f, metadata_calls", [
    [ESCAPES, "chmod|chown|times|read-only"],
  ]),
  replaced("seccomp/metadata-through-stdio", "seccomp.c", "emit_arg_at_most(f, metadata_by_fd", "if (false) emit_arg_at_most(f, metadata_by_fd", [
    [ESCAPES, "handed in as stdin"],
  ]),
  replaced("seccomp/system-v-ipc", "seccomp.c", "if (!namespaces->ipc) emit_calls", "if (false) emit_calls", [[ESCAPES, "System V"]]),
  replaced("seccomp/exec-notification", "seccomp.c", "if (plan->exec_socket != NULL) emit_calls", "if (false) emit_calls", [[EXEC, "denied"]]),
  replaced("seccomp/connect-notification", "seccomp.c", "COUNT(notified_without_network), SECCOMP_RET_USER_NOTIF", "COUNT(notified_without_network), SECCOMP_RET_ALLOW", [
    [SOCKETS, ""],
  ]),
  replaced("seccomp/tiocsti", "seccomp.c", "terminal[] = {IOCTL_TIOCSTI,", "terminal[] = {0,", [[ESCAPES, "TIOCSTI|terminal"]]),
  replaced("seccomp/tioclinux", "seccomp.c", "IOCTL_TIOCLINUX, IOCTL_TIOCCONS,", "0, IOCTL_TIOCCONS,", [[ESCAPES, "TIOCLINUX|terminal"]]),
  replaced("seccomp/tioccons", "seccomp.c", "IOCTL_TIOCCONS,    IOCTL_TIOCSETD", "0,    IOCTL_TIOCSETD", [[ESCAPES, "TIOCCONS|terminal"]]),
  replaced("seccomp/tiocsctty", "seccomp.c", "  ret(f, ERRNO(EPERM));\n  // A flag request", "  ret(f, SECCOMP_RET_ALLOW);\n  // A flag request", [[ESCAPES, "TIOCSCTTY|terminal"]]),
  replaced("seccomp/fs-ioc-setflags", "seccomp.c", "{IOCTL_FS_IOC_SETFLAGS, ", "{0, ", [[ESCAPES, "SETFLAGS|handed in as stdin|chattr"]]),
  skipped("seccomp/pid-targeting-calls", "seccomp.c", "emit_arg_zero_only(f, aimed_at_pid, COUNT(aimed_at_pid), 0);", [[ESCAPES, "prlimit|priority|affinity|host process"]]),
  skipped("seccomp/setpriority-user", "seccomp.c", "emit_priority(f, __NR_setpriority, PRIO_USER);", [[ESCAPES, "prlimit|priority|affinity|host process"]]),
  skipped("seccomp/ioprio-user", "seccomp.c", "emit_priority(f, __NR_ioprio_set, 3);", [[ESCAPES, "prlimit|priority|affinity|host process"]]),
  skipped("seccomp/socket-unix-only", "seccomp.c", "emit_families(f, __NR_socket, unix_only, COUNT(unix_only));", [[ESCAPES, "TCP|UDP|netlink|raw socket"]]),
  skipped("seccomp/socketpair-unix-only", "seccomp.c", "emit_families(f, __NR_socketpair, unix_only, COUNT(unix_only));", [[ESCAPES, "socketpair"]]),
  skipped("seccomp/sendto-notification", "seccomp.c", "emit_sendto(f);", [[SOCKETS, "datagrams"]]),
  skipped("seccomp/sendmsg-notification", "seccomp.c", "emit_sendmsg(f, secret);", [[SOCKETS, "datagrams"]]),
  replaced("seccomp/foreign-architecture", "seccomp.c", "jump_eq(f, FILTER_ARCH, 1, 0);", "jump_eq(f, FILTER_ARCH, 1, 1);", [[ESCAPES, "architecture|int 0x80|x32"]]),

  replaced("landlock/write-outside-roots-without-mount-namespace", "landlock.c", 'allow(ruleset, "/", ACCESS_FS_READ, handled);', 'allow(ruleset, "/", ACCESS_FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | ACCESS_FS_TRUNCATE, handled);', [
    [LANDLOCK_RIGHTS, "WRITE_FILE|TRUNCATE"],
  ]),
  ...["WRITE_FILE", "REMOVE_DIR", "REMOVE_FILE", "MAKE_CHAR", "MAKE_DIR", "MAKE_REG", "MAKE_SOCK", "MAKE_FIFO", "MAKE_BLOCK", "MAKE_SYM"].map((right) =>
    replaced(`landlock/handled-${right.toLowerCase().replace("_", "-")}`, "landlock.c", "if (abi >= 2) access |= ACCESS_FS_REFER;", `access &= ~(uint64_t)LANDLOCK_ACCESS_FS_${right};\n  if (abi >= 2) access |= ACCESS_FS_REFER;`, [
      [LANDLOCK_RIGHTS, right],
    ]),
  ),
  skipped("landlock/handled-refer", "landlock.c", "if (abi >= 2) access |= ACCESS_FS_REFER;", [[LANDLOCK_RIGHTS, "REFER"]]),
  skipped("landlock/handled-truncate", "landlock.c", "if (abi >= 3) access |= ACCESS_FS_TRUNCATE;", [[LANDLOCK_RIGHTS, "TRUNCATE"]]),
  skipped("landlock/handled-ioctl-dev", "landlock.c", "if (abi >= 5) access |= ACCESS_FS_IOCTL_DEV;", [[LANDLOCK_RIGHTS, "IOCTL_DEV"]]),
  replaced("landlock/tcp-without-network", "landlock.c", "attr.handled_access_net = ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP;", "attr.handled_access_net = 0;", [[LANDLOCK_RIGHTS, "TCP"]]),
  replaced("landlock/signal-scope", "landlock.c", "attr.scoped = SCOPE_SIGNAL |", "attr.scoped = 0 |", [[LANDLOCK_RIGHTS, "scope SIGNAL"]]),
  replaced("landlock/abstract-socket-scope", "landlock.c", "(plan->allow_network ? 0 : SCOPE_ABSTRACT_UNIX_SOCKET)", "0", [[LANDLOCK_RIGHTS, "ABSTRACT_UNIX_SOCKET"]]),
  replaced("landlock/device-nodes-in-writable-roots", "landlock.c", "allow(ruleset, plan->writable_roots[i], handled & ~ACCESS_FS_MAKE_DEVICE, handled);", "allow(ruleset, plan->writable_roots[i], handled, handled);", [
    [LANDLOCK_RIGHTS, "MAKE_CHAR|MAKE_BLOCK"],
  ]),

  // Left out of the clone with a user namespace only: left out of root's as well, the launcher would make
  // the host's own mount tree private and read-only. Unprivileged, it is refused those mounts, and the run with them.
  replaced("namespaces/mount", "namespaces.c", "child = clone_with(flags | CLONE_NEWUSER);", "child = clone_with((flags & ~(unsigned long)CLONE_NEWNS) | CLONE_NEWUSER);", [
    [ESCAPES, ".git|mount"],
  ]),
  replaced("namespaces/pid", "namespaces.c", "CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC", "CLONE_NEWNS | CLONE_NEWIPC", [[ESCAPES, "host process|kill|ptrace|PID namespace"]]),
  replaced("namespaces/ipc", "namespaces.c", "CLONE_NEWPID | CLONE_NEWIPC |", "CLONE_NEWPID |", [[ESCAPES, "System V|IPC"]]),
  replaced("namespaces/network", "namespaces.c", "(plan->allow_network ? 0 : CLONE_NEWNET)", "0", [[ESCAPES, "abstract|TCP|UDP|network"]]),
  replaced("namespaces/user", "namespaces.c", "child = clone_with(flags | CLONE_NEWUSER);", "child = clone_with(flags);", [[ESCAPES, "as nobody"], [LAUNCHER, "unprivileged"]]),

  replaced("lifetime/setsid", "lifetime.c", "if (setsid() == -1)", "if (false && setsid() == -1)", [[ESCAPES, "session|setsid|TIOCSTI|terminal"]]),
  replaced("lifetime/command-dies-with-parent", "lifetime.c", "  if (setsid() == -1) fail(\"launcher\", \"setsid: %s\", strerror(errno));\n  if (prctl(PR_SET_PDEATHSIG", "  if (setsid() == -1) fail(\"launcher\", \"setsid: %s\", strerror(errno));\n  if (false && prctl(PR_SET_PDEATHSIG", [
    [ESCAPES, "dies|host dies|SIGKILL|survivor|double-forked"],
  ]),

  replaced("capabilities/bounding-set", "capabilities.c", "if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;", "if (cap < 64) continue;", [[ESCAPES, "capabilit"]]),
  replaced("capabilities/securebits", "capabilities.c", "if (!locked && prctl(PR_SET_SECUREBITS", "if (false && prctl(PR_SET_SECUREBITS", [[ESCAPES, "capabilit|securebit"]]),
  replaced("capabilities/capset", "capabilities.c", "if (syscall(SYS_capset, &header, data) == -1)", "if (false && syscall(SYS_capset, &header, data) == -1)", [[ESCAPES, "capabilit"]]),
  // Clearing the ambient set has no entry: capset, which empties the inheritable and permitted sets, takes
  // every ambient capability with them (the kernel keeps one only while it is in both), so the ambient set is
  // empty without that step too. capabilities/capset is caught by the row that hands one down.

  replaced("exec-socket/pin", "exec-socket.c", "  plan->exec_socket = pinned;", "  free(pinned);", [[SOCKET_SWAP, ""]]),
  replaced("exec-socket/identity-check", "exec-socket.c", "if (strcmp(id, plan->exec_socket_id) != 0)", "if (false && strcmp(id, plan->exec_socket_id) != 0)", [[SOCKET_SWAP, ""]]),

  replaced("supervisor/deny-is-followed", "supervisor-exec.c", "} else if (response.run) {", "} else if (true) {", [[EXEC, "denied"]]),
  replaced("supervisor/ask-failure-denies", "supervisor-exec.c", "  if (asked != 0) {\n    deny(n, &call, problem);", "  if (asked != 0) {\n    answer_continue(n);", [[EXEC, "failing closed|server that is gone|gone"]]),
  replaced("supervisor/unreadable-exec-denies", "supervisor-exec.c", "    deny(n, &call, problem);\n    free_call(&call);\n    return;", "    answer_continue(n);\n    free_call(&call);\n    return;", [
    [EXEC, "may not read"],
  ]),
  replaced("supervisor/deny-errno-eacces", "supervisor-exec.c", "  answer_error(n, EACCES);\n}", "  answer_error(n, EPERM);\n}", [[EXEC, "denied"]]),
  replaced("supervisor/anonymous-flagged", "supervisor-exec.c", ".anonymous = target.anonymous,", ".anonymous = false,", [[EXEC, "memfd|anonymous"]]),
  replaced("supervisor/interpreter-named", "supervisor-exec.c", ".interpreter = target.interpreter,", ".interpreter = NULL,", [[EXEC, "#!|PT_INTERP|interpreter"]]),
  replaced("supervisor/executable-resolved", "supervisor-exec.c", ".executable = target.executable,", ".executable = NULL,", [[EXEC, "symlink|resolved"]]),
  replaced("supervisor/unix-connect-refused", "supervisor-socket.c", "!bound_in_sandbox_network(n, &st)) error = EACCES;", "!bound_in_sandbox_network(n, &st)) error = 0;", [
    [UNIX_REFUSALS, "connect"],
  ]),
  replaced("supervisor/sendmmsg-pathname-refused", "supervisor-socket.c", "header->msg_name, name_length, &to);\n  if (error == 0) error = judge(", "header->msg_name, name_length, &to);\n  if (false) error = judge(", [
    [UNIX_REFUSALS, "sendmmsg"],
  ]),

  replaced("supervisor/acts-without-capabilities", "supervisor-credentials.c", "  if (capabilities(none, true) == -1) goto failed;", "  if (false && capabilities(none, true) == -1) goto failed;", [
    ["test/supervisor/resolve.test.ts", "may not execute"],
    ["test/hardening/metadata-links.test.ts", "another user"],
  ]),

  replaced("kept/by-inode", "supervisor-kept.c", "return a->executable_dev == b->executable_dev && a->executable_ino == b->executable_ino &&", "return", [[KEPT, "replaced"]]),
  replaced("kept/by-name", "supervisor-kept.c", "a->names_length == b->names_length && memcmp(a_names, b_names, a->names_length) == 0;", "(a_names != b_names || true);", [[KEPT, "replaced|renamed"]]),
  replaced("kept/forget", "supervisor-kept.c", "  for (size_t i = 0; i < table->count; i++) free(table->names[i]);\n  table->count = 0;", "  (void)table;", [[SESSION, "FORGET"], [KEPT, "forget"]]),
  replaced("kept/only-when-told", "supervisor-exec.c", "response->run && response->keep_for_program && names != NULL", "response->run && names != NULL", [[KEPT, "only what the host marked"]]),
  replaced("kept/record-before-running", "supervisor-exec.c", "    result = session_record(n->session, request, error, error_size);", "    session_record(n->session, request, error, error_size);\n    result = 0;", [[SESSION, "record cannot be sent"]]),
  replaced("kept/cache-only-on-run", "../exec-wire/response.c", 'strcmp(cache, "program") != 0 || strcmp(action, "run") != 0', 'strcmp(cache, "program") != 0', [[SESSION, "cache on a deny"]]),
  replaced("session/broken-stays-broken", "supervisor-session.c", "  if (!s->broken) {\n    s->broken = true;", "  if (!s->broken) {\n    s->broken = false;", [[SESSION, "malformed|closes the session"]]),
  replaced("session/unknown-reply-breaks", "supervisor-session.c", "  return asking != NULL ? 0 : -1;", "  return 0;", [[SESSION, "unknown request_id"]]),
];

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
}

function build() {
  const result = run("npx", ["node-gyp", "build"]);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** Runs jest on `file`, only the tests whose full names match `names` (all when empty); the counts it reports. */
function jest(file, names) {
  const output = join(root, "reports", "mutation", "native-jest.json");
  const args = ["--experimental-vm-modules", "--no-warnings", "node_modules/jest/bin/jest.js", "--json", `--outputFile=${output}`, file];
  if (names) args.push("-t", names);
  const result = run(process.execPath, args, { timeout: 20 * 60_000 });
  let report;
  try {
    report = JSON.parse(readFileSync(output, "utf8"));
  } catch {
    return { failed: 1, passed: 0, note: `jest did not report (status ${result.status}): ${result.stderr.slice(-400)}` };
  }
  const failedNames = report.testResults.flatMap((suite) => suite.assertionResults.filter((t) => t.status === "failed").map((t) => t.fullName));
  return {
    failed: report.numFailedTests + report.numRuntimeErrorTestSuites,
    passed: report.numPassedTests,
    note: failedNames.slice(0, 3).join("; "),
  };
}

function runTests(tests) {
  let passed = 0;
  for (const [file, names] of tests) {
    const outcome = jest(file, names);
    passed += outcome.passed;
    if (outcome.failed > 0) return { caught: true, passed, by: `${file}: ${outcome.note}` };
  }
  return { caught: false, passed };
}

function check(mutation) {
  const original = readFileSync(join(root, mutation.file), "utf8");
  const count = original.split(mutation.from).length - 1;
  if (count !== 1) throw new Error(`${mutation.id}: "${mutation.from}" occurs ${count} times in ${mutation.file}, not once`);
  return original;
}

function mutate(mutation) {
  const path = join(root, mutation.file);
  const original = check(mutation);
  writeFileSync(path, original.replace(mutation.from, mutation.to));
  try {
    const built = build();
    if (!built.ok) return { id: mutation.id, result: "not built", detail: built.output.slice(-600) };
    const targeted = runTests(mutation.tests);
    if (targeted.caught) return { id: mutation.id, result: "caught", detail: targeted.by };
    if (!confirm) return { id: mutation.id, result: "survived", detail: `${targeted.passed} targeted tests passed` };
    const whole = runTests([...new Set(mutation.tests.map(([file]) => file))].map((file) => [file, ""]));
    if (whole.caught) return { id: mutation.id, result: "caught", detail: `outside the targeted rows: ${whole.by}` };
    return { id: mutation.id, result: "survived", detail: `${whole.passed} tests passed` };
  } finally {
    writeFileSync(path, original);
  }
}

const args = process.argv.slice(2).filter((arg) => arg !== "--confirm");
const confirm = process.argv.includes("--confirm");
if (args.includes("--list")) {
  for (const mutation of MUTATIONS) {
    check(mutation);
    console.log(mutation.id);
  }
  process.exit(0);
}
const selected = MUTATIONS.filter((mutation) => args.length === 0 || args.some((filter) => mutation.id.includes(filter)));
selected.forEach(check);
mkdirSync(join(root, "reports", "mutation"), { recursive: true });
const results = [];
try {
  for (const mutation of selected) {
    const outcome = mutate(mutation);
    results.push(outcome);
    console.log(`${outcome.result.padEnd(9)} ${outcome.id}${outcome.detail ? `  (${outcome.detail.split("\n").join(" ").slice(0, 200)})` : ""}`);
    writeFileSync(join(root, "reports", "mutation", "native.json"), `${JSON.stringify(results, null, 2)}\n`);
  }
} finally {
  if (!build().ok) console.error("the native build of the unchanged sources failed: run `npm run build:native`");
}
const caught = results.filter((r) => r.result === "caught").length;
const survived = results.filter((r) => r.result === "survived");
console.log(`\nnative mutations: ${caught} caught, ${survived.length} survived, ${results.length - caught - survived.length} not built, of ${results.length}`);
for (const r of survived) console.log(`survived: ${r.id}`);
process.exitCode = survived.length > 0 ? 1 : 0;
