// The mount layer of restricted reads: the command gets a fresh root that
// holds only the readable paths, so the names of other files cannot even be
// listed or stat'ed (Landlock, the other layer, refuses to open them but
// leaves their names visible).
//
// The root is a tmpfs made with the new mount API. Every readable path is
// cloned from the launcher's own view (with its submounts, as the earlier
// steps left them) and attached at its own path, read-only; every writable
// root is cloned and attached writable, with the read-only binds mounts.c
// made inside it. A readable path that is itself a symbolic link (/bin on a
// merged /usr) becomes the same link in the new root; its target is listed on
// its own. The sources are cloned before anything is built, the tmpfs is only
// ever attached inside the private mount namespace, and the old root is
// detached after pivot_root: nothing is created on the host.
//
// The paths come from the caller, canonical, but the command of an earlier
// run may have replaced a directory on the way with a symbolic link: sources
// are opened with RESOLVE_NO_SYMLINKS, and such a path is refused. Only /proc
// is trusted to hold links (/proc/self): the kernel makes them; its magic
// links (/proc/PID/root) are never followed.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount-api.h"
#include "sandbox.h"
#include "syscalls.h"

#define FSOPEN_CLOEXEC_FLAG 0x00000001
#define FSMOUNT_CLOEXEC_FLAG 0x00000001
#define FSCONFIG_SET_STRING_CMD 1
#define FSCONFIG_CMD_CREATE_CMD 6
#define RESOLVE_NO_MAGICLINKS_FLAG 0x02
#define RESOLVE_NO_SYMLINKS_FLAG 0x04

static const char* const what = "restricted-reads";

// Whether this process now runs in the fresh root (Landlock then lets it list
// directories: every name in that root is a readable path).
static bool entered;

bool readable_root_entered(void) { return entered; }

// One thing to put into the new root, cloned before the root is built.
struct source {
  const char* path;
  bool writable;
  int tree;    // the detached clone, or -1 for a symbolic link
  char* link;  // the link's target text, for a symbolic link
  bool directory;
};

