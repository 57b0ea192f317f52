// Looking a path up exactly as the stopped process would, one component at a
// time, from its own root or working directory, with its credentials.
//
// The supervisor lives in another mount namespace, another root and another
// /proc, so no path can be handed to the kernel whole: a symlink further
// along that names /proc/self, or an absolute target, would be followed in
// the supervisor's world. So each component is opened on its own (O_PATH,
// O_NOFOLLOW) while this thread acts as the process (its filesystem ids and
// groups, no capability: search permission is the process's), and:
//   - a symlink is read and its target walked in its place: an absolute one
//     from the process's root, a relative one from the link's directory;
//     40 links in all, then ELOOP, as the kernel counts them;
//   - ".." stays at the process's root, elsewhere it is the kernel's own ".."
//     of the directory reached (the physical parent, across mounts);
//   - in a procfs, "self" and "thread-self" at its root name the process's
//     own pid as its PID namespace numbers it (NStgid, NSpid);
//   - a procfs magic link (cwd, root, exe, fd/N) is followed only when it is
//     the notified process's own (or that thread's), by opening the same link
//     from the supervisor's side (/proc/<pid>/...), which the kernel answers
//     with the very file the process would reach; any other one (another
//     process's, ns/, map_files/, a directory reached without its name) is
//     not resolved: EXDEV, the exec is then judged as anonymous.
// What was reached through a magic link is reported, so a metadata change
// on it can be refused.
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"
#include "syscalls.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

#define MAX_LINKS 40
// procfs numbers its root directory 1 (PROC_ROOT_INO).
#define PROC_ROOT_INODE 1
// Room for link targets spliced into what is left to walk.
#define MAX_WALK_BYTES (64 * 1024)

// One directory on the way: its descriptor, and the name it was reached by
// from the entry below (NULL when not known: a start, or after a jump).
struct step {
  int fd;
  char* name;
};

struct walk {
  const struct process_identity* who;
  struct impersonation as_process;
  int root;
  struct statx root_id;
  struct step* steps;
  size_t depth, capacity;
  int links;
  bool through_magic_link;
};

static int top(const struct walk* w) { return w->steps[w->depth - 1].fd; }

static int push(struct walk* w, int fd, const char* name) {
  if (w->depth == w->capacity) {
    size_t capacity = w->capacity == 0 ? 16 : w->capacity * 2;
    struct step* grown = realloc(w->steps, capacity * sizeof *grown);
    if (grown == NULL) {
      close_or_warn(fd);
      return ENOMEM;
    }
    w->steps = grown;
    w->capacity = capacity;
  }
  char* copy = name == NULL ? NULL : strdup(name);
  if (name != NULL && copy == NULL) {
    close_or_warn(fd);
    return ENOMEM;
  }
  w->steps[w->depth++] = (struct step){fd, copy};
  return 0;
}

static void pop(struct walk* w) {
  struct step* step = &w->steps[--w->depth];
  close_or_warn(step->fd);
  free(step->name);
}

// Drops every step and starts again from `fd` (consumed).
static int restart_from(struct walk* w, int fd) {
  while (w->depth > 0) pop(w);
  return push(w, fd, NULL);
}

static int identify(int fd, struct statx* out) {
  return statx_of(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, out) == -1 ? errno : 0;
}

static bool same_place(const struct statx* a, const struct statx* b) {
  return a->stx_ino == b->stx_ino && a->stx_dev_major == b->stx_dev_major && a->stx_dev_minor == b->stx_dev_minor &&
         a->stx_mnt_id == b->stx_mnt_id;
}

