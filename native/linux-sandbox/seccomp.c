// seccomp: a small BPF filter, installed after no_new_privs.
//   always:       io_uring, ptrace-like access, mount-table changes, kernel
//                 module/kexec loading and open_by_handle_at fail with EPERM;
//   no network:   socket()/socketpair() succeed only for AF_UNIX;
//   no writable root (read-only policy): every call that changes a file's
//                 mode, owner, times or extended attributes fails with EPERM.
//                 Landlock does not confine metadata, and without writable
//                 roots there is no read-only mount tree to refuse it (mounts.c).
//   exec approvals (an exec socket): execve and execveat go to the
//                 supervisor (supervisor.h) as user notifications;
//   no network:   connect, sendmsg, sendmmsg, and sendto with an address go
//                 to the supervisor, which mediates pathname Unix sockets.
// Calls of another architecture (x32, i386 through int 0x80) kill the process,
// since their numbers would slip past the filter.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
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

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW(n) offsetof(struct seccomp_data, args[n])
#define ARG_HIGH(n) (offsetof(struct seccomp_data, args[n]) + 4)
#else
#define ARG_LOW(n) (offsetof(struct seccomp_data, args[n]) + 4)
#define ARG_HIGH(n) offsetof(struct seccomp_data, args[n])
#endif
#define ARG0_LOW ARG_LOW(0)

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#ifdef FILTER_ARCH
static const int denied_always[] = {
    // io_uring performs socket, open and other calls that this filter would never see.
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
    // Reaching into other processes.
    __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_pidfd_getfd,
    // The read-only binds must stay (Landlock refuses these too).
    __NR_mount, __NR_umount2, __NR_pivot_root, __NR_open_tree, __NR_move_mount, __NR_fsopen, __NR_fsconfig,
    __NR_fsmount, __NR_fspick, __NR_mount_setattr,
    // A detached clone with its own mount attributes: a writable view of the
    // read-only mount tree, usable through the descriptor without attaching it.
    __NR_open_tree_attr,
    // What a privileged caller could use to leave the sandbox through the kernel.
    __NR_init_module, __NR_finit_module, __NR_delete_module, __NR_kexec_load, __NR_kexec_file_load,
    __NR_open_by_handle_at,
};

// What changes metadata: nothing may be changed under a read-only policy.
static const int denied_metadata[] = {
// The path-based originals exist only on older architectures (x86_64, not aarch64).
#ifdef __NR_chmod
    __NR_chmod, __NR_chown, __NR_lchown, __NR_utime, __NR_utimes, __NR_futimesat,
#endif
    __NR_fchmod, __NR_fchmodat, __NR_fchmodat2, __NR_fchown, __NR_fchownat, __NR_utimensat,
    __NR_setxattr, __NR_lsetxattr, __NR_fsetxattr, __NR_setxattrat,
    __NR_removexattr, __NR_lremovexattr, __NR_fremovexattr, __NR_removexattrat,
};

static const int notified_exec[] = {__NR_execve, __NR_execveat};
// sendto is notified only with an address (its own block below).
static const int notified_unix_address[] = {__NR_connect, __NR_sendmsg, __NR_sendmmsg};

#define COUNT(array) (sizeof array / sizeof array[0])
// arch check (3), load nr (1), x32 check (2), 2 per denied or notified call,
// 2 socket family checks (5 each), sendto with an address (5), allow (1)
#define MAX_FILTER_LENGTH \
  (3 + 1 + 2 + 2 * (COUNT(denied_always) + COUNT(denied_metadata) + COUNT(notified_exec) + COUNT(notified_unix_address)) + \
   2 * 5 + 5 + 1)

#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

static void emit(struct sock_filter* filter, size_t* length, struct sock_filter instruction) {
  filter[(*length)++] = instruction;
}

// Each call in `calls` fails with EPERM.
static void emit_denied(struct sock_filter* filter, size_t* length, const int* calls, size_t count) {
  for (size_t i = 0; i < count; i++) {
    emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)calls[i], 0, 1));
    emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)));
  }
}

// Each call in `calls` waits for the supervisor's answer.
static void emit_notified(struct sock_filter* filter, size_t* length, const int* calls, size_t count) {
  for (size_t i = 0; i < count; i++) {
    emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)calls[i], 0, 1));
    emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  }
}

// sendto(fd, buf, len, flags, address, ...) with a non-NULL address is
// notified; the block must come last, right before the final allow, which
// the other sendto calls fall through to (the accumulator no longer holds nr).
static void emit_sendto_with_address(struct sock_filter* filter, size_t* length) {
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 0, 5));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(4)));
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HIGH(4)));
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
}

// socket(family, ...) and socketpair(family, ...): only AF_UNIX passes.
static void emit_unix_only(struct sock_filter* filter, size_t* length, int nr) {
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 4));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW));
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)));
}

// Installs the filter with a listener for its notifications; the listener
// fd, or -1 with errno. Processes waiting for an answer react only to fatal
// signals where the kernel allows it (5.19), so that a signal cannot restart
// an exec and have it asked about twice.
static int install_with_listener(struct sock_fprog* program) {
  int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                        SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, program);
  if (fd == -1 && errno == EINVAL) {
    fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, program);
  }
  return fd;
}

int seccomp_apply(const struct plan* plan) {
  struct sock_filter filter[MAX_FILTER_LENGTH];
  size_t length = 0;
  emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  emit(filter, &length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0));
  emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#ifdef X32_SYSCALL_BIT
  emit(filter, &length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
  emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
  emit_denied(filter, &length, denied_always, COUNT(denied_always));
  if (plan->writable_root_count == 0) emit_denied(filter, &length, denied_metadata, COUNT(denied_metadata));
  bool notifies = plan->exec_socket != NULL || !plan->allow_network;
  if (plan->exec_socket != NULL) emit_notified(filter, &length, notified_exec, COUNT(notified_exec));
  if (!plan->allow_network) {
    emit_unix_only(filter, &length, __NR_socket);
    emit_unix_only(filter, &length, __NR_socketpair);
    emit_notified(filter, &length, notified_unix_address, COUNT(notified_unix_address));
    emit_sendto_with_address(filter, &length);
  }
  emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

  struct sock_fprog program = {.len = (unsigned short)length, .filter = filter};
  int listener = -1;
  int result = notifies ? (listener = install_with_listener(&program)) : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
  if (result == -1) {
    int error = errno;
    // Exec approvals have no best-effort level: without the filter no exec would be asked about.
    if (plan->exec_socket != NULL) fail("exec-approval", "cannot install the seccomp filter: %s", strerror(error));
    protection_unavailable(plan, PROTECTION_SECCOMP, "cannot install the filter: %s", strerror(error));
    if (plan->writable_root_count == 0) {
      protection_unavailable(plan, PROTECTION_FILE_METADATA, "cannot install the seccomp filter: %s", strerror(error));
    }
  }
  return listener;
}
#else
int seccomp_apply(const struct plan* plan) {
  if (plan->exec_socket != NULL) fail("exec-approval", "no seccomp filter is written for this CPU architecture");
  protection_unavailable(plan, PROTECTION_SECCOMP, "no filter is written for this CPU architecture");
  if (plan->writable_root_count == 0) {
    protection_unavailable(plan, PROTECTION_FILE_METADATA, "no seccomp filter is written for this CPU architecture");
  }
  return -1;
}
#endif