// True when no name in `path` is "." or "..": the paths come canonical, and
// a name on the way up would leave the new root.
static bool without_dots(const char* path) {
  for (const char* name = path; *name != '\0';) {
    size_t length = strcspn(name, "/");
    if ((length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.')) return false;
    name += length;
    if (*name == '/') name++;
  }
  return true;
}

int readable_root_open(const char* path) {
  if (!without_dots(path)) fail(what, "%s: not a canonical path", path);
  // In /proc the kernel's own links (/proc/self) are followed, never its
  // magic links (a process's root, working directory or descriptors).
  bool proc = path_is_within(path, "/proc");
  struct open_how_layout how = {
      .flags = O_PATH | O_CLOEXEC | (proc ? 0 : O_NOFOLLOW),
      .resolve = RESOLVE_NO_MAGICLINKS_FLAG | (proc ? 0 : RESOLVE_NO_SYMLINKS_FLAG),
  };
  int fd = (int)syscall(__NR_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd != -1) return fd;
  if (errno == ENOENT || errno == ENOTDIR) return -1;  // nothing there to grant
  if (errno == ELOOP) fail(what, "%s: reached through a symbolic link, so it is not the path planned", path);
  fail(what, "opening %s: %s", path, strerror(errno));
}

void readable_root_unavailable(const char* reason) {
  warn("%s: %s; Landlock alone confines reads: files outside the readable paths cannot be opened, but their names "
       "stay visible (stat finds them)",
       what, reason);
}

static size_t depth(const char* path) {
  size_t slashes = 0;
  for (const char* c = path; *c != '\0'; c++) slashes += *c == '/';
  return slashes;
}

// Outermost first, so that a path nested in another is attached on top of
// it; then by name, which puts the names of one directory together.
static int by_depth(const void* a, const void* b) {
  const char* left = ((const struct source*)a)->path;
  const char* right = ((const struct source*)b)->path;
  size_t left_depth = depth(left);
  size_t right_depth = depth(right);
  if (left_depth != right_depth) return left_depth < right_depth ? -1 : 1;
  return strcmp(left, right);
}

// Clones `path` into `out`; false when there is nothing at the path.
static bool clone_source(const char* path, bool writable, struct source* out) {
  int fd = readable_root_open(path);
  if (fd == -1) return false;
  struct stat st;
  if (fstat(fd, &st) == -1) fail(what, "stat %s: %s", path, strerror(errno));
  *out = (struct source){.path = path, .writable = writable, .tree = -1, .directory = S_ISDIR(st.st_mode)};
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t length = readlinkat(fd, "", target, sizeof target - 1);
    if (length == -1) fail(what, "reading the link %s: %s", path, strerror(errno));
    target[length] = '\0';
    out->link = strdup(target);
    if (out->link == NULL) fail("launcher", "out of memory");
  } else {
    out->tree = (int)syscall(__NR_open_tree, fd, "", OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH | O_CLOEXEC);
    if (out->tree == -1) fail(what, "cloning the mounts of %s: %s", path, strerror(errno));
  }
  if (close(fd) == -1) fail("launcher", "close: %s", strerror(errno));
  return true;
}


// The sources of the new root: the readable paths outside the writable roots
// (all of /proc for any path in it: its links are per process, and Landlock
// grants only what is listed there) and the outermost writable roots.
static size_t clone_sources(const struct plan* plan, struct source* sources) {
  size_t count = 0;
  bool proc = false;
  for (size_t i = 0; i < plan->readable_root_count; i++) {
    const char* path = plan->readable_roots[i];
    // A writable root brings it along, writable.
    if (path_is_in_writable_root(plan, path)) continue;
    if (path_is_within(path, "/proc")) {
      proc = true;
    } else if (clone_source(path, false, &sources[count])) {
      count++;
    }
  }
  if (proc && clone_source("/proc", false, &sources[count])) count++;
  for (size_t i = 0; i < plan->writable_root_count; i++) {
    if (writable_root_held_by_another(plan, i)) continue;
    if (clone_source(plan->writable_roots[i], true, &sources[count])) count++;
  }
  qsort(sources, count, sizeof *sources, by_depth);
  return count;
}

static void close_fd(int fd) {
  if (close(fd) == -1) fail("launcher", "close: %s", strerror(errno));
}

// Whether `dir` lies on the new root's own tmpfs (and not in a bind, where
// creating a name would create it on the host).
static bool on_tmpfs(int dir, dev_t tmpfs, const char* path) {
  struct stat st;
  if (fstat(dir, &st) == -1) fail(what, "stat in the new root at %s: %s", path, strerror(errno));
  return st.st_dev == tmpfs;
}

// Creates the last name of `source` in `dir`: a directory, an empty file to
// bind a file onto, or the link.
static void create_name(int dir, const char* name, const struct source* source) {
  int result;
  if (source->link != NULL) {
    result = symlinkat(source->link, dir, name);
  } else if (source->directory) {
    result = mkdirat(dir, name, 0755);
  } else {
    result = mknodat(dir, name, S_IFREG | 0644, 0);
  }
  if (result == -1 && errno != EEXIST) fail(what, "creating %s in the new root: %s", source->path, strerror(errno));
}

// The directory in the new root where the last source was placed, kept for
// the next one with the same parent (the sorting puts those together).
struct parent {
  char* path;  // NULL before the first source
  int fd;
  bool on_tmpfs;
};

static void forget_parent(struct parent* parent) {
  if (parent->path == NULL) return;
  close_fd(parent->fd);
  free(parent->path);
  parent->path = NULL;
}

// Enters (making them where missing) the directories of `path` up to its
// last name, which it returns; the directory is kept in `parent`.
static const char* enter_parent(int root, dev_t tmpfs, const char* path, struct parent* parent) {
  const char* last = strrchr(path, '/');
  const char* name = last + 1;
  size_t length = (size_t)(last - path);
  // "/" itself is never a source: with "/" writable every path is readable.
  if (*name == '\0') fail(what, "%s: not a path to bind into the new root", path);
  if (parent->path != NULL && strlen(parent->path) == length && strncmp(parent->path, path, length) == 0) return name;
  forget_parent(parent);
  parent->path = strndup(path, length);
  char* copy = strndup(path, length);
  if (parent->path == NULL || copy == NULL) fail("launcher", "out of memory");
  int dir = fcntl(root, F_DUPFD_CLOEXEC, 0);
  if (dir == -1) fail("launcher", "fcntl: %s", strerror(errno));
  char* rest = copy;
  for (char* next; (next = strsep(&rest, "/")) != NULL;) {
    if (*next == '\0') continue;
    if (on_tmpfs(dir, tmpfs, path) && mkdirat(dir, next, 0755) == -1 && errno != EEXIST) {
      fail(what, "creating %s in the new root: %s", path, strerror(errno));
    }
    int child = openat(dir, next, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child == -1) fail(what, "entering %s in the new root: %s", path, strerror(errno));
    close_fd(dir);
    dir = child;
  }
  free(copy);
  parent->fd = dir;
  parent->on_tmpfs = on_tmpfs(dir, tmpfs, path);
  return name;
}

// The place of `source` in the new root, made where missing: its directories,
// then its last name. Names are only ever made on the tmpfs; inside a bind
// they must exist already. Returns an O_PATH descriptor of the mount point,
// or -1 for a link (made, nothing to attach).
static int mount_point(int root, dev_t tmpfs, const struct source* source, struct parent* parent) {
  const char* name = enter_parent(root, tmpfs, source->path, parent);
  if (parent->on_tmpfs) create_name(parent->fd, name, source);
  if (source->link != NULL) return -1;
  int target = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target == -1) fail(what, "opening %s in the new root: %s", source->path, strerror(errno));
  return target;
}

