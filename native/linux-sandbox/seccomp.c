// seccomp: a BPF filter, installed after no_new_privs and the capability drop.
//   always:       io_uring, process-memory access (process_vm_readv/writev,
//                 pidfd_getfd, process_madvise, kcmp), mount-table changes,
//                 kernel module/kexec loading, open_by_handle_at, keyrings,
//                 bpf, perf_event_open, fanotify_init and setns fail with
//                 EPERM; unshare and clone with a namespace flag too; clone3
//                 with ENOSYS (its flags sit in memory the filter cannot
//                 read, so libc falls back to clone);
//                 the terminal ioctls that reach past the command's own
//                 session or outlast the run on a terminal it was handed:
//                 TIOCSTI, TIOCLINUX, TIOCCONS, TIOCSETD (a line discipline
//                 that discards input), TIOCEXCL and TIOCNXCL (nobody else
//                 may open it), TIOCVHANGUP, TCXONC (output left stopped),
//                 and TIOCSCTTY but with argument 0 (forkpty's children take
//                 a terminal no session holds; 1 would steal one);
//                 mode, owner, flag and extended attribute changes through
//                 descriptors 0 to 2 (a host file or directory handed in as
//                 stdio lives on the host's mounts, outside the read-only tree);
//   read-only:    every call that changes a file's mode, owner, times, flags
//                 or extended attributes;
//   writable:     every other such call (by path, or on a descriptor above 2)
//                 goes to the supervisor, which looks the path up as the
//                 process would and makes the change itself, refusing one
//                 through a magic link (/proc/self/fd/0) or on a host mount;
//   no PID namespace: ptrace (host pids are visible), and resource, priority
//                 and scheduling calls aimed at any process but the caller
//                 (pid 0). In a PID namespace of its own the command may trace
//                 its own processes (gdb, strace, LeakSanitizer): Landlock
//                 confines ptrace to its domain, and PID 1, outside that
//                 domain and with capabilities, is not dumpable (init.c);
//   no IPC namespace: System V IPC and POSIX message queues;
//   no network:   socket() succeeds only for AF_UNIX, and for AF_INET and
//                 AF_INET6 too where the network namespace was made (it has
//                 nothing but loopback, and the command no capability to
//                 change that); socketpair() only for AF_UNIX; connect,
//                 sendto with an address, sendmsg and sendmmsg go to the
//                 supervisor (SECCOMP_RET_USER_NOTIF), which vets pathnames
//                 (but the one sendmsg that hands it the listener);
//   exec socket:  execve and execveat go to the supervisor.
// Calls of another architecture (x32, i386 through int 0x80) kill the process,
// since their numbers would slip past the filter.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "syscalls.h"

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#define X32_SYSCALL_BIT 0x40000000U
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// ioctl numbers (the same on x86_64 and aarch64).
#define IOCTL_TCXONC 0x540AU
#define IOCTL_TIOCEXCL 0x540CU
#define IOCTL_TIOCNXCL 0x540DU
#define IOCTL_TIOCSCTTY 0x540EU
#define IOCTL_TIOCSTI 0x5412U
#define IOCTL_TIOCLINUX 0x541CU
#define IOCTL_TIOCCONS 0x541DU
#define IOCTL_TIOCSETD 0x5423U
#define IOCTL_TIOCVHANGUP 0x5437U
#define IOCTL_FS_IOC_SETFLAGS 0x40086602U
#define IOCTL_FS_IOC32_SETFLAGS 0x40046602U
#define IOCTL_FS_IOC_FSSETXATTR 0x401c5820U

