// Metadata changes (mode, owner, times, extended attributes, file
// attributes) by path, or on a descriptor above 2, when the policy has
// writable roots. Landlock has no right for them, so a path through a procfs
// magic link (/proc/self/fd/0, /dev/fd/0), or a descriptor reopened through
// one, reaches a file the host handed in as stdio, on the host's own mounts
// outside every read-only bind; and the filter cannot see a path.
//
// The filter hands these calls here. The path is looked up exactly as the
// process would (supervisor-lookup.c), or the process's own descriptor is
// taken (pidfd_getfd), and the change is made here, on that file, by this
// thread acting as the process (its filesystem ids and groups, no
// capability): the kernel checks ownership and permissions as for the
// process, and a sibling thread that rewrites the path after the lookup
// changes nothing. Refused with EPERM:
//   - a path through a magic link;
//   - a file on a mount of the host's that is not the sandbox's (a
//     descriptor to a host file reopened through /proc/self/fd);
//   - a change through descriptors 0 to 2 (AT_EMPTY_PATH), but for times.
// Owners are numbered in the process's user namespace and mapped here.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "supervisor.h"
#include "syscalls.h"

#define MAX_XATTR_NAME 255
#define MAX_XATTR_VALUE 65536
#define MAX_ATTR_BYTES 4096