static bool on_procfs(int fd) {
  struct statfs fs;
  return fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

static bool is_procfs_root(int fd) {
  struct stat st;
  return on_procfs(fd) && fstat(fd, &st) == 0 && st.st_ino == PROC_ROOT_INODE;
}

static bool is_number(const char* text, long expected) {
  char number[24];
  snprintf(number, sizeof number, "%ld", expected);
  return text != NULL && strcmp(text, number) == 0;
}

static bool all_digits(const char* text) {
  if (text == NULL || *text == '\0') return false;
  for (; *text != '\0'; text++) {
    if (*text < '0' || *text > '9') return false;
  }
  return true;
}

// 0 when the file open as `fd` lies on a mount of the process's own mount
// namespace, EPERM when not (the host's, reached through a descriptor it
// handed in), or the errno of a failure to find out.
int on_process_mount(pid_t pid, int fd) {
  struct statx st;
  if (statx_of(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &st) == -1) return errno;
  if (!(st.stx_mask & STATX_MNT_ID)) return EPERM;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
  FILE* file = fopen(path, "re");
  if (file == NULL) return errno;
  char* line = NULL;
  size_t capacity = 0;
  int error = EPERM;
  while (error == EPERM && getline(&line, &capacity, file) != -1) {
    if (strtoull(line, NULL, 10) == st.stx_mnt_id) error = 0;
  }
  free(line);
  if (fclose(file) != 0 && error == 0) error = errno;
  return error;
}

// Opens what the supervisor's own /proc/<task>/<rest> names, as the
// supervisor (reading another process's links needs its own credentials).
static int open_own_proc(struct walk* w, pid_t task, const char* rest, int flags) {
  char path[96];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)task, rest);
  stop_impersonating(&w->as_process);
  int fd = open(path, flags | O_CLOEXEC);
  int error = fd == -1 ? errno : 0;
  if (impersonate(w->who, &w->as_process) == -1) {
    error = errno;
    if (fd != -1) close_or_warn(fd);
    fd = -1;
  }
  errno = error;
  return fd;
}

// 0 when the procfs on top of the walk is mounted in the process's own
// mount namespace (the sandbox's /proc), EXDEV when not (one reached
// through a descriptor from outside, whose pids are another namespace's).
static int procfs_of_process(struct walk* w) {
  stop_impersonating(&w->as_process);
  int error = on_process_mount(w->who->pid, top(w));
  if (impersonate(w->who, &w->as_process) == -1) error = errno;
  return error == EPERM ? EXDEV : error;
}

// The supervisor-side task (*task) and name ("cwd", "fd/3") of the magic
// link `link` in the directory on top of the walk, when it belongs to the
// notified process (/proc/<its pid>/..., its thread group's, as /proc/self
// names it) or thread (/proc/<its tid>/..., .../task/<its tid>/...); NULL
// when it is not one the supervisor may follow.
static char* own_magic_link(const struct walk* w, const char* link, pid_t* task) {
  // The names from the procfs root down to the link, at most five.
  const char* names[6];
  size_t count = 0;
  size_t level = w->depth;
  while (level > 0 && !is_procfs_root(w->steps[level - 1].fd)) {
    if (count == 5 || w->steps[level - 1].name == NULL) return NULL;
    level--;
    count++;
  }
  if (level == 0) return NULL;
  for (size_t i = 0; i < count; i++) names[i] = w->steps[level + i].name;
  names[count++] = link;
  // A thread's cwd, root and descriptors may differ from its group's.
  if (is_number(names[0], w->who->ns_tgid)) {
    *task = w->who->tgid;
  } else if (is_number(names[0], w->who->ns_tid)) {
    *task = w->who->pid;
  } else {
    return NULL;
  }
  size_t at = 1;
  if (count >= 3 && strcmp(names[1], "task") == 0) {
    if (!is_number(names[2], w->who->ns_tid)) return NULL;
    *task = w->who->pid;
    at = 3;
  }
  char rest[64];
  if (count == at + 1 && (strcmp(names[at], "cwd") == 0 || strcmp(names[at], "root") == 0 ||
                          strcmp(names[at], "exe") == 0)) {
    snprintf(rest, sizeof rest, "%s", names[at]);
  } else if (count == at + 2 && strcmp(names[at], "fd") == 0 && all_digits(names[at + 1]) &&
             strlen(names[at + 1]) < 12) {
    snprintf(rest, sizeof rest, "fd/%s", names[at + 1]);
  } else {
    return NULL;
  }
  return strdup(rest);
}

// The next component of *rest (advanced past it); false at the end. Sets
// *last when nothing follows it, *slash when a trailing slash does.
static bool next_component(char** rest, char* name, size_t size, bool* last, bool* slash, int* error) {
  char* p = *rest;
  while (*p == '/') p++;
  if (*p == '\0') return false;
  size_t length = strcspn(p, "/");
  if (length >= size) {
    *error = ENAMETOOLONG;
    return false;
  }
  memcpy(name, p, length);
  name[length] = '\0';
  p += length;
  char* after = p;
  while (*after == '/') after++;
  *last = *after == '\0';
  *slash = *last && p != after;
  *rest = p;
  return true;
}