static void attach(const struct source* source, int target) {
  if (syscall(__NR_move_mount, source->tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1) {
    fail(what, "attaching %s in the new root: %s", source->path, strerror(errno));
  }
  close_fd(target);
}

// An empty tmpfs, attached over "/" in this namespace only.
static int mount_empty_root(void) {
  int context = (int)syscall(__NR_fsopen, "tmpfs", FSOPEN_CLOEXEC_FLAG);
  if (context == -1) fail(what, "fsopen(tmpfs): %s", strerror(errno));
  if (syscall(__NR_fsconfig, context, FSCONFIG_SET_STRING_CMD, "mode", "0755", 0) == -1 ||
      syscall(__NR_fsconfig, context, FSCONFIG_CMD_CREATE_CMD, NULL, NULL, 0) == -1) {
    fail(what, "creating a tmpfs: %s", strerror(errno));
  }
  int root = (int)syscall(__NR_fsmount, context, FSMOUNT_CLOEXEC_FLAG, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (root == -1) fail(what, "fsmount(tmpfs): %s", strerror(errno));
  close_fd(context);
  if (syscall(__NR_move_mount, root, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) == -1) {
    fail(what, "attaching the new root: %s", strerror(errno));
  }
  return root;
}

// Makes the new root the process's root and detaches the old one: the old
// root is stacked on top of the new one by pivot_root(".", "."), and then
// unmounted from there.
static void enter_root(int root) {
  if (fchdir(root) == -1) fail(what, "entering the new root: %s", strerror(errno));
  if (syscall(__NR_pivot_root, ".", ".") == -1) fail(what, "pivot_root: %s", strerror(errno));
  if (umount2(".", MNT_DETACH) == -1) fail(what, "detaching the old root: %s", strerror(errno));
  if (chdir("/") == -1) fail(what, "chdir /: %s", strerror(errno));
}

void readable_root_enter(const struct plan* plan) {
  // The command starts where it was: the working directory is always one of
  // the readable paths, so it is found again inside the fresh root.
  char* cwd = getcwd(NULL, 0);
  if (cwd == NULL) fail(what, "getcwd: %s", strerror(errno));
  size_t capacity = plan->readable_root_count + plan->writable_root_count + 1;
  struct source* sources = calloc(capacity, sizeof *sources);
  int* targets = calloc(capacity, sizeof *targets);
  if (sources == NULL || targets == NULL) fail("launcher", "out of memory");
  size_t count = clone_sources(plan, sources);
  int root = mount_empty_root();
  dev_t tmpfs;
  {
    struct stat st;
    if (fstat(root, &st) == -1) fail(what, "stat of the new root: %s", strerror(errno));
    tmpfs = st.st_dev;
  }
  // The readable binds go in first, outermost first; the writable roots'
  // mount points are made meanwhile (one may lie in a readable bind).
  struct parent parent = {.path = NULL};
  for (size_t i = 0; i < count; i++) {
    targets[i] = mount_point(root, tmpfs, &sources[i], &parent);
    if (targets[i] != -1 && !sources[i].writable) attach(&sources[i], targets[i]);
  }
  forget_parent(&parent);
  // Then all of it read-only at once, the readable binds with their
  // submounts and the new root's own names; the writable roots on top.
  struct mount_attr_layout attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (syscall(__NR_mount_setattr, root, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == -1) {
    fail(what, "making the new root read-only: %s", strerror(errno));
  }
  for (size_t i = 0; i < count; i++) {
    if (targets[i] != -1 && sources[i].writable) attach(&sources[i], targets[i]);
  }
  enter_root(root);
  entered = true;
  if (chdir(cwd) == -1) fail(what, "entering the working directory %s again: %s", cwd, strerror(errno));
  free(cwd);
  close_fd(root);
  for (size_t i = 0; i < count; i++) {
    if (sources[i].tree != -1) close_fd(sources[i].tree);
    free(sources[i].link);
  }
  free(targets);
  free(sources);
}