// setxattrat's argument structure (Linux 6.13).
struct xattr_args {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

enum change { CHANGE_MODE, CHANGE_OWNER, SET_XATTR, REMOVE_XATTR, CHANGE_TIMES, SET_FILE_ATTR };
enum times_format { TIMES_UTIMBUF, TIMES_TIMEVAL, TIMES_TIMESPEC };

// One call's arguments, whichever call it is. Addresses are in the process.
struct metadata_call {
  enum change change;
  int dirfd;
  uint64_t path;      // 0: none (the descriptor itself)
  bool by_fd;         // fchmod, fchown, fsetxattr, fremovexattr: `dirfd` is the file
  bool follow;
  bool empty_path;    // AT_EMPTY_PATH
  bool xattr_args;    // setxattrat: value, size and flags are in a struct xattr_args at `value`
  uint32_t mode;
  uint32_t uid, gid;  // as the process's user namespace numbers them
  uint64_t name;
  uint64_t value;
  uint64_t size;
  int xattr_flags;
  uint64_t times;
  enum times_format times_format;
};

// What the call's pointers point to, copied out of the process.
struct loaded {
  char* path;
  char name[MAX_XATTR_NAME + 1];
  void* value;
  size_t size;
  int xattr_flags;
  struct timespec times[2];
  bool times_now;  // a NULL times: now
};

bool is_metadata_call(int nr) {
  for (size_t i = 0; i < metadata_call_count; i++) {
    if (metadata_calls[i] == nr) return true;
  }
  return false;
}

// The call's arguments in one shape.
static struct metadata_call decode(const struct seccomp_data* data) {
  const __u64* a = data->args;
  struct metadata_call c = {.dirfd = AT_FDCWD, .follow = true};
  int at_flags = 0;
  switch (data->nr) {
#ifdef __NR_chmod
    case __NR_chmod:
      c.change = CHANGE_MODE, c.path = a[0], c.mode = (uint32_t)a[1];
      break;
    case __NR_chown:
    case __NR_lchown:
      c.change = CHANGE_OWNER, c.path = a[0], c.uid = (uint32_t)a[1], c.gid = (uint32_t)a[2];
      c.follow = data->nr == __NR_chown;
      break;
    case __NR_utime:
      c.change = CHANGE_TIMES, c.path = a[0], c.times = a[1], c.times_format = TIMES_UTIMBUF;
      break;
    case __NR_utimes:
      c.change = CHANGE_TIMES, c.path = a[0], c.times = a[1], c.times_format = TIMES_TIMEVAL;
      break;
    case __NR_futimesat:
      c.change = CHANGE_TIMES, c.dirfd = (int)a[0], c.path = a[1], c.times = a[2], c.times_format = TIMES_TIMEVAL;
      break;
#endif
    case __NR_fchmod:
      c.change = CHANGE_MODE, c.dirfd = (int)a[0], c.by_fd = true, c.mode = (uint32_t)a[1];
      break;
    case __NR_fchmodat:
      c.change = CHANGE_MODE, c.dirfd = (int)a[0], c.path = a[1], c.mode = (uint32_t)a[2];
      break;
    case __NR_fchmodat2:
      c.change = CHANGE_MODE, c.dirfd = (int)a[0], c.path = a[1], c.mode = (uint32_t)a[2], at_flags = (int)a[3];
      break;
    case __NR_fchown:
      c.change = CHANGE_OWNER, c.dirfd = (int)a[0], c.by_fd = true, c.uid = (uint32_t)a[1], c.gid = (uint32_t)a[2];
      break;
    case __NR_fchownat:
      c.change = CHANGE_OWNER, c.dirfd = (int)a[0], c.path = a[1], c.uid = (uint32_t)a[2], c.gid = (uint32_t)a[3];
      at_flags = (int)a[4];
      break;
    case __NR_utimensat:
      c.change = CHANGE_TIMES, c.dirfd = (int)a[0], c.path = a[1], c.times = a[2], c.times_format = TIMES_TIMESPEC;
      c.by_fd = a[1] == 0;  // futimens
      at_flags = (int)a[3];
      break;
    case __NR_setxattr:
    case __NR_lsetxattr:
      c.change = SET_XATTR, c.path = a[0], c.name = a[1], c.value = a[2], c.size = a[3], c.xattr_flags = (int)a[4];
      c.follow = data->nr == __NR_setxattr;
      break;
    case __NR_fsetxattr:
      c.change = SET_XATTR, c.dirfd = (int)a[0], c.by_fd = true, c.name = a[1], c.value = a[2], c.size = a[3];
      c.xattr_flags = (int)a[4];
      break;
    case __NR_setxattrat:
      c.change = SET_XATTR, c.dirfd = (int)a[0], c.path = a[1], at_flags = (int)a[2], c.name = a[3];
      c.xattr_args = true, c.value = a[4], c.size = a[5];
      break;
    case __NR_removexattr:
    case __NR_lremovexattr:
      c.change = REMOVE_XATTR, c.path = a[0], c.name = a[1];
      c.follow = data->nr == __NR_removexattr;
      break;
    case __NR_fremovexattr:
      c.change = REMOVE_XATTR, c.dirfd = (int)a[0], c.by_fd = true, c.name = a[1];
      break;
    case __NR_removexattrat:
      c.change = REMOVE_XATTR, c.dirfd = (int)a[0], c.path = a[1], at_flags = (int)a[2], c.name = a[3];
      break;
    default:  // __NR_file_setattr
      c.change = SET_FILE_ATTR, c.dirfd = (int)a[0], c.path = a[1], c.value = a[2], c.size = a[3];
      at_flags = (int)a[4];
      break;
  }
  c.follow = c.follow && !(at_flags & AT_SYMLINK_NOFOLLOW);
  c.empty_path = (at_flags & AT_EMPTY_PATH) != 0;
  return c;
}

static void free_loaded(struct loaded* loaded) {
  free(loaded->path);
  free(loaded->value);
}

static int read_times(pid_t pid, const struct metadata_call* c, struct loaded* out) {
  if (c->times == 0) {
    out->times_now = true;
    return 0;
  }
  switch (c->times_format) {
    case TIMES_UTIMBUF: {
      int64_t seconds[2];
      if (remote_read(pid, c->times, seconds, sizeof seconds) == -1) return errno;
      for (int i = 0; i < 2; i++) out->times[i] = (struct timespec){.tv_sec = seconds[i]};
      return 0;
    }
    case TIMES_TIMEVAL: {
      struct timeval values[2];
      if (remote_read(pid, c->times, values, sizeof values) == -1) return errno;
      for (int i = 0; i < 2; i++) {
        if (values[i].tv_usec < 0 || values[i].tv_usec >= 1000000) return EINVAL;
        out->times[i] = (struct timespec){.tv_sec = values[i].tv_sec, .tv_nsec = values[i].tv_usec * 1000};
      }
      return 0;
    }
    default:
      return remote_read(pid, c->times, out->times, sizeof out->times) == -1 ? errno : 0;
  }
}

// Copies out what the call's pointers point to; 0 or the errno the call fails with.
static int load(pid_t pid, const struct metadata_call* c, struct loaded* out) {
  memset(out, 0, sizeof *out);
  if (c->path != 0) {
    out->path = remote_string(pid, c->path, PATH_MAX - 1);
    if (out->path == NULL) return errno;
  }
  if (c->change == SET_XATTR || c->change == REMOVE_XATTR) {
    char* name = remote_string(pid, c->name, MAX_XATTR_NAME);
    if (name == NULL) return errno == ENAMETOOLONG ? ERANGE : errno;
    snprintf(out->name, sizeof out->name, "%s", name);
    bool empty = name[0] == '\0';
    free(name);
    if (empty) return ERANGE;
  }
  uint64_t value = c->value, size = c->size;
  out->xattr_flags = c->xattr_flags;
  if (c->change == SET_XATTR && c->xattr_args) {
    struct xattr_args args;
    if (size != sizeof args) return size < sizeof args ? EINVAL : E2BIG;
    if (remote_read(pid, c->value, &args, sizeof args) == -1) return errno;
    value = args.value, size = args.size, out->xattr_flags = (int)args.flags;
  }
  if (c->change == SET_XATTR || c->change == SET_FILE_ATTR) {
    if (size > (c->change == SET_XATTR ? MAX_XATTR_VALUE : MAX_ATTR_BYTES)) return E2BIG;
    out->size = (size_t)size;
    out->value = malloc(out->size > 0 ? out->size : 1);
    if (out->value == NULL) return ENOMEM;
    if (out->size > 0 && remote_read(pid, value, out->value, out->size) == -1) return errno;
  }
  if (c->change == CHANGE_TIMES) return read_times(pid, c, out);
  return 0;
}

// An id numbered in the process's user namespace, as the kernel numbers it
// here (`map`: "uid_map" or "gid_map"); -1 stays "unchanged". 0 or EINVAL
// for an id the namespace does not map, as the kernel's chown answers.
static int map_id(pid_t pid, const char* map, uint32_t inside, uint32_t* outside) {
  *outside = inside;
  if (inside == UINT32_MAX) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, map);
  FILE* file = fopen(path, "re");
  if (file == NULL) return errno;
  unsigned long first, target, count;
  int error = EINVAL;
  while (error == EINVAL && fscanf(file, "%lu %lu %lu", &first, &target, &count) == 3) {
    if (inside >= first && inside - first < count) {
      *outside = (uint32_t)(target + (inside - first));
      error = 0;
    }
  }
  if (fclose(file) != 0 && error == 0) error = errno;
  return error;
}

