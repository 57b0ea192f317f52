// Where the process's sockets may connect and send with the network off
// (SPEC §4 step 6). The filter sends connect, sendto with an address,
// sendmsg and sendmmsg here.
//
// Every such call is performed here and answered with its result, never
// continued: after CONTINUE the kernel would read the descriptor table and
// the call's memory again, and a sibling thread could by then have put
// another address in the header (NULL <-> a host socket's path, an abstract
// name's first byte '\0' <-> '/') or another socket on the descriptor
// (dup2). So the supervisor takes the process's socket (pidfd_getfd),
// decides by that socket's own family and namespace and by the address as
// read once, and connects or sends the copy itself, with the data and
// control messages read once (supervisor-send.c).
//
// Where a call may go:
//   - no address (a connected socket): wherever the socket already goes;
//   - a pathname, for a Unix socket: the file it resolves to, exactly as the
//     process resolves it, when it is one of the policy's
//     allowUnixSockets, or when a socket of the sandbox's own network
//     namespace is bound to it (a listener the command started itself;
//     supervisor-network.c). The call is then made to that very file
//     (/proc/self/fd/N of an O_PATH descriptor), so a rename after the check
//     changes nothing. Any other socket file, a host daemon's, under a
//     writable root or not, fails with EACCES. Without a namespace of its
//     own (downgraded) only the allowUnixSockets are reached;
//   - an abstract name, or any address on a socket of another family: only
//     on a socket of the sandbox's own network namespace, where it can reach
//     nothing but the sandbox's own sockets and loopback; on any other
//     socket (one the host passed in, or every socket when there is no such
//     namespace) it fails with EACCES;
//   - on a Unix socket, an address that names no peer (AF_UNSPEC, too short,
//     another family), or any address of a stream or seqpacket send (the
//     kernel never looks it up): performed as given; the kernel refuses,
//     disconnects or ignores it.
#include <errno.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

// The process's socket, as taken from it.
struct taken_socket {
  int copy;
  int family;
  int type;
};

// Where a call goes: the address as read from the process, or the vetted
// socket file it was rewritten to.
struct destination {
  struct sockaddr_storage bytes;
  socklen_t length;
  int vetted_file;  // O_PATH descriptor of the vetted socket file, or -1
};

// 0, or the errno the call fails with (as the kernel's move_addr_to_kernel).
static int read_address(pid_t pid, uint64_t at, uint64_t length, struct destination* out) {
  memset(out, 0, sizeof *out);
  out->vetted_file = -1;
  if (length > sizeof out->bytes) return EINVAL;
  out->length = (socklen_t)length;
  if (length > 0 && remote_read(pid, at, &out->bytes, length) == -1) return errno;
  return 0;
}

// The file path of a pathname AF_UNIX address (malloc'd), or NULL.
static char* pathname_of(const struct destination* to) {
  const struct sockaddr_un* un = (const struct sockaddr_un*)&to->bytes;
  size_t offset = offsetof(struct sockaddr_un, sun_path);
  if (un->sun_family != AF_UNIX || to->length <= offset || un->sun_path[0] == '\0') return NULL;
  return strndup(un->sun_path, to->length - offset);
}

static bool is_abstract(const struct destination* to) {
  const struct sockaddr_un* un = (const struct sockaddr_un*)&to->bytes;
  return un->sun_family == AF_UNIX && to->length > offsetof(struct sockaddr_un, sun_path) && un->sun_path[0] == '\0';
}

static bool in_allowed_list(const struct notification* n, int file) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", file);
  char* resolved = link_target(link);
  bool allowed = false;
  for (size_t i = 0; resolved != NULL && i < n->plan->allowed_unix_socket_count; i++) {
    allowed = allowed || strcmp(resolved, n->plan->allowed_unix_sockets[i]) == 0;
  }
  free(resolved);
  return allowed;
}

// The O_PATH descriptor of the socket file `path` names for the process,
// when it may be reached; otherwise -errno: the lookup's own error (as the
// process would get it: ENOENT, ENOTDIR...), ECONNREFUSED for a file that
// is no socket, EACCES for a socket it may not reach.
static int vet(const struct notification* n, const char* path) {
  // A relative path from the process's own working directory, looked up as it would.
  int fd = open_as_process((pid_t)n->request->pid, NULL, path, true);
  // EXDEV: through a link the supervisor does not follow; nothing it can vouch for.
  if (fd < 0) return fd == -EXDEV ? -EACCES : fd;
  struct stat st;
  int error = fstat(fd, &st) == -1 ? errno : 0;
  if (error == 0 && !S_ISSOCK(st.st_mode)) error = ECONNREFUSED;
  if (error == 0 && !in_allowed_list(n, fd) && !bound_in_sandbox_network(n, &st)) error = EACCES;
  if (error == 0) return fd;
  close_or_warn(fd);
  return -error;
}

