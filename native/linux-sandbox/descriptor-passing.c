// Descriptors handed between the launcher's processes over a socket pair
// (SCM_RIGHTS, one byte of data): the seccomp listener, the network
// namespace's diag socket, the proxy's listening sockets.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define MAX_PASSED 8

ssize_t descriptors_send(int channel, const int* fds, size_t count, unsigned long tag) {
  if (count == 0 || count > MAX_PASSED) {
    errno = EINVAL;
    return -1;
  }
  char byte = 0;
  struct iovec data = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int) * MAX_PASSED)];
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {
      .msg_iov = &data, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = CMSG_SPACE(sizeof(int) * count)};
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * count);
  memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
  // The raw call: its fourth argument is the tag the filter may check; only async-signal-safe calls here.
  long sent;
  do sent = syscall(SYS_sendmsg, channel, &message, MSG_NOSIGNAL, tag);
  while (sent == -1 && errno == EINTR);
  return (ssize_t)sent;
}

int descriptors_receive(int channel, int* fds, size_t count) {
  if (count == 0 || count > MAX_PASSED) {
    errno = EINVAL;
    return -1;
  }
  char byte;
  struct iovec data = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int) * MAX_PASSED)];
  } control;
  struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  ssize_t got;
  do got = recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
  while (got == -1 && errno == EINTR);
  if (got == 0) return 0;
  if (got == -1) return -1;
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (got != 1 || header == NULL || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
      header->cmsg_len != CMSG_LEN(sizeof(int) * count)) {
    errno = EPROTO;
    return -1;
  }
  memcpy(fds, CMSG_DATA(header), sizeof(int) * count);
  return 1;
}
