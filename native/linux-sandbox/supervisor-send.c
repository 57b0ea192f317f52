// A send the supervisor performs for the process (supervisor-socket.c): its
// data and control messages are read out of the process once, and sent
// from here on a copy of its socket, so nothing the process changes
// afterwards (its memory, its descriptor table) reaches the kernel.
//
// Control messages are carried as the kernel would read them:
//   - SCM_RIGHTS: each descriptor is taken from the process (pidfd_getfd),
//     so the receiver gets the very files the process named;
//   - SCM_CREDENTIALS is refused with EPERM: the kernel would vouch for the
//     supervisor's pid and ids, not the process's; any other SOL_SOCKET
//     type fails with EINVAL, in its place, as the kernel fails it;
//   - on a socket of another family, any SOL_SOCKET message is refused with
//     EPERM (the supervisor's privileges would judge it); messages of the
//     protocol's own levels are passed on as they are.
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "supervisor.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

// The most one send carries. A datagram that large fails with EMSGSIZE
// anyway; a stream send is cut there and returns what it sent, as a
// non-blocking one may.
#define MAX_SEND_BYTES (16u * 1024 * 1024)
// The kernel refuses more control data than optmem_max with ENOBUFS;
// iovecs are capped at IOV_MAX (its UIO_MAXIOV).
#define MAX_CONTROL_BYTES (64u * 1024)

static int read_vectors(pid_t pid, uint64_t at, size_t count, bool cut, struct outgoing* out) {
  if (count > IOV_MAX) return EMSGSIZE;
  struct iovec* vectors = calloc(count > 0 ? count : 1, sizeof *vectors);
  if (vectors == NULL) return ENOMEM;
  int error = 0;
  if (count > 0 && remote_read(pid, at, vectors, count * sizeof *vectors) == -1) {
    error = errno;
    goto done;
  }
  size_t total = 0;
  for (size_t i = 0; i < count; i++) {
    if (vectors[i].iov_len > MAX_SEND_BYTES - total) {
      if (!cut) {
        error = EMSGSIZE;
        goto done;
      }
      vectors[i].iov_len = MAX_SEND_BYTES - total;
    }
    total += vectors[i].iov_len;
  }
  out->data = malloc(total > 0 ? total : 1);
  if (out->data == NULL) {
    error = ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < count; i++) {
    if (vectors[i].iov_len > 0 &&
        remote_read(pid, (uint64_t)(uintptr_t)vectors[i].iov_base, out->data + out->length, vectors[i].iov_len) == -1) {
      error = errno;
      goto done;
    }
    out->length += vectors[i].iov_len;
  }
done:
  free(vectors);
  return error;
}

static int read_buffer(pid_t pid, uint64_t at, size_t length, bool cut, struct outgoing* out) {
  if (length > MAX_SEND_BYTES) {
    if (!cut) return EMSGSIZE;
    length = MAX_SEND_BYTES;
  }
  out->data = malloc(length > 0 ? length : 1);
  if (out->data == NULL) return ENOMEM;
  if (length > 0 && remote_read(pid, at, out->data, length) == -1) return errno;
  out->length = length;
  return 0;
}

// Replaces the process's descriptors in one SCM_RIGHTS message by copies.
static int take_descriptors(int pidfd, struct cmsghdr* header, struct outgoing* out) {
  size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
  int* grown = realloc(out->passed, (out->passed_count + count) * sizeof *grown);
  if (grown == NULL && out->passed_count + count > 0) return ENOMEM;
  out->passed = grown;
  unsigned char* numbers = CMSG_DATA(header);
  for (size_t i = 0; i < count; i++) {
    int fd;
    memcpy(&fd, numbers + i * sizeof fd, sizeof fd);
    int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
    // The kernel's answer to a descriptor the process does not have.
    if (copy == -1) return errno == ESRCH ? ESRCH : EBADF;
    out->passed[out->passed_count++] = copy;
    memcpy(numbers + i * sizeof copy, &copy, sizeof copy);
  }
  return 0;
}

static int read_control(const struct notification* n, int family, uint64_t at, size_t length, struct outgoing* out) {
  if (length == 0) return 0;
  if (length > MAX_CONTROL_BYTES) return ENOBUFS;
  // Aligned as the kernel's own copy, so the headers can be walked in place.
  out->control = aligned_alloc(sizeof(size_t), (length + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t));
  if (out->control == NULL) return ENOMEM;
  if (remote_read((pid_t)n->request->pid, at, out->control, length) == -1) return errno;
  out->control_length = length;
  int pidfd = -1;
  int error = 0;
  // Walked as the kernel walks it (for_each_cmsghdr, CMSG_OK).
  struct cmsghdr* header;
  for (size_t offset = 0; error == 0 && offset + sizeof *header <= length; offset += CMSG_ALIGN(header->cmsg_len)) {
    header = (struct cmsghdr*)(out->control + offset);
    if (header->cmsg_len < sizeof *header || header->cmsg_len > length - offset) {
      error = EINVAL;
    } else if (header->cmsg_level != SOL_SOCKET) {
      continue;
    } else if (family != AF_UNIX || header->cmsg_type == SCM_CREDENTIALS) {
      error = EPERM;
    } else if (header->cmsg_type == SCM_RIGHTS) {
      if (pidfd == -1) pidfd = notified_pidfd(n);
      error = pidfd == -1 ? errno : take_descriptors(pidfd, header, out);
    } else {
      // The kernel knows no other SOL_SOCKET message on a Unix socket (__scm_send).
      error = EINVAL;
    }
  }
  if (pidfd != -1) close_or_warn(pidfd);
  return error;
}

int outgoing_read(const struct notification* n, int family, int type, uint64_t at, size_t vectors, size_t length,
                  uint64_t control_at, size_t control_length, struct outgoing* out) {
  memset(out, 0, sizeof *out);
  pid_t pid = (pid_t)n->request->pid;
  bool cut = type == SOCK_STREAM;
  int error = vectors == SIZE_MAX ? read_buffer(pid, at, length, cut, out) : read_vectors(pid, at, vectors, cut, out);
  if (error == 0) error = read_control(n, family, control_at, control_length, out);
  if (error == 0 && !notification_valid(n)) error = ESRCH;
  return error;
}

void outgoing_free(struct outgoing* message) {
  for (size_t i = 0; i < message->passed_count; i++) close_or_warn(message->passed[i]);
  free(message->passed);
  free(message->data);
  free(message->control);
  memset(message, 0, sizeof *message);
}

ssize_t outgoing_send(const struct notification* n, int socket_copy, const struct outgoing* message,
                      const void* to, socklen_t to_length, int flags) {
  struct iovec data = {.iov_base = message->data, .iov_len = message->length};
  struct msghdr header = {
      .msg_name = (void*)to,
      .msg_namelen = to_length,
      .msg_iov = &data,
      .msg_iovlen = 1,
      .msg_control = message->control,
      .msg_controllen = message->control_length,
  };
  // MSG_NOSIGNAL: a closed peer must not raise SIGPIPE in the launcher; the process gets it below.
  ssize_t sent = sendmsg(socket_copy, &header, flags | MSG_NOSIGNAL);
  if (sent == -1 && errno == EPIPE && !(flags & MSG_NOSIGNAL)) {
    int pidfd = notified_pidfd(n);
    if (pidfd != -1) {
      if (syscall(SYS_pidfd_send_signal, pidfd, SIGPIPE, NULL, 0) == -1) warn("supervisor: cannot raise SIGPIPE: %s", strerror(errno));
      close_or_warn(pidfd);
    }
    errno = EPIPE;
  }
  return sent;
}
