// The command's private mount namespace, which serves two protections.
//
// File metadata: Landlock confines the contents and names of files but not
// their mode, owner, times or extended attributes, so the whole mount tree is
// made read-only (chmod, chown, utime and setxattr then fail with EROFS) except
// the writable roots. Device nodes stay usable (/dev/null, ttys, /dev/pts):
// I/O on a device does not write to the mount it lives on.
//
// Read-only subpaths: Landlock only ever adds permissions beneath a path, so
// "writable except .git" needs the mount table: each one is bound onto itself
// read-only, on top of the writable roots.
//
// As root a new mount namespace suffices; otherwise a user namespace that
// maps only the caller's own uid and gid provides the right to mount, and
// since that uid is not 0 inside it, the command keeps no capability after
// execve. Pins (directories between two nested writable roots) are bound onto
// themselves first: a mount point cannot be renamed, so the protected path
// cannot be moved away and recreated writable.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"
#include "syscalls.h"

// The new mount API (Linux 5.2, mount_setattr 5.12), for headers that predate it.
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif

// struct mount_attr, as the kernel lays it out.
struct mount_attributes {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

static const enum protection protection = PROTECTION_READ_ONLY_SUBPATHS;

static bool write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd == -1) return false;
  size_t length = strlen(text);
  bool written = write(fd, text, length) == (ssize_t)length;
  int saved = errno;
  if (close(fd) == -1 && written) return false;
  errno = saved;
  return written;
}

static bool enter_user_namespace(char* reason, size_t reason_size) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) == -1) {
    snprintf(reason, reason_size, "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s", strerror(errno));
    return false;
  }
  char map[64];
  if (!write_file("/proc/self/setgroups", "deny")) {
    snprintf(reason, reason_size, "writing /proc/self/setgroups: %s", strerror(errno));
    return false;
  }
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
  if (!write_file("/proc/self/uid_map", map)) {
    snprintf(reason, reason_size, "writing /proc/self/uid_map: %s", strerror(errno));
    return false;
  }
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
  if (!write_file("/proc/self/gid_map", map)) {
    snprintf(reason, reason_size, "writing /proc/self/gid_map: %s", strerror(errno));
    return false;
  }
  return true;
}

static bool enter_mount_namespace(char* reason, size_t reason_size) {
  if (unshare(CLONE_NEWNS) == 0) return true;
  if (errno != EPERM) {
    snprintf(reason, reason_size, "unshare(CLONE_NEWNS): %s", strerror(errno));
    return false;
  }
  return enter_user_namespace(reason, reason_size);
}

// Makes the mount at `path` and every mount below it read-only. Only that
// attribute changes, so the flags a user namespace locks (nosuid, nodev,
// noexec) are left as they are.
static int set_read_only(const char* path) {
  struct mount_attributes attributes = {.attr_set = MOUNT_ATTR_RDONLY};
  return (int)syscall(__NR_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attributes, sizeof attributes);
}

// Binds `path` onto itself, with its submounts.
static bool bind_self(const struct plan* plan, const char* path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) == 0) return true;
  protection_unavailable(plan, protection, "bind-mounting %s: %s", path, strerror(errno));
  return false;
}

static void pin(const struct plan* plan, const char* path) {
  struct stat st;
  if (stat(path, &st) == -1 && errno == ENOENT) return;  // nothing there to move away
  bind_self(plan, path);
}

static void bind_read_only(const struct plan* plan, const char* path) {
  struct stat st;
  if (stat(path, &st) == -1) {
    int stat_error = errno;
    // Absent, and the placeholder step found the command cannot create it.
    if (stat_error == ENOENT && lstat(path, &st) == -1 && errno == ENOENT) return;
    // A symbolic link to nothing would let the command create its target.
    protection_unavailable(plan, protection, "%s: %s", path,
                           stat_error == ENOENT ? "a symbolic link to a missing target" : strerror(stat_error));
    return;
  }
  if (!bind_self(plan, path)) return;
  if (set_read_only(path) == -1) {
    protection_unavailable(plan, protection, "making %s read-only: %s", path, strerror(errno));
  }
}

// True when another writable root holds `plan->writable_roots[i]` (of equal
// roots, the first holds the others): its clone brings this one along.
static bool held_by_another_root(const struct plan* plan, size_t i) {
  const char* root = plan->writable_roots[i];
  for (size_t j = 0; j < plan->writable_root_count; j++) {
    if (j == i || !path_is_within(root, plan->writable_roots[j])) continue;
    if (j < i || strcmp(root, plan->writable_roots[j]) != 0) return true;
  }
  return false;
}

