// The new mount API (Linux 5.2; mount_setattr 5.12) and openat2 (5.6), as the
// kernel lays them out, for system headers that predate them.
#ifndef CORDON_LINUX_SANDBOX_MOUNT_API_H
#define CORDON_LINUX_SANDBOX_MOUNT_API_H

#include <stdint.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif

// struct mount_attr.
struct mount_attr_layout {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

// struct open_how.
struct open_how_layout {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

#endif
