// Placeholders for read-only subpaths that do not exist yet (a workspace
// without .git or .codex). A name that is absent could be created by the
// command, so the launcher creates it first as an empty directory, which
// mounts.c then binds read-only, and removes it again after the command exits
// if it is still empty.
//
// Several launchers may share a placeholder (two commands in one workspace),
// and a later one cannot tell it from a directory that was always there. So
// every launcher holds a shared flock on each read-only directory inside its
// writable roots while its command runs; only the launcher that created a
// placeholder removes it, and only when it can take the lock exclusively, so
// a placeholder never disappears under another running command. (When the
// creator cannot, the empty directory stays behind.)
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

// Opens and share-locks the directory at `path`, checking that it is still
// the one at that path once locked (another launcher may have removed it).
// Returns the descriptor, RETRY, or SKIP when there is nothing to hold: a
// file or symlink took the name (mounts.c deals with those), or an error
// already reported.
enum { RETRY = -1, SKIP = -2 };
static int lock_directory(const struct plan* plan, const char* path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT) return RETRY;
    if (errno == ENOTDIR || errno == ELOOP) return SKIP;
    protection_unavailable(plan, protection, "opening %s: %s", path, strerror(errno));
    return SKIP;
  }
  struct stat opened, named;
  if (flock(fd, LOCK_SH) == -1 || fstat(fd, &opened) == -1) {
    protection_unavailable(plan, protection, "locking %s: %s", path, strerror(errno));
    if (close(fd) == -1) warn("close: %s", strerror(errno));
    return SKIP;
  }
  if (lstat(path, &named) == 0 && same_file(&opened, &named)) return fd;
  if (close(fd) == -1) warn("close: %s", strerror(errno));
  return RETRY;
}

// Returns true and fills `out` when the launcher now holds the directory at
// `path`, a placeholder it created or one that already existed.
static bool hold_placeholder(const struct plan* plan, const char* path, struct placeholder* out) {
  for (int attempt = 0; attempt < 100; attempt++) {
    bool created = mkdir(path, 0755) == 0;
    if (!created) {
      // The command could not create the name either: with the same
      // credentials it meets the same refusal (Landlock only narrows).
      if (errno == ENOENT || errno == EACCES || errno == EPERM || errno == EROFS) return false;
      if (errno != EEXIST) {
        protection_unavailable(plan, protection, "creating %s: %s", path, strerror(errno));
        return false;
      }
    }
    int fd = lock_directory(plan, path);
    if (fd == SKIP) return false;
    if (fd != RETRY) {
      *out = (struct placeholder){.path = path, .fd = fd, .created = created};
      return true;
    }
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
    if (hold_placeholder(plan, path, &out[count])) count++;
  }
  return count;
}

void placeholders_remove(struct placeholder* placeholders, size_t count) {
  for (size_t i = 0; i < count; i++) {
    struct placeholder* p = &placeholders[i];
    if (p->created && flock(p->fd, LOCK_EX | LOCK_NB) == 0) {
      struct stat opened, named;
      // Still ours: remove it unless something was put in it meanwhile (rmdir
      // refuses then). A leftover empty directory is harmless, so failures
      // are reported and the command's own status still comes back.
      if (fstat(p->fd, &opened) == 0 && lstat(p->path, &named) == 0 && same_file(&opened, &named) &&
          rmdir(p->path) == -1 && errno != ENOTEMPTY && errno != EEXIST) {
        warn("removing the placeholder %s: %s", p->path, strerror(errno));
      }
    }
    if (close(p->fd) == -1) warn("close: %s", strerror(errno));
  }
}