// 0 unless the file open as `fd` is on a mount of the host's (the
// supervisor's namespace) that is not also the sandbox's: a host file or
// terminal reached through a descriptor, EPERM. Mounts in no namespace at
// all (pipes, sockets, memfd) are in nobody's tree.
static int on_host_mount_only(pid_t pid, int fd) {
  int error = on_process_mount(pid, fd);
  if (error != EPERM) return error;
  error = on_process_mount(getpid(), fd);
  return error == 0 ? EPERM : error == EPERM ? 0 : error;
}

// The process's descriptor `fd` (the same open file), or its working
// directory for AT_FDCWD; -1 with errno.
static int process_descriptor(const struct notification* n, int fd) {
  pid_t pid = (pid_t)n->request->pid;
  if (fd == AT_FDCWD) {
    char link[64];
    snprintf(link, sizeof link, "/proc/%d/cwd", (int)pid);
    return open(link, O_PATH | O_CLOEXEC);
  }
  int pidfd = notified_pidfd(n);
  if (pidfd == -1) return -1;
  int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  int error = errno;
  close_or_warn(pidfd);
  errno = error;
  return copy;
}

// The change itself, on the file open as `fd`: the f- calls for a call
// made on a descriptor (its open file, as the kernel would), else through
// the descriptor's own /proc/self/fd link or AT_EMPTY_PATH. 0 or an errno.
static int change(const struct metadata_call* c, const struct loaded* l, int fd, uint32_t uid, uint32_t gid) {
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  const struct timespec* times = l->times_now ? NULL : l->times;
  long result;
  switch (c->change) {
    case CHANGE_MODE:
      if (c->by_fd) {
        result = fchmod(fd, c->mode);
      } else {
        struct stat st;
        if (fstat(fd, &st) == -1) return errno;
        // What fchmodat2 answers for a symlink it is told not to follow.
        if (S_ISLNK(st.st_mode)) return EOPNOTSUPP;
        result = fchmodat(AT_FDCWD, self, c->mode, 0);
      }
      break;
    case CHANGE_OWNER:
      result = c->by_fd ? fchown(fd, uid, gid) : fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
      break;
    case SET_XATTR:
      result = c->by_fd ? fsetxattr(fd, l->name, l->value, l->size, l->xattr_flags)
                        : setxattr(self, l->name, l->value, l->size, l->xattr_flags);
      break;
    case REMOVE_XATTR:
      result = c->by_fd ? fremovexattr(fd, l->name) : removexattr(self, l->name);
      break;
    case CHANGE_TIMES:
      result = c->by_fd ? syscall(SYS_utimensat, fd, NULL, times, 0) : utimensat(AT_FDCWD, self, times, 0);
      break;
    default:
      result = syscall(__NR_file_setattr, fd, "", l->value, l->size, AT_EMPTY_PATH);
      break;
  }
  return result == -1 ? errno : 0;
}

