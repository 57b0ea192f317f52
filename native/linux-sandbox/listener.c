// The seccomp listener's way from the command to the launcher's supervisor,
// over a socket pair (SCM_RIGHTS), before the command's exec.
//
// The command's own sendmsg already goes to the supervisor, which has no
// listener yet. So the filter lets through one sendmsg that carries, in an
// argument the kernel ignores, a secret drawn for this run (seccomp.c): the
// command cannot learn it (the launcher's memory is gone after exec, and
// the filter cannot be read back without CAP_SYS_ADMIN).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

void listener_send(int channel, int listener, uint64_t secret) {
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
  long sent;
  do sent = syscall(SYS_sendmsg, channel, &message, MSG_NOSIGNAL, secret);
  while (sent == -1 && errno == EINTR);
  if (sent != 1) fail("supervisor", "handing over the seccomp listener: %s", strerror(errno));
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
  if (got == 0) return -1;  // the command ran without a filter (best-effort) or ended before
  if (got != 1) fail("supervisor", "receiving the seccomp listener: %s", got == -1 ? strerror(errno) : "short read");
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == NULL || header->cmsg_type != SCM_RIGHTS) fail("supervisor", "no seccomp listener came");
  int listener;
  memcpy(&listener, CMSG_DATA(header), sizeof listener);
  return listener;
}
