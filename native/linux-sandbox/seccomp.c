// seccomp: a small BPF filter, installed after no_new_privs.
//   always:       io_uring, ptrace-like access, mount-table changes, kernel
//                 module/kexec loading and open_by_handle_at fail with EPERM;
//   no network:   socket()/socketpair() succeed only for AF_UNIX.
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

#include "sandbox.h"

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#define X32_SYSCALL_BIT 0x40000000U
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

// Numbers from the generic table (the same on every architecture since
// Linux 5.1), for system headers that predate them.
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#define __NR_move_mount 429
#define __NR_fsopen 430
#define __NR_fsconfig 431
#define __NR_fsmount 432
#define __NR_fspick 433
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
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
    // What a privileged caller could use to leave the sandbox through the kernel.
    __NR_init_module, __NR_finit_module, __NR_delete_module, __NR_kexec_load, __NR_kexec_file_load,
    __NR_open_by_handle_at,
};

#define DENIED_COUNT (sizeof denied_always / sizeof denied_always[0])
// arch check (3), load nr (1), x32 check (2), 2 per denied call, 2 socket family checks (5 each), allow (1)
#define MAX_FILTER_LENGTH (3 + 1 + 2 + 2 * DENIED_COUNT + 2 * 5 + 1)

#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

static void emit(struct sock_filter* filter, size_t* length, struct sock_filter instruction) {
  filter[(*length)++] = instruction;
}

// socket(family, ...) and socketpair(family, ...): only AF_UNIX passes.
static void emit_unix_only(struct sock_filter* filter, size_t* length, int nr) {
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 4));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW));
  emit(filter, length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  emit(filter, length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)));
}

void seccomp_apply(const struct plan* plan) {
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
  for (size_t i = 0; i < DENIED_COUNT; i++) {
    emit(filter, &length, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied_always[i], 0, 1));
    emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)));
  }
  if (!plan->allow_network) {
    emit_unix_only(filter, &length, __NR_socket);
    emit_unix_only(filter, &length, __NR_socketpair);
  }
  emit(filter, &length, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

  struct sock_fprog program = {.len = (unsigned short)length, .filter = filter};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == -1) {
    protection_unavailable(plan, PROTECTION_SECCOMP, "cannot install the filter: %s", strerror(errno));
  }
}
#else
void seccomp_apply(const struct plan* plan) {
  protection_unavailable(plan, PROTECTION_SECCOMP, "no filter is written for this CPU architecture");
}
#endif