#define NAMESPACE_FLAGS \
  (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW(n) offsetof(struct seccomp_data, args[n])
#define ARG_HIGH(n) (offsetof(struct seccomp_data, args[n]) + 4)
#else
#define ARG_LOW(n) (offsetof(struct seccomp_data, args[n]) + 4)
#define ARG_HIGH(n) offsetof(struct seccomp_data, args[n])
#endif

bool seccomp_notifies(const struct plan* plan) {
  return plan->exec_socket != NULL || !plan->allow_network || plan->writable_root_count > 0;
}

#ifdef FILTER_ARCH
static const int denied_always[] = {
    // io_uring performs socket, open and other calls that this filter would never see.
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
    // Reaching into other processes' memory and descriptors.
    __NR_process_vm_readv, __NR_process_vm_writev, __NR_pidfd_getfd, __NR_process_madvise, __NR_kcmp,
    // The read-only binds must stay (Landlock refuses these too).
    __NR_mount, __NR_umount2, __NR_pivot_root, __NR_open_tree, __NR_move_mount, __NR_fsopen, __NR_fsconfig,
    __NR_fsmount, __NR_fspick, __NR_mount_setattr,
    // A detached clone with its own mount attributes: a writable view of the
    // read-only mount tree, usable through the descriptor without attaching it.
    __NR_open_tree_attr,
    // What a privileged caller could use to leave the sandbox through the kernel.
    __NR_init_module, __NR_finit_module, __NR_delete_module, __NR_kexec_load, __NR_kexec_file_load,
    __NR_open_by_handle_at,
    // Keyrings outlive the run and are shared per user and session.
    __NR_keyctl, __NR_add_key, __NR_request_key,
    // Programs in the kernel, system-wide observation, permission events.
    __NR_bpf, __NR_perf_event_open, __NR_fanotify_init,
    // Other namespaces, the host's included.
    __NR_setns,
};

// What changes metadata: nothing may be changed under a read-only policy;
// with writable roots the supervisor makes these changes (supervisor-metadata.c).
const int metadata_calls[] = {
// The path-based originals exist only on older architectures (x86_64, not aarch64).
#ifdef __NR_chmod
    __NR_chmod, __NR_chown, __NR_lchown, __NR_utime, __NR_utimes, __NR_futimesat,
#endif
    __NR_fchmod, __NR_fchmodat, __NR_fchmodat2, __NR_fchown, __NR_fchownat, __NR_utimensat,
    __NR_setxattr, __NR_lsetxattr, __NR_fsetxattr, __NR_setxattrat,
    __NR_removexattr, __NR_lremovexattr, __NR_fremovexattr, __NR_removexattrat, __NR_file_setattr,
};
const size_t metadata_call_count = sizeof metadata_calls / sizeof metadata_calls[0];

// Metadata calls whose first argument is a descriptor (or the directory a
// relative path starts from): refused on descriptors 0 to 2, otherwise
// handed to the supervisor. Times are left out: touch(1) reopens the file
// it touches onto descriptor 0 and sets its times through it, which the
// filter cannot tell from a file handed in.
static const int metadata_by_fd[] = {
    __NR_fchmod, __NR_fchmodat, __NR_fchmodat2, __NR_fchown, __NR_fchownat,
    __NR_fsetxattr, __NR_setxattrat, __NR_fremovexattr, __NR_removexattrat, __NR_file_setattr,
};

// Metadata calls by path alone (or times from a directory): always handed
// to the supervisor, since what decides them is the path in memory.
static const int metadata_by_path[] = {
#ifdef __NR_chmod
    __NR_chmod, __NR_chown, __NR_lchown, __NR_utime, __NR_utimes, __NR_futimesat,
#endif
    __NR_setxattr, __NR_lsetxattr, __NR_removexattr, __NR_lremovexattr,
};
// Tracing, where host processes are visible (no PID namespace).
static const int denied_without_pid_namespace[] = {__NR_ptrace};

// Calls whose first argument is a pid (0: the caller).
static const int aimed_at_pid[] = {
    __NR_prlimit64, __NR_sched_setaffinity, __NR_sched_setscheduler, __NR_sched_setparam, __NR_sched_setattr,
    __NR_migrate_pages, __NR_move_pages,
};

static const int system_v_ipc[] = {
    __NR_shmget, __NR_shmat, __NR_shmctl, __NR_msgget, __NR_msgsnd, __NR_msgrcv, __NR_msgctl,
    __NR_semget, __NR_semop, __NR_semtimedop, __NR_semctl, __NR_mq_open, __NR_mq_unlink,
};

static const int notified_without_network[] = {__NR_connect, __NR_sendmmsg};
static const int notified_exec[] = {__NR_execve, __NR_execveat};

#define COUNT(array) (sizeof array / sizeof array[0])
#define MAX_FILTER_LENGTH 1024

struct filter {
  struct sock_filter code[MAX_FILTER_LENGTH];
  size_t length;
};

static void emit(struct filter* f, struct sock_filter instruction) {
  if (f->length == MAX_FILTER_LENGTH) fail("seccomp", "the filter is too long");
  f->code[f->length++] = instruction;
}

static void load_nr(struct filter* f) {
  emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
}

static void load(struct filter* f, unsigned offset) {
  emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
}

static void ret(struct filter* f, unsigned action) { emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action)); }