// Replaces what is left to walk (empty, or starting with a slash) with
// `target` followed by it.
static int splice_target(char** walk_buffer, char** rest, const char* target) {
  size_t target_length = strlen(target), rest_length = strlen(*rest);
  if (target_length + rest_length + 1 > MAX_WALK_BYTES) return ENAMETOOLONG;
  char* joined = malloc(target_length + rest_length + 1);
  if (joined == NULL) return ENOMEM;
  memcpy(joined, target, target_length);
  memcpy(joined + target_length, *rest, rest_length + 1);
  free(*walk_buffer);
  *walk_buffer = joined;
  *rest = joined;
  return 0;
}

static int open_component(int directory, const char* name) {
  struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  int fd;
  // EAGAIN: a rename raced with the lookup: look again.
  for (int attempt = 0; attempt < 16; attempt++) {
    fd = (int)syscall(SYS_openat2, directory, name, &how, sizeof how);
    if (fd != -1 || errno != EAGAIN) break;
  }
  return fd;
}

// ".." from the directory on top: the process's root keeps it there.
static int climb(struct walk* w) {
  struct statx here;
  int error = identify(top(w), &here);
  if (error != 0) return error;
  if (same_place(&here, &w->root_id)) return 0;
  int parent = openat(top(w), "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (parent == -1) return errno;
  if (w->depth > 1) {
    pop(w);
    struct step* step = &w->steps[w->depth - 1];
    close_or_warn(step->fd);
    step->fd = parent;
    return 0;
  }
  return restart_from(w, parent);
}

// Follows the symlink `link` (O_PATH, consumed) named `name` in the
// directory on top: its target spliced into what is left to walk, or, for a
// magic link, the walk restarted from the file it leads to.
static int follow_link(struct walk* w, int link, const char* name, char** walk_buffer, char** rest) {
  if (++w->links > MAX_LINKS) {
    close_or_warn(link);
    return ELOOP;
  }
  char target[4096 + 1];
  if (on_procfs(top(w))) {
    // Only the process's own /proc numbers pids as its PID namespace does.
    int error = procfs_of_process(w);
    if (error != 0) {
      close_or_warn(link);
      return error;
    }
    if (is_procfs_root(top(w)) && (strcmp(name, "self") == 0 || strcmp(name, "thread-self") == 0)) {
      close_or_warn(link);
      if (strcmp(name, "self") == 0) {
        snprintf(target, sizeof target, "%d", (int)w->who->ns_tgid);
      } else {
        snprintf(target, sizeof target, "%d/task/%d", (int)w->who->ns_tgid, (int)w->who->ns_tid);
      }
      return splice_target(walk_buffer, rest, target);
    }
    if (!is_procfs_root(top(w))) {
      close_or_warn(link);
      pid_t task;
      char* own = own_magic_link(w, name, &task);
      if (own == NULL) return EXDEV;
      int fd = open_own_proc(w, task, own, O_PATH);
      free(own);
      if (fd == -1) return errno;
      w->through_magic_link = true;
      return restart_from(w, fd);
    }
  }
  ssize_t length = readlinkat(link, "", target, sizeof target);
  int error = length == -1 ? errno : 0;
  close_or_warn(link);
  if (error != 0) return error;
  if ((size_t)length >= sizeof target) return ENAMETOOLONG;
  if (length == 0) return ENOENT;
  target[length] = '\0';
  if (target[0] == '/') {
    int root = dup(w->root);
    if (root == -1) return errno;
    error = restart_from(w, root);
    if (error != 0) return error;
  }
  return splice_target(walk_buffer, rest, target);
}

static int walk_path(struct walk* w, const char* path, bool follow) {
  char* walk_buffer = strdup(path);
  if (walk_buffer == NULL) return ENOMEM;
  char* rest = walk_buffer;
  char name[256];
  int error = 0;
  bool last = false, slash = false;
  while (error == 0 && next_component(&rest, name, sizeof name, &last, &slash, &error)) {
    if (strcmp(name, ".") == 0) continue;
    if (strcmp(name, "..") == 0) {
      error = climb(w);
      continue;
    }
    int fd = open_component(top(w), name);
    if (fd == -1) {
      error = errno;
      break;
    }
    struct stat st;
    if (fstat(fd, &st) == -1) {
      error = errno;
      close_or_warn(fd);
      break;
    }
    bool final = last && !slash;
    if (S_ISLNK(st.st_mode) && (!final || follow)) {
      error = follow_link(w, fd, name, &walk_buffer, &rest);
      continue;
    }
    if (S_ISLNK(st.st_mode) && on_procfs(top(w)) && !is_procfs_root(top(w))) w->through_magic_link = true;
    if (!last && !S_ISDIR(st.st_mode)) {
      close_or_warn(fd);
      error = ENOTDIR;
      break;
    }
    error = push(w, fd, name);
  }
  // A path that ends in a slash names a directory.
  if (error == 0 && slash) {
    struct stat st;
    if (fstat(top(w), &st) == -1) {
      error = errno;
    } else if (!S_ISDIR(st.st_mode)) {
      error = ENOTDIR;
    }
  }
  free(walk_buffer);
  return error;
}

// The directory a relative path starts from: the process's working
// directory, or the directory its descriptor `dirfd` names.
static int start_directory(struct walk* w, int dirfd) {
  char rest[32];
  if (dirfd == AT_FDCWD) {
    snprintf(rest, sizeof rest, "cwd");
  } else {
    snprintf(rest, sizeof rest, "fd/%d", dirfd);
  }
  int fd = open_own_proc(w, w->who->pid, rest, O_PATH);
  if (fd == -1) return dirfd != AT_FDCWD && errno == ENOENT ? EBADF : errno;
  struct stat st;
  int error = fstat(fd, &st) == -1 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (error != 0) {
    close_or_warn(fd);
    return error;
  }
  return push(w, fd, NULL);
}

int lookup_as_process(const struct process_identity* who, int dirfd, const char* path, bool follow, struct lookup* out) {
  out->fd = -1;
  out->through_magic_link = false;
  if (path[0] == '\0') return ENOENT;
  struct walk w = {.who = who, .root = -1};
  char root_link[64];
  snprintf(root_link, sizeof root_link, "/proc/%d/root", (int)who->pid);
  int error = 0;
  w.root = open(root_link, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (w.root == -1) error = errno;
  if (error == 0) error = identify(w.root, &w.root_id);
  if (error == 0 && impersonate(who, &w.as_process) == -1) error = errno;
  if (error == 0) {
    if (path[0] == '/') {
      int root = dup(w.root);
      error = root == -1 ? errno : push(&w, root, NULL);
    } else {
      error = start_directory(&w, dirfd);
    }
  }
  if (error == 0) error = walk_path(&w, path, follow);
  stop_impersonating(&w.as_process);
  if (error == 0) {
    out->fd = w.steps[w.depth - 1].fd;
    out->through_magic_link = w.through_magic_link;
    w.steps[w.depth - 1].fd = -1;
    free(w.steps[--w.depth].name);
  }
  while (w.depth > 0) pop(&w);
  free(w.steps);
  if (w.root != -1) close_or_warn(w.root);
  return error;
}

int open_as_process(pid_t pid, const char* base, const char* path, bool follow) {
  char* joined = NULL;
  if (base != NULL && path[0] != '/') {
    size_t length = strlen(base) + strlen(path) + 2;
    joined = malloc(length);
    if (joined == NULL) return -ENOMEM;
    snprintf(joined, length, "%s/%s", base, path);
  }
  struct process_identity who;
  int error = read_identity(pid, &who) == -1 ? errno : 0;
  struct lookup found;
  if (error == 0) {
    error = lookup_as_process(&who, AT_FDCWD, joined != NULL ? joined : path, follow, &found);
    free_identity(&who);
  }
  free(joined);
  return error != 0 ? -error : found.fd;
}

int access_as_process(const struct process_identity* who, int fd, int mode) {
  struct impersonation as_process;
  if (impersonate(who, &as_process) == -1) return errno;
  // AT_EACCESS: the thread's own (filesystem) ids and capabilities, which
  // are now the process's; the kernel adds what exec checks (noexec mounts).
  int error = syscall(SYS_faccessat2, fd, "", mode, AT_EACCESS | AT_EMPTY_PATH) == -1 ? errno : 0;
  stop_impersonating(&as_process);
  return error;
}

char* path_of(pid_t pid, int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char* path = link_target(link);
  char* root = path == NULL ? NULL : proc_link(pid, "root");
  if (root == NULL) {
    free(path);
    return NULL;
  }
  // A process chrooted inside the sandbox names its files from its own root.
  size_t root_length = strlen(root);
  if (strcmp(root, "/") != 0 && strncmp(path, root, root_length) == 0 && path[root_length] == '/') {
    memmove(path, path + root_length, strlen(path + root_length) + 1);
  }
  free(root);
  return path;
}
