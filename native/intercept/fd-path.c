// Names a file the caller holds open (fexecve, execveat) by a path, because
// the wrapper is a new program and can only be handed a path. The path the
// kernel reports for the descriptor is used when it still names the very same
// file; otherwise (a deleted file, a memfd) the wrapper gets the
// /proc/self/fd name, and the descriptor must stay open across the exec.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercept.h"

#define PROC_FD_PREFIX "/proc/self/fd/"

// "/proc/self/fd/<fd>" into `out` (no snprintf: it may allocate).
static void proc_fd_name(int fd, char out[FD_PATH_SIZE]) {
  char digits[16];
  size_t count = 0;
  unsigned value = (unsigned)fd;
  do {
    digits[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  size_t at = sizeof PROC_FD_PREFIX - 1;
  memcpy(out, PROC_FD_PREFIX, at);
  while (count > 0) out[at++] = digits[--count];
  out[at] = '\0';
}

static int append(char out[FD_PATH_SIZE], const char* tail) {
  size_t length = strlen(out);
  size_t tail_length = strlen(tail);
  if (length + 1 + tail_length + 1 > FD_PATH_SIZE) return ENAMETOOLONG;
  out[length] = '/';
  memcpy(out + length + 1, tail, tail_length + 1);
  return 0;
}

static int same_file(const struct stat* a, const struct stat* b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int name_file_at(int dirfd, const char* path, int flags, struct fd_path* out) {
  out->kept_open_fd = -1;
  int whole_fd = path[0] == '\0' && (flags & AT_EMPTY_PATH);
  if (!whole_fd && (path[0] == '/' || dirfd == AT_FDCWD)) {
    size_t length = strlen(path);
    if (length >= FD_PATH_SIZE) return ENAMETOOLONG;
    memcpy(out->path, path, length + 1);
    return 0;
  }

  // The file the exec means, to compare candidate names against.
  struct stat target;
  int stat_flags = whole_fd ? AT_EMPTY_PATH : (flags & AT_SYMLINK_NOFOLLOW);
  if (fstatat(dirfd, path, &target, stat_flags) != 0) return errno;

  char proc_name[FD_PATH_SIZE];
  proc_fd_name(dirfd, proc_name);
  ssize_t length = readlink(proc_name, out->path, FD_PATH_SIZE - 1);
  if (length > 0 && out->path[0] == '/') {
    out->path[length] = '\0';
    struct stat named;
    if ((whole_fd || append(out->path, path) == 0) && stat(out->path, &named) == 0 &&
        same_file(&named, &target)) {
      return 0;
    }
  }

  memcpy(out->path, proc_name, strlen(proc_name) + 1);
  if (!whole_fd) {
    int err = append(out->path, path);
    if (err != 0) return err;
  }
  int fd_flags = fcntl(dirfd, F_GETFD);
  if (fd_flags < 0) return errno;
  if (fd_flags & FD_CLOEXEC) {
    if (fcntl(dirfd, F_SETFD, fd_flags & ~FD_CLOEXEC) != 0) return errno;
    out->kept_open_fd = dirfd;
  }
  return 0;
}

void restore_fd_path(const struct fd_path* named) {
  if (named->kept_open_fd < 0) return;
  int saved = errno;
  int fd_flags = fcntl(named->kept_open_fd, F_GETFD);
  // Best effort: the exec already failed and its errno is what matters.
  if (fd_flags >= 0) (void)fcntl(named->kept_open_fd, F_SETFD, fd_flags | FD_CLOEXEC);
  errno = saved;
}