// if (A == value) skip `skip_if_equal` else skip `skip_if_not`
static void jump_eq(struct filter* f, unsigned value, unsigned char if_equal, unsigned char if_not) {
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, if_equal, if_not));
}

// Each call in `calls` returns `action`.
static void emit_calls(struct filter* f, const int* calls, size_t count, unsigned action) {
  for (size_t i = 0; i < count; i++) {
    jump_eq(f, (unsigned)calls[i], 0, 1);
    ret(f, action);
  }
}

// Each call in `calls` fails with EPERM when its argument `arg` (low 32 bits,
// unsigned: AT_FDCWD is large) is at most `maximum`; otherwise it returns `otherwise`.
static void emit_arg_at_most(struct filter* f, const int* calls, size_t count, unsigned arg, unsigned maximum,
                             unsigned otherwise) {
  for (size_t i = 0; i < count; i++) {
    jump_eq(f, (unsigned)calls[i], 0, 4);
    load(f, ARG_LOW(arg));
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, maximum, 1, 0));
    ret(f, ERRNO(EPERM));
    ret(f, otherwise);
  }
}

// utimensat(fd, path, times, flags): on a descriptor (no path: futimens) it
// changes times only, which stay allowed; with a path, to the supervisor.
static void emit_utimensat(struct filter* f) {
  jump_eq(f, __NR_utimensat, 0, 6);
  load(f, ARG_LOW(1));
  jump_eq(f, 0, 0, 3);
  load(f, ARG_HIGH(1));
  jump_eq(f, 0, 0, 1);
  ret(f, SECCOMP_RET_ALLOW);
  ret(f, SECCOMP_RET_USER_NOTIF);
}

// Each call in `calls` is allowed only when argument `arg` (low 32 bits) is 0.
static void emit_arg_zero_only(struct filter* f, const int* calls, size_t count, unsigned arg) {
  for (size_t i = 0; i < count; i++) {
    jump_eq(f, (unsigned)calls[i], 0, 4);
    load(f, ARG_LOW(arg));
    jump_eq(f, 0, 1, 0);
    ret(f, ERRNO(EPERM));
    ret(f, SECCOMP_RET_ALLOW);
  }
}

// `nr` fails with `error` when argument `arg` has any of `flags`.
static void emit_flags(struct filter* f, int nr, unsigned arg, unsigned flags, int error) {
  jump_eq(f, (unsigned)nr, 0, 4);
  load(f, ARG_LOW(arg));
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, flags, 0, 1));
  ret(f, ERRNO(error));
  ret(f, SECCOMP_RET_ALLOW);
}

// setpriority(which, who) and ioprio_set(which, who): only who == 0 (the
// caller, its process group, its user) and never "every process of the user".
static void emit_priority(struct filter* f, int nr, unsigned user_which) {
  jump_eq(f, (unsigned)nr, 0, 7);
  load(f, ARG_LOW(1));
  jump_eq(f, 0, 1, 0);
  ret(f, ERRNO(EPERM));
  load(f, ARG_LOW(0));
  jump_eq(f, user_which, 0, 1);
  ret(f, ERRNO(EPERM));
  ret(f, SECCOMP_RET_ALLOW);
}

// The ioctls: the terminal requests above always, TIOCSCTTY but with
// argument 0, and flag changes through stdio or (read-only) everywhere.
static void emit_ioctl(struct filter* f, bool read_only) {
  static const unsigned terminal[] = {IOCTL_TIOCSTI,   IOCTL_TIOCLINUX, IOCTL_TIOCCONS,    IOCTL_TIOCSETD,
                                      IOCTL_TIOCEXCL,  IOCTL_TIOCNXCL,  IOCTL_TIOCVHANGUP, IOCTL_TCXONC};
  static const unsigned flags[] = {IOCTL_FS_IOC_SETFLAGS, IOCTL_FS_IOC32_SETFLAGS, IOCTL_FS_IOC_FSSETXATTR};
  size_t terminal_count = COUNT(terminal), flags_count = COUNT(flags);
  // After the first jump: the load, two per terminal request, five for
  // TIOCSCTTY, one per flag request, "no match", then the flag check.
  size_t body = 1 + 2 * terminal_count + 5 + flags_count + 1 + (read_only ? 1 : 4);
  jump_eq(f, __NR_ioctl, 0, (unsigned char)body);
  load(f, ARG_LOW(1));
  for (size_t i = 0; i < terminal_count; i++) {
    jump_eq(f, terminal[i], 0, 1);
    ret(f, ERRNO(EPERM));
  }
  jump_eq(f, IOCTL_TIOCSCTTY, 0, 4);
  load(f, ARG_LOW(2));
  jump_eq(f, 0, 0, 1);
  ret(f, SECCOMP_RET_ALLOW);
  ret(f, ERRNO(EPERM));
  // A flag request jumps past the remaining ones and "no match", to the flag check.
  for (size_t i = 0; i < flags_count; i++) jump_eq(f, flags[i], (unsigned char)(flags_count - i), 0);
  ret(f, SECCOMP_RET_ALLOW);
  if (!read_only) {
    // Through descriptors 0 to 2 only.
    load(f, ARG_LOW(0));
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 2, 1, 0));
    ret(f, ERRNO(EPERM));
    ret(f, SECCOMP_RET_ALLOW);
  } else {
    ret(f, ERRNO(EPERM));
  }
}

