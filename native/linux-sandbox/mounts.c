// The mount tree of the sandbox's private mount namespace, which serves two
// protections.
//
// File metadata: Landlock confines the contents and names of files but not
// their mode, owner, times or extended attributes, so the whole mount tree is
// made read-only (chmod, chown, utime, setxattr and chattr then fail with
// EROFS) except the writable roots; under a read-only policy all of it.
//
// Read-only subpaths: Landlock only ever adds permissions beneath a path, so
// "writable except .git" needs the mount table: each protected name is bound
// onto itself read-only, on top of the writable roots, whatever it is (a
// directory, a gitdir: file, a symbolic link: then the link itself, so that
// it can be neither replaced nor removed). cordon's own files are bound the
// same way. Pins (directories between two nested writable roots) are bound
// onto themselves first: a mount point cannot be renamed, so a protected path
// cannot be moved away and recreated writable.
//
// Every path is opened from / without following a symbolic link (another
// sandbox sharing the workspace could have planted one), and every mount is
// made through the descriptors.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount-api.h"
#include "sandbox.h"
#include "syscalls.h"



static const enum protection protection = PROTECTION_READ_ONLY_SUBPATHS;

// Makes the mount at `fd` (and, recursive, every mount below it) read-only.
// Only that attribute changes, so the flags a user namespace locks (nosuid,
// nodev, noexec) are left as they are.
static int set_read_only(int fd, bool recursive) {
  struct mount_attr_layout attributes = {.attr_set = MOUNT_ATTR_RDONLY};
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  return (int)syscall(__NR_mount_setattr, fd, "", flags, &attributes, sizeof attributes);
}

static int clone_tree(int fd) {
  return (int)syscall(__NR_open_tree, fd, "", OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH | O_CLOEXEC);
}

static int attach(int tree, int target) {
  return (int)syscall(__NR_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static void close_or_fail(int fd) {
  if (fd != -1 && close(fd) == -1) fail("launcher", "close: %s", strerror(errno));
}

// Opens what is at `path` itself (a symbolic link as the link), or -1 with a
// report when something is in the way. *missing tells an absent path apart.
static int open_protected(const struct plan* plan, const char* path, bool* missing) {
  *missing = false;
  int fd = open_no_symlinks(path, O_PATH | O_NOFOLLOW);
  if (fd != -1) return fd;
  if (errno == ENOENT) {
    *missing = true;
    return -1;
  }
  protection_unavailable(plan, protection, "opening %s: %s", path,
                         errno == ELOOP ? "a symbolic link on the way" : strerror(errno));
  return -1;
}

// Binds what `fd` names onto itself, read-only when asked, with its submounts.
static void bind_self(const struct plan* plan, const char* path, int fd, bool read_only) {
  int tree = clone_tree(fd);
  if (tree == -1) {
    protection_unavailable(plan, protection, "cloning the mount of %s: %s", path, strerror(errno));
  } else if (read_only && set_read_only(tree, true) == -1) {
    protection_unavailable(plan, protection, "making %s read-only: %s", path, strerror(errno));
  } else if (attach(tree, fd) == -1) {
    protection_unavailable(plan, protection, "binding %s: %s", path, strerror(errno));
  }
  close_or_fail(tree);
}

static void pin(const struct plan* plan, const char* path) {
  bool missing;
  int fd = open_protected(plan, path, &missing);
  if (fd == -1) return;  // nothing there to move away, or reported
  bind_self(plan, path, fd, false);
  close_or_fail(fd);
}

static void bind_read_only(const struct plan* plan, const char* path) {
  bool missing;
  int fd = open_protected(plan, path, &missing);
  // Absent: the placeholder step found that the command cannot create it either.
  if (fd == -1) return;
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH) == -1) fail("launcher", "stat %s: %s", path, strerror(errno));
  // A symbolic link to nothing would let the command create its target.
  if (S_ISLNK(st.st_mode) && stat(path, &st) == -1) {
    protection_unavailable(plan, protection, "%s: %s", path,
                           errno == ENOENT ? "a symbolic link to a missing target" : strerror(errno));
  } else {
    bind_self(plan, path, fd, true);
  }
  close_or_fail(fd);
}