// 0 when the call may go to `to` (a pathname rewritten to the vetted file),
// or the errno it fails with. A send on a Unix stream or seqpacket socket
// passes its address as given: the kernel never looks it up (a stream send
// with one fails with EOPNOTSUPP or EISCONN, a seqpacket send ignores it),
// and the copy's type cannot change.
static int judge(const struct notification* n, const struct taken_socket* s, bool sends, struct destination* to) {
  if (to->length == 0) return 0;
  if (sends && s->family == AF_UNIX && (s->type == SOCK_STREAM || s->type == SOCK_SEQPACKET)) return 0;
  if (s->family != AF_UNIX || is_abstract(to)) return socket_in_sandbox_network(n, s->copy) ? 0 : EACCES;
  char* path = pathname_of(to);
  if (path == NULL) return 0;
  int vetted = vet(n, path);
  free(path);
  if (vetted < 0) return -vetted;
  to->vetted_file = vetted;
  struct sockaddr_un* un = (struct sockaddr_un*)&to->bytes;
  memset(un, 0, sizeof *un);
  un->sun_family = AF_UNIX;
  snprintf(un->sun_path, sizeof un->sun_path, "/proc/self/fd/%d", to->vetted_file);
  to->length = sizeof *un;
  return 0;
}

static void release(struct destination* to) {
  if (to->vetted_file != -1) close_or_warn(to->vetted_file);
  to->vetted_file = -1;
}

static const void* address_or_null(const struct destination* to) { return to->length > 0 ? &to->bytes : NULL; }

// Sends one message whose header was read from the process: the result, or -1 with errno.
static ssize_t send_message(const struct notification* n, const struct taken_socket* s, const struct msghdr* header,
                            int flags) {
  // The kernel's reading of a header (__copy_msghdr, ____sys_sendmsg).
  uint64_t name_length = header->msg_name == NULL ? 0 : header->msg_namelen;
  if ((int)name_length < 0) {
    errno = EINVAL;
    return -1;
  }
  if (name_length > sizeof(struct sockaddr_storage)) name_length = sizeof(struct sockaddr_storage);
  if (header->msg_controllen > INT_MAX) {
    errno = ENOBUFS;
    return -1;
  }
  struct destination to;
  int error = read_address((pid_t)n->request->pid, (uint64_t)(uintptr_t)header->msg_name, name_length, &to);
  if (error == 0) error = judge(n, s, true, &to);
  ssize_t sent = -1;
  if (error == 0) {
    struct outgoing message;
    error = outgoing_read(n, s->family, s->type, (uint64_t)(uintptr_t)header->msg_iov, header->msg_iovlen, 0,
                          (uint64_t)(uintptr_t)header->msg_control, header->msg_controllen, &message);
    if (error == 0) sent = outgoing_send(n, s->copy, &message, address_or_null(&to), to.length, flags);
    if (error == 0 && sent == -1) error = errno;
    outgoing_free(&message);
  }
  release(&to);
  errno = error;
  return error == 0 ? sent : -1;
}

static void answer_result(const struct notification* n, ssize_t result) {
  if (result == -1) {
    answer_error(n, errno);
  } else {
    answer_value(n, (long)result);
  }
}

static void handle_connect(const struct notification* n, const struct taken_socket* s) {
  const struct seccomp_data* d = &n->request->data;
  struct destination to;
  int error = read_address((pid_t)n->request->pid, d->args[1], d->args[2], &to);
  if (error == 0) error = judge(n, s, false, &to);
  if (error == 0 && connect(s->copy, (const struct sockaddr*)&to.bytes, to.length) == -1) error = errno;
  release(&to);
  answer_error(n, error);
}

