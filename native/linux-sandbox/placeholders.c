// Placeholders for read-only subpaths that do not exist yet (a workspace
// without .git or .codex). A name that is absent could be created by the
// command, so the launcher creates it first as an empty directory, which
// mounts.c then binds read-only, and removes it again after the run.
//
// Nothing here walks a path that a command could have redirected: the
// directory that will hold a placeholder is opened from / with no symbolic
// link followed (a link on the way refuses the launch), and the placeholder
// is made, checked and removed relative to that descriptor.
//
// Several launchers may share a placeholder (two commands in one workspace),
// and a later one cannot tell it from a directory that was always there. So
// every launcher holds a shared flock on each read-only directory inside its
// writable roots while its command runs; only the launcher that created a
// placeholder removes it, and only when it can take the lock exclusively, so
// a placeholder never disappears under another running command (removing it
// would take the read-only bind away there too).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"

static const enum protection protection = PROTECTION_READ_ONLY_SUBPATHS;

static bool same_file(const struct stat* a, const struct stat* b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static void close_or_warn(int fd) {
  if (fd != -1 && close(fd) == -1) warn("close: %s", strerror(errno));
}

// Holds the directory `name` in `parent`, creating it when missing, and
// share-locks it. Returns false when there is nothing to hold (a file or a
// symbolic link has the name: mounts.c binds it as it is) or the command
// could not create it either.
static bool hold_placeholder(const struct plan* plan, const char* path, int parent, const char* name,
                             struct placeholder* out) {
  for (int attempt = 0; attempt < 100; attempt++) {
    bool created = mkdirat(parent, name, 0755) == 0;
    // With the same credentials the command meets the same refusal (Landlock only narrows).
    if (!created && (errno == EACCES || errno == EPERM || errno == EROFS)) return false;
    if (!created && errno != EEXIST) {
      protection_unavailable(plan, protection, "creating %s: %s", path, strerror(errno));
      return false;
    }
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 && (errno == ENOTDIR || errno == ELOOP)) return false;
    struct stat opened, named;
    if (fd != -1 && flock(fd, LOCK_SH) == 0 && fstat(fd, &opened) == 0 &&
        fstatat(parent, name, &named, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&opened, &named)) {
      *out = (struct placeholder){.parent_fd = parent, .name = name, .fd = fd, .created = created};
      return true;
    }
    // Another launcher removed it meanwhile: make it again.
    close_or_warn(fd);
  }
  protection_unavailable(plan, protection, "%s keeps changing; cannot hold a placeholder", path);
  return false;
}

size_t placeholders_create(const struct plan* plan, struct placeholder* out) {
  size_t count = 0;
  for (size_t i = 0; i < plan->read_only_subpath_count; i++) {
    const char* path = plan->read_only_subpaths[i];
    // Outside every writable root Landlock already forbids creating it.
    if (!path_is_in_writable_root(plan, path)) continue;
    const char* name;
    int parent = open_parent_no_symlinks(path, &name);
    if (parent == -1) {
      // A missing parent would let the command make both; a link on the way
      // could lead the placeholder anywhere.
      protection_unavailable(plan, protection, "opening the directory of %s: %s", path,
                             errno == ELOOP ? "a symbolic link on the way" : strerror(errno));
      continue;
    }
    if (hold_placeholder(plan, path, parent, name, &out[count])) {
      count++;
    } else {
      close_or_warn(parent);
    }
  }
  return count;
}

void placeholders_remove(struct placeholder* placeholders, size_t count) {
  for (size_t i = 0; i < count; i++) {
    struct placeholder* p = &placeholders[i];
    struct stat opened, named;
    // Still ours and not in use by another run: remove it unless something
    // was put in it meanwhile (then unlinkat refuses, and it stays).
    if (p->created && flock(p->fd, LOCK_EX | LOCK_NB) == 0 && fstat(p->fd, &opened) == 0 &&
        fstatat(p->parent_fd, p->name, &named, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&opened, &named) &&
        unlinkat(p->parent_fd, p->name, AT_REMOVEDIR) == -1 && errno != ENOTEMPTY && errno != EEXIST) {
      warn("removing the placeholder %s: %s", p->name, strerror(errno));
    }
    close_or_warn(p->fd);
    close_or_warn(p->parent_fd);
  }
}
