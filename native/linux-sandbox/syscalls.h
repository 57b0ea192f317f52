// System call numbers that the system headers may predate. They come from the
// generic table, which every architecture shares since Linux 5.1.
#ifndef CORDON_LINUX_SANDBOX_SYSCALLS_H
#define CORDON_LINUX_SANDBOX_SYSCALLS_H

#include <sys/syscall.h>

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
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise 440
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_setxattrat
#define __NR_setxattrat 463
#endif
#ifndef __NR_removexattrat
#define __NR_removexattrat 466
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif

#ifndef __NR_file_setattr
#define __NR_file_setattr 469
#endif

// Wrappers that musl's headers lack (glibc has them): the raw system calls,
// with the kernel's own structure and flags. glibc's <sys/stat.h> takes
// struct statx from <linux/stat.h> too, so the two never clash.
#include <linux/fs.h>
#include <linux/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static inline int statx_of(int dirfd, const char* path, int flags, unsigned int mask, struct statx* out) {
  return (int)syscall(__NR_statx, dirfd, path, flags, mask, out);
}

// pwritev2 at the current position (offset -1), split as the system call takes it.
static inline ssize_t pwritev2_here(int fd, const struct iovec* vector, int count, int flags) {
  return (ssize_t)syscall(__NR_pwritev2, fd, vector, count, -1L, -1L, flags);
}

#endif
