// The seccomp listener's way from the command to the launcher's supervisor.
//
// The command installs the filter and so holds the listener, but cannot send
// it: its own sendmsg already goes to the supervisor, which has no listener
// yet. So it writes the descriptor's number to its parent (write is not
// mediated) and waits; the parent copies the descriptor out of it with
// pidfd_getfd and answers; the command then closes its copy before exec.
// Inside a PID namespace the parent is PID 1 of the sandbox, which passes the
// copy on to the launcher over their socket pair (SCM_RIGHTS).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "syscalls.h"

static void write_all(int fd, const void* data, size_t size) {
  ssize_t written;
  do written = write(fd, data, size);
  while (written == -1 && errno == EINTR);
  if (written != (ssize_t)size) fail("supervisor", "handing over the seccomp listener: %s", strerror(errno));
}

// Reads exactly `size` bytes; false at end of file (the other side ended).
static bool read_all(int fd, void* data, size_t size) {
  ssize_t got;
  do got = read(fd, data, size);
  while (got == -1 && errno == EINTR);
  if (got == 0) return false;
  if (got != (ssize_t)size) fail("supervisor", "receiving the seccomp listener: %s", got == -1 ? strerror(errno) : "short read");
  return true;
}

void listener_hand_over(int channel, int listener) {
  write_all(channel, &listener, sizeof listener);
  char taken;
  if (!read_all(channel, &taken, 1)) fail("supervisor", "the launcher did not take the seccomp listener");
  if (close(listener) == -1 || close(channel) == -1) fail("supervisor", "close: %s", strerror(errno));
}

int listener_take(int channel, pid_t command) {
  int number;
  if (!read_all(channel, &number, sizeof number)) return -1;  // the command ended before (a refusal)
  int pidfd = (int)syscall(__NR_pidfd_open, command, 0);
  if (pidfd == -1) fail("supervisor", "pidfd_open: %s", strerror(errno));
  int listener = (int)syscall(__NR_pidfd_getfd, pidfd, number, 0);
  if (listener == -1) fail("supervisor", "pidfd_getfd: %s", strerror(errno));
  if (close(pidfd) == -1) fail("supervisor", "close: %s", strerror(errno));
  write_all(channel, "", 1);
  return listener;
}

void listener_send(int channel, int listener) {
  char byte = 0;
  struct iovec data = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &listener, sizeof listener);
  ssize_t sent;
  do sent = sendmsg(channel, &message, MSG_NOSIGNAL);
  while (sent == -1 && errno == EINTR);
  if (sent != 1) fail("supervisor", "sending the seccomp listener: %s", strerror(errno));
  if (close(listener) == -1) fail("supervisor", "close: %s", strerror(errno));
}

int listener_receive(int channel) {
  char byte;
  struct iovec data = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  ssize_t got;
  do got = recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
  while (got == -1 && errno == EINTR);
  if (got == 0) return -1;  // the sandbox ended before (a refusal)
  if (got != 1) fail("supervisor", "receiving the seccomp listener: %s", got == -1 ? strerror(errno) : "short read");
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == NULL || header->cmsg_type != SCM_RIGHTS) fail("supervisor", "no seccomp listener came");
  int listener;
  memcpy(&listener, CMSG_DATA(header), sizeof listener);
  return listener;
}
