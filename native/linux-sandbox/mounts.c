// The read-only subpaths: a private mount namespace in which each one is bound
// onto itself read-only. Landlock only ever adds permissions beneath a path,
// so "writable except .git" needs the mount table.
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
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sandbox.h"

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

// The flags a remount must keep: in a user namespace the kernel refuses to
// drop nosuid/nodev/noexec that the original mount carries.
static unsigned long locked_flags(const char* path) {
  struct statvfs st;
  if (statvfs(path, &st) == -1) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
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
  if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(path), NULL) == -1) {
    protection_unavailable(plan, protection, "remounting %s read-only: %s", path, strerror(errno));
  }
}

void mounts_apply(const struct plan* plan) {
  if (plan->read_only_subpath_count == 0 && plan->pin_count == 0) return;
  char reason[256];
  if (!enter_mount_namespace(reason, sizeof reason)) {
    protection_unavailable(plan, protection, "cannot create a private mount namespace: %s", reason);
    return;
  }
  // Keep the binds to this namespace: nothing may propagate back to the host.
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
    protection_unavailable(plan, protection, "making the mount namespace private: %s", strerror(errno));
    return;
  }
  for (size_t i = 0; i < plan->pin_count; i++) pin(plan, plan->pins[i]);
  for (size_t i = 0; i < plan->read_only_subpath_count; i++) bind_read_only(plan, plan->read_only_subpaths[i]);
}