static void handle_sendto(const struct notification* n, const struct taken_socket* s) {
  const struct seccomp_data* d = &n->request->data;
  struct destination to;
  int error = read_address((pid_t)n->request->pid, d->args[4], d->args[5], &to);
  if (error == 0) error = judge(n, s, true, &to);
  ssize_t sent = -1;
  if (error == 0) {
    struct outgoing message;
    error = outgoing_read(n, s->family, s->type, d->args[1], SIZE_MAX, (size_t)d->args[2], 0, 0, &message);
    if (error == 0) sent = outgoing_send(n, s->copy, &message, address_or_null(&to), to.length, (int)d->args[3]);
    if (error == 0 && sent == -1) error = errno;
    outgoing_free(&message);
  }
  release(&to);
  errno = error;
  answer_result(n, error == 0 ? sent : -1);
}

static void handle_sendmsg(const struct notification* n, const struct taken_socket* s) {
  const struct seccomp_data* d = &n->request->data;
  struct msghdr header;
  if (remote_read((pid_t)n->request->pid, d->args[1], &header, sizeof header) == -1) {
    answer_error(n, errno);
    return;
  }
  answer_result(n, send_message(n, s, &header, (int)d->args[2]));
}

static int remote_write(pid_t pid, uint64_t address, const void* data, size_t size) {
  struct iovec local = {(void*)data, size};
  struct iovec remote = {(void*)(uintptr_t)address, size};
  ssize_t written = process_vm_writev(pid, &local, 1, &remote, 1, 0);
  if (written == (ssize_t)size) return 0;
  if (written >= 0) errno = EFAULT;
  return -1;
}

// As the kernel's __sys_sendmmsg: each message in turn, its msg_len written
// back; the count sent, or the first error when none was.
static void handle_sendmmsg(const struct notification* n, const struct taken_socket* s) {
  const struct seccomp_data* d = &n->request->data;
  pid_t pid = (pid_t)n->request->pid;
  // IOV_MAX is the kernel's UIO_MAXIOV, also its cap on this vector (the rest is ignored).
  size_t count = d->args[2] > IOV_MAX ? IOV_MAX : (size_t)d->args[2];
  long sent = 0;
  int error = 0;
  for (size_t i = 0; i < count; i++) {
    uint64_t at = d->args[1] + i * sizeof(struct mmsghdr);
    struct mmsghdr entry;
    if (remote_read(pid, at, &entry, sizeof entry) == -1) {
      error = errno;
      break;
    }
    ssize_t result = send_message(n, s, &entry.msg_hdr, (int)d->args[3]);
    if (result == -1) {
      error = errno;
      break;
    }
    unsigned int length = (unsigned int)result;
    if (remote_write(pid, at + offsetof(struct mmsghdr, msg_len), &length, sizeof length) == -1) {
      error = errno;
      break;
    }
    sent++;
  }
  if (sent > 0 || error == 0) {
    answer_value(n, sent);
  } else {
    answer_error(n, error);
  }
}

// A copy of the process's descriptor `fd`, with its family and type; 0 or the errno the call fails with.
static int take_socket(const struct notification* n, int fd, struct taken_socket* out) {
  int pidfd = notified_pidfd(n);
  if (pidfd == -1) return errno;
  out->copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  int error = out->copy == -1 ? errno : 0;
  close_or_warn(pidfd);
  if (error != 0) return error;
  socklen_t length = sizeof out->family;
  if (getsockopt(out->copy, SOL_SOCKET, SO_DOMAIN, &out->family, &length) == -1) error = errno;
  length = sizeof out->type;
  if (error == 0 && getsockopt(out->copy, SOL_SOCKET, SO_TYPE, &out->type, &length) == -1) error = errno;
  if (error != 0) close_or_warn(out->copy);
  return error;
}

void handle_socket_call(const struct notification* n) {
  const struct seccomp_data* d = &n->request->data;
  struct taken_socket s;
  int error = take_socket(n, (int)d->args[0], &s);
  if (error != 0) {
    answer_error(n, error);
    return;
  }
  switch (d->nr) {
    case SYS_connect:
      handle_connect(n, &s);
      break;
    case SYS_sendto:
      handle_sendto(n, &s);
      break;
    case SYS_sendmsg:
      handle_sendmsg(n, &s);
      break;
    case SYS_sendmmsg:
      handle_sendmmsg(n, &s);
      break;
    default:
      // A call the filter should not have sent here: refuse it.
      answer_error(n, ENOSYS);
      break;
  }
  close_or_warn(s.copy);
}