// socket(family, ...) or socketpair(family, ...): only the given families pass.
static void emit_families(struct filter* f, int nr, const unsigned* families, size_t count) {
  jump_eq(f, (unsigned)nr, 0, (unsigned char)(1 + count + 2));
  load(f, ARG_LOW(0));
  for (size_t i = 0; i < count; i++) jump_eq(f, families[i], (unsigned char)(count - i), 0);
  ret(f, ERRNO(EPERM));
  ret(f, SECCOMP_RET_ALLOW);
}

// sendto(fd, buf, len, flags, address, length): to the supervisor when it names an address.
static void emit_sendto(struct filter* f) {
  jump_eq(f, __NR_sendto, 0, 6);
  load(f, ARG_LOW(4));
  jump_eq(f, 0, 0, 3);
  load(f, ARG_HIGH(4));
  jump_eq(f, 0, 0, 1);
  ret(f, SECCOMP_RET_ALLOW);
  ret(f, SECCOMP_RET_USER_NOTIF);
}

// sendmsg(fd, message, flags): to the supervisor, but for the one call that
// hands the listener over, which carries the run's secret as a fourth
// argument (listener.c).
static void emit_sendmsg(struct filter* f, uint64_t secret) {
  jump_eq(f, __NR_sendmsg, 0, 6);
  load(f, ARG_LOW(3));
  jump_eq(f, (uint32_t)secret, 0, 3);
  load(f, ARG_HIGH(3));
  jump_eq(f, (uint32_t)(secret >> 32), 0, 1);
  ret(f, SECCOMP_RET_ALLOW);
  ret(f, SECCOMP_RET_USER_NOTIF);
}

static void build(struct filter* f, const struct plan* plan, const struct namespaces* namespaces, uint64_t secret) {
  bool read_only = plan->writable_root_count == 0;
  load(f, offsetof(struct seccomp_data, arch));
  jump_eq(f, FILTER_ARCH, 1, 0);
  ret(f, SECCOMP_RET_KILL_PROCESS);
  load_nr(f);
#ifdef X32_SYSCALL_BIT
  emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
  ret(f, SECCOMP_RET_KILL_PROCESS);
#endif
  emit_calls(f, denied_always, COUNT(denied_always), ERRNO(EPERM));
  jump_eq(f, __NR_clone3, 0, 1);
  ret(f, ERRNO(ENOSYS));
  if (read_only) emit_calls(f, metadata_calls, metadata_call_count, ERRNO(EPERM));
  if (!read_only) emit_calls(f, metadata_by_path, COUNT(metadata_by_path), SECCOMP_RET_USER_NOTIF);
  if (!namespaces->pid) emit_calls(f, denied_without_pid_namespace, COUNT(denied_without_pid_namespace), ERRNO(EPERM));
  if (!namespaces->ipc) emit_calls(f, system_v_ipc, COUNT(system_v_ipc), ERRNO(EPERM));
  if (plan->exec_socket != NULL) emit_calls(f, notified_exec, COUNT(notified_exec), SECCOMP_RET_USER_NOTIF);
  if (!plan->allow_network) {
    emit_calls(f, notified_without_network, COUNT(notified_without_network), SECCOMP_RET_USER_NOTIF);
  }
  // From here on each block loads an argument and returns: one block per call.
  emit_flags(f, __NR_clone, 0, NAMESPACE_FLAGS, EPERM);
  load_nr(f);
  emit_flags(f, __NR_unshare, 0, NAMESPACE_FLAGS | CLONE_NEWTIME, EPERM);
  load_nr(f);
  emit_ioctl(f, read_only);
  load_nr(f);
  if (!read_only) {
    emit_arg_at_most(f, metadata_by_fd, COUNT(metadata_by_fd), 0, 2, SECCOMP_RET_USER_NOTIF);
    load_nr(f);
    emit_utimensat(f);
    load_nr(f);
  }
  if (!namespaces->pid) {
    emit_arg_zero_only(f, aimed_at_pid, COUNT(aimed_at_pid), 0);
    load_nr(f);
    emit_priority(f, __NR_setpriority, PRIO_USER);
    load_nr(f);
    emit_priority(f, __NR_ioprio_set, 3);  // IOPRIO_WHO_USER
    load_nr(f);
  }
  if (!plan->allow_network) {
    static const unsigned unix_only[] = {AF_UNIX};
    static const unsigned loopback_too[] = {AF_UNIX, AF_INET, AF_INET6};
    if (namespaces->network) {
      emit_families(f, __NR_socket, loopback_too, COUNT(loopback_too));
    } else {
      emit_families(f, __NR_socket, unix_only, COUNT(unix_only));
    }
    load_nr(f);
    emit_families(f, __NR_socketpair, unix_only, COUNT(unix_only));
    load_nr(f);
    emit_sendto(f);
    load_nr(f);
    emit_sendmsg(f, secret);
  }
  ret(f, SECCOMP_RET_ALLOW);
}