static void close_clones(int* clones, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (clones[i] != -1 && close(clones[i]) == -1) fail("launcher", "close: %s", strerror(errno));
  }
  free(clones);
}

// Makes the whole tree read-only but the writable roots. Each root is cloned
// with its submounts first, as they are (a submount that was read-only stays
// so, which clearing the flag on a bind of the root would not ensure); the
// clones are then attached over their own paths again.
static void make_tree_read_only(const struct plan* plan) {
  const enum protection metadata = PROTECTION_FILE_METADATA;
  int* clones = malloc(plan->writable_root_count * sizeof *clones);
  if (clones == NULL) fail("launcher", "out of memory");
  for (size_t i = 0; i < plan->writable_root_count; i++) {
    const char* root = plan->writable_roots[i];
    clones[i] = -1;
    if (held_by_another_root(plan, i)) continue;
    clones[i] = (int)syscall(__NR_open_tree, AT_FDCWD, root, OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC);
    // A root that does not exist grants nothing (as in landlock.c).
    if (clones[i] == -1 && (errno == ENOENT || errno == ENOTDIR)) continue;
    if (clones[i] == -1) {
      // Best-effort: the tree is left as it is, writable.
      protection_unavailable(plan, metadata, "cloning the mounts of %s: %s", root, strerror(errno));
      close_clones(clones, i);
      return;
    }
  }
  if (set_read_only("/") == -1) {
    protection_unavailable(plan, metadata, "making the mount tree read-only: %s", strerror(errno));
    close_clones(clones, plan->writable_root_count);
    return;
  }
  for (size_t i = 0; i < plan->writable_root_count; i++) {
    if (clones[i] == -1) continue;
    // Best-effort, a root that cannot be attached stays read-only: narrower
    // than the policy, never broader.
    if (syscall(__NR_move_mount, clones[i], "", AT_FDCWD, plan->writable_roots[i], MOVE_MOUNT_F_EMPTY_PATH) == -1) {
      protection_unavailable(plan, metadata, "making %s writable again: %s", plan->writable_roots[i], strerror(errno));
    }
  }
  close_clones(clones, plan->writable_root_count);
}

// Reports, for each protection that needs the namespace, why there is none.
static void namespace_unavailable(const struct plan* plan, bool read_only_tree, bool binds, const char* reason) {
  if (read_only_tree) protection_unavailable(plan, PROTECTION_FILE_METADATA, "%s", reason);
  if (binds) protection_unavailable(plan, PROTECTION_READ_ONLY_SUBPATHS, "%s", reason);
  if (plan->readable_root_count > 0) readable_root_unavailable(reason);
}

void mounts_apply(const struct plan* plan) {
  // Without writable roots the seccomp filter refuses metadata changes, and a
  // namespace would only slow the spawn; a writable / leaves nothing to protect.
  bool read_only_tree = plan->writable_root_count > 0 && !path_is_in_writable_root(plan, "/");
  bool binds = plan->read_only_subpath_count > 0 || plan->pin_count > 0;
  bool fresh_root = plan->readable_root_count > 0;
  if (!read_only_tree && !binds && !fresh_root) return;
  // The working directory keeps the mount it was entered through, which will
  // be read-only or covered (by a root's clone, a bind): entering it again by
  // path afterwards finds what is mounted there then. A removed one has no
  // path and stays as it is (nothing can be created in it).
  char* cwd = getcwd(NULL, 0);
  if (cwd == NULL && errno != ENOENT) fail("launcher", "getcwd: %s", strerror(errno));

  char reason[320];
  char detail[256];
  if (!enter_mount_namespace(detail, sizeof detail)) {
    snprintf(reason, sizeof reason, "cannot create a private mount namespace: %s", detail);
    namespace_unavailable(plan, read_only_tree, binds, reason);
    free(cwd);
    return;
  }
  // Keep the binds to this namespace: nothing may propagate back to the host.
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
    snprintf(reason, sizeof reason, "making the mount namespace private: %s", strerror(errno));
    namespace_unavailable(plan, read_only_tree, binds, reason);
    free(cwd);
    return;
  }
  // The read-only tree first, so that the pins and binds on top of it stay as they are made.
  if (read_only_tree) make_tree_read_only(plan);
  for (size_t i = 0; i < plan->pin_count; i++) pin(plan, plan->pins[i]);
  for (size_t i = 0; i < plan->read_only_subpath_count; i++) bind_read_only(plan, plan->read_only_subpaths[i]);
  // Last: the fresh root takes its clones from the tree made above.
  if (fresh_root) readable_root_enter(plan);
  if (cwd != NULL && chdir(cwd) == -1) fail("launcher", "entering the working directory %s again: %s", cwd, strerror(errno));
  free(cwd);
}
