// The refusal as the command sees it: the exec fails with EACCES (the shell
// says 126), and this line on the process's own stderr, written through a
// copy of its descriptor 2 (pidfd_getfd), so it lands wherever the
// process's errors go, in order with them, and only where the process
// itself could write:
//   cordon: execution denied: <argv joined by spaces>: <reason>
// Control characters in the command are shown as '?', so that an argument
// cannot forge lines or terminal sequences, and a long command is cut.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../exec-wire/wire.h"
#include "supervisor.h"
#include "syscalls.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
// A pidfd for a thread rather than a thread group leader (Linux 6.9).
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define MAX_SHOWN_COMMAND 1024

int notified_pidfd(const struct notification* n) {
  pid_t pid = (pid_t)n->request->pid;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, PIDFD_THREAD);
  if (pidfd == -1 && errno == EINVAL) pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd == -1) return -1;
  // Checked after opening: the pidfd now names the notified process, not a
  // later one that reused its pid.
  if (!notification_valid(n)) {
    close_or_warn(pidfd);
    errno = ESRCH;
    return -1;
  }
  return pidfd;
}

static void append_shown(struct buffer* line, const char* text) {
  for (const unsigned char* p = (const unsigned char*)text; *p != '\0'; p++) {
    char c = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
    if (buffer_append(line, &c, 1) != 0) return;
  }
}

// Writes to the process's stderr only as the process itself could, and
// without ever waiting on it (a full pipe nobody reads must not hold up the
// answer): only a descriptor open for writing (not O_PATH, not read-only,
// never reopened), only when it is ready now (poll with no timeout), at
// most PIPE_BUF bytes in one non-blocking write: RWF_NOWAIT, or
// MSG_DONTWAIT on a socket, leaving the process's own flags alone. A
// terminal, which knows no RWF_NOWAIT, gets one plain write once poll said
// it has room.
static void write_without_waiting(int fd, const char* data, size_t length) {
  int flags = fcntl(fd, F_GETFL);
  if (flags == -1 || (flags & O_PATH) != 0 || ((flags & O_ACCMODE) != O_WRONLY && (flags & O_ACCMODE) != O_RDWR)) return;
  struct pollfd ready = {.fd = fd, .events = POLLOUT};
  if (poll(&ready, 1, 0) != 1 || (ready.revents & POLLOUT) == 0) return;
  struct stat st;
  if (fstat(fd, &st) == -1) return;
  if (length > PIPE_BUF) length = PIPE_BUF;
  if (S_ISSOCK(st.st_mode)) {
    send(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
    return;
  }
  struct iovec vector = {.iov_base = (void*)data, .iov_len = length};
  if (pwritev2_here(fd, &vector, 1, RWF_NOWAIT) == -1 && errno == EOPNOTSUPP && S_ISCHR(st.st_mode)) {
    if (write(fd, data, length) == -1) return;
  }
}

void tell_denied(const struct notification* n, char* const* argv, size_t argc, const char* reason) {
  struct buffer command;
  buffer_init(&command, MAX_SHOWN_COMMAND);
  for (size_t i = 0; i < argc; i++) {
    if (i > 0) append_shown(&command, " ");
    append_shown(&command, argv[i]);
  }
  struct buffer line;
  buffer_init(&line, MAX_SHOWN_COMMAND * 2);
  append_shown(&line, "cordon: execution denied: ");
  if (command.length > 0) buffer_append(&line, command.data, command.length);
  if (command.length == MAX_SHOWN_COMMAND) append_shown(&line, "...");
  append_shown(&line, ": ");
  append_shown(&line, reason);
  buffer_free(&command);
  if (line.length == line.limit) line.length--;
  if (buffer_append(&line, "\n", 1) != 0) {
    buffer_free(&line);
    return;
  }

  // Best effort: the refusal itself (EACCES) does not depend on the message.
  int pidfd = notified_pidfd(n);
  int stderr_fd = pidfd == -1 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, 2, 0);
  if (stderr_fd != -1) {
    write_without_waiting(stderr_fd, line.data, line.length);
    close_or_warn(stderr_fd);
  }
  if (pidfd != -1) close_or_warn(pidfd);
  buffer_free(&line);
}