static long install(struct sock_fprog* program, unsigned long flags) {
  return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, program);
}

// Eight random bytes; a secret of zero would let every sendmsg without a fourth argument through.
static uint64_t draw_secret(void) {
  uint64_t secret = 0;
  while (secret == 0) {
    if (getrandom(&secret, sizeof secret, 0) != (ssize_t)sizeof secret) fail("seccomp", "getrandom: %s", strerror(errno));
  }
  return secret;
}

int seccomp_apply(const struct plan* plan, const struct namespaces* namespaces, uint64_t* secret) {
  static struct filter f;
  f.length = 0;
  *secret = draw_secret();
  build(&f, plan, namespaces, *secret);
  struct sock_fprog program = {.len = (unsigned short)f.length, .filter = f.code};
  bool notifies = seccomp_notifies(plan);
  long result;
  if (notifies) {
    // A supervisor that waits killably lets a killed command go at once (Linux 5.19).
    result = install(&program, SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    if (result == -1 && errno == EINVAL) result = install(&program, SECCOMP_FILTER_FLAG_NEW_LISTENER);
  } else {
    result = install(&program, 0);
  }
  if (result == -1) {
    int error = errno;
    protection_unavailable(plan, PROTECTION_SECCOMP, "cannot install the filter: %s", strerror(error));
    if (plan->writable_root_count == 0) {
      protection_unavailable(plan, PROTECTION_FILE_METADATA, "cannot install the seccomp filter: %s", strerror(error));
    }
    return -1;
  }
  return notifies ? (int)result : -1;
}

int seccomp_apply_exec_only(void) {
  static struct filter f;
  f.length = 0;
  load(&f, offsetof(struct seccomp_data, arch));
  jump_eq(&f, FILTER_ARCH, 1, 0);
  ret(&f, SECCOMP_RET_KILL_PROCESS);
  load_nr(&f);
#ifdef X32_SYSCALL_BIT
  emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
  ret(&f, SECCOMP_RET_KILL_PROCESS);
#endif
  emit_calls(&f, notified_exec, COUNT(notified_exec), SECCOMP_RET_USER_NOTIF);
  ret(&f, SECCOMP_RET_ALLOW);
  struct sock_fprog program = {.len = (unsigned short)f.length, .filter = f.code};
  long result = install(&program, SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  if (result == -1 && errno == EINVAL) result = install(&program, SECCOMP_FILTER_FLAG_NEW_LISTENER);
  // Without the filter no exec would be asked: never run unasked.
  if (result == -1) fail("seccomp", "cannot install the exec filter: %s", strerror(errno));
  return (int)result;
}
#else
int seccomp_apply_exec_only(void) { fail("seccomp", "no filter is written for this CPU architecture"); }

int seccomp_apply(const struct plan* plan, const struct namespaces* namespaces, uint64_t* secret) {
  (void)namespaces;
  *secret = 0;
  protection_unavailable(plan, PROTECTION_SECCOMP, "no filter is written for this CPU architecture");
  if (plan->writable_root_count == 0) {
    protection_unavailable(plan, PROTECTION_FILE_METADATA, "no seccomp filter is written for this CPU architecture");
  }
  return -1;
}
#endif