// Makes the whole tree read-only but the writable roots. Each root is cloned
// with its submounts first, as they are (a submount that was read-only stays
// so, which clearing the flag on a bind of the root would not ensure); the
// clones are then attached over their own paths again.
static void make_tree_read_only(const struct plan* plan) {
  const enum protection metadata = PROTECTION_FILE_METADATA;
  size_t count = plan->writable_root_count;
  int* roots = malloc((count + 1) * sizeof *roots);
  int* clones = malloc((count + 1) * sizeof *clones);
  if (roots == NULL || clones == NULL) fail("launcher", "out of memory");
  for (size_t i = 0; i < count; i++) {
    roots[i] = clones[i] = -1;
    if (writable_root_held_by_another(plan, i)) continue;
    roots[i] = open_no_symlinks(plan->writable_roots[i], O_PATH | O_DIRECTORY);
    // A root that does not exist grants nothing (as in landlock.c).
    if (roots[i] == -1 && (errno == ENOENT || errno == ENOTDIR)) continue;
    if (roots[i] != -1) clones[i] = clone_tree(roots[i]);
    if (clones[i] == -1) {
      // Best-effort: the tree is left as it is, writable.
      protection_unavailable(plan, metadata, "cloning the mounts of %s: %s", plan->writable_roots[i],
                             errno == ELOOP ? "a symbolic link on the way" : strerror(errno));
      count = i + 1;
      goto done;
    }
  }
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root == -1 || set_read_only(root, true) == -1) {
    protection_unavailable(plan, metadata, "making the mount tree read-only: %s", strerror(errno));
    close_or_fail(root);
    goto done;
  }
  close_or_fail(root);
  for (size_t i = 0; i < count; i++) {
    // Best-effort, a root that cannot be attached stays read-only: narrower
    // than the policy, never broader.
    if (clones[i] != -1 && attach(clones[i], roots[i]) == -1) {
      protection_unavailable(plan, metadata, "making %s writable again: %s", plan->writable_roots[i], strerror(errno));
    }
  }
done:
  for (size_t i = 0; i < count; i++) {
    close_or_fail(clones[i]);
    close_or_fail(roots[i]);
  }
  free(roots);
  free(clones);
}

void mounts_apply(const struct plan* plan, const struct namespaces* namespaces) {
  if (!namespaces->mount) return;  // namespaces_check refused, or it was downgraded
  // The working directory keeps the mount it was entered through, which will
  // be read-only or covered (by a root's clone, a bind): entering it again by
  // path afterwards finds what is mounted there then. A removed one has no
  // path and stays as it is (nothing can be created in it).
  char* cwd = getcwd(NULL, 0);
  if (cwd == NULL && errno != ENOENT) fail("launcher", "getcwd: %s", strerror(errno));
  // Keep every mount to this namespace: nothing may propagate back to the host.
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
    fail("namespaces", "making the mount namespace private: %s", strerror(errno));
  }
  // The read-only tree first, so that the pins and binds on top of it stay as they are made.
  if (!path_is_in_writable_root(plan, "/")) make_tree_read_only(plan);
  for (size_t i = 0; i < plan->pin_count; i++) pin(plan, plan->pins[i]);
  for (size_t i = 0; i < plan->read_only_subpath_count; i++) bind_read_only(plan, plan->read_only_subpaths[i]);
  // cordon's own files: outside the writable roots the read-only tree holds them already.
  for (size_t i = 0; i < plan->read_only_path_count; i++) {
    if (path_is_in_writable_root(plan, plan->read_only_paths[i])) bind_read_only(plan, plan->read_only_paths[i]);
  }
  if (cwd != NULL && chdir(cwd) == -1) fail("launcher", "entering the working directory %s again: %s", cwd, strerror(errno));
  free(cwd);
}