// The file the call changes, open as *fd; 0 or the errno to answer.
static int target(const struct notification* n, const struct process_identity* who, const struct metadata_call* c,
                  const struct loaded* l, int* fd) {
  *fd = -1;
  bool descriptor = c->by_fd || (l->path != NULL && l->path[0] == '\0' && c->empty_path);
  if (descriptor) {
    // Mode, owner and attributes never through stdio (a host file or
    // terminal handed in); times, as touch(1) needs (SPEC §4).
    if (c->dirfd >= 0 && c->dirfd <= 2 && c->change != CHANGE_TIMES) return EPERM;
    *fd = process_descriptor(n, c->dirfd);
    return *fd == -1 ? (errno == EBADF || errno == ENOENT ? EBADF : errno) : 0;
  }
  if (l->path == NULL) return EFAULT;
  struct lookup found;
  int error = lookup_as_process(who, c->dirfd, l->path, c->follow, &found);
  // A link only the process could follow, or one it did: never a change.
  if (error == EXDEV) return EPERM;
  if (error != 0) return error;
  *fd = found.fd;
  return found.through_magic_link ? EPERM : 0;
}

void handle_metadata_call(const struct notification* n) {
  pid_t pid = (pid_t)n->request->pid;
  struct metadata_call c = decode(&n->request->data);
  struct loaded l;
  int error = load(pid, &c, &l);
  if (error == 0 && !notification_valid(n)) error = ESRCH;
  uint32_t uid = c.uid, gid = c.gid;
  if (error == 0 && c.change == CHANGE_OWNER) {
    error = map_id(pid, "uid_map", c.uid, &uid);
    if (error == 0) error = map_id(pid, "gid_map", c.gid, &gid);
  }
  struct process_identity who = {0};
  if (error == 0 && read_identity(pid, &who) == -1) error = errno;
  int fd = -1;
  if (error == 0) error = target(n, &who, &c, &l, &fd);
  if (error == 0) error = on_host_mount_only(pid, fd);
  if (error == 0) {
    struct impersonation as_process;
    if (impersonate(&who, &as_process) == -1) {
      error = errno;
    } else {
      error = change(&c, &l, fd, uid, gid);
      stop_impersonating(&as_process);
    }
  }
  free_identity(&who);
  if (fd != -1) close_or_warn(fd);
  free_loaded(&l);
  if (error == 0) {
    answer_value(n, 0);
  } else {
    answer_error(n, error);
  }
}
