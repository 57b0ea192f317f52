// Pathname AF_UNIX sockets with the network off (SPEC §4 step 6): connect,
// sendto and sendmsg to a socket file succeed only for the policy's
// allowUnixSockets, matched by exact resolved path.
//
// An allowed call is performed here, not continued: the supervisor takes the
// process's socket (pidfd_getfd) and connects or sends it itself, to the very
// file it vetted (through /proc/self/fd/N of an O_PATH descriptor), and
// answers with the result. A sibling thread rewriting the address, or a
// rename of the path, after the check changes nothing. Any other pathname
// address fails with EACCES.
//
// Addresses that name no file (abstract, unnamed, another family) are not
// this mediation's business:
//   - when the process is in a network namespace of its own, connect and
//     sendto are performed here too (the address can then only reach the
//     sandbox's own sockets), again leaving nothing to swap;
//   - otherwise they continue, so that Landlock's abstract-socket scope,
//     which is checked against the calling task, still applies; the kernel
//     then reads the address again, which leaves the swap-after-check gap
//     that Landlock's LANDLOCK_ACCESS_FS_RESOLVE_UNIX (ABI 9) closes.
// Narrower than the kernel, and documented: sendmsg to an allowed pathname
// with ancillary data (descriptors, credentials), and sendmmsg with any
// pathname address, fail with EACCES; sendmsg without an address continues.
#include <errno.h>
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

// The most one mediated send carries; the kernel's own limits for Unix
// datagrams are far lower, so nothing real is refused.
#define MAX_SEND_BYTES (16u * 1024 * 1024)
#define MAX_IOVECS 1024

struct address {
  struct sockaddr_storage bytes;
  socklen_t length;
};

// 0, or the errno the call fails with (as the kernel's move_addr_to_kernel).
static int read_address(pid_t pid, uint64_t at, uint64_t length, struct address* out) {
  if (length > sizeof out->bytes) return EINVAL;
  memset(out, 0, sizeof *out);
  out->length = (socklen_t)length;
  if (length > 0 && remote_read(pid, at, &out->bytes, length) == -1) return errno;
  return 0;
}

// The file path of a pathname AF_UNIX address (malloc'd), or NULL.
static char* pathname_of(const struct address* address) {
  const struct sockaddr_un* un = (const struct sockaddr_un*)&address->bytes;
  size_t offset = offsetof(struct sockaddr_un, sun_path);
  if (un->sun_family != AF_UNIX || address->length <= offset || un->sun_path[0] == '\0') return NULL;
  return strndup(un->sun_path, address->length - offset);
}

// The O_PATH descriptor of the allowed socket file `path` names for the
// process, or -1 when it is not one of the policy's.
static int vet(const struct notification* n, const char* path) {
  pid_t pid = (pid_t)n->request->pid;
  char* cwd = proc_link(pid, "cwd");
  if (cwd == NULL) return -1;
  int fd = open_as_process(pid, cwd, path, true);
  free(cwd);
  if (fd < 0) return -1;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char* resolved = link_target(link);
  bool allowed = false;
  for (size_t i = 0; resolved != NULL && i < n->plan->allowed_unix_socket_count; i++) {
    allowed = allowed || strcmp(resolved, n->plan->allowed_unix_sockets[i]) == 0;
  }
  free(resolved);
  if (!allowed) {
    close_or_warn(fd);
    return -1;
  }
  return fd;
}

// The address of the vetted file itself, whatever its path becomes.
static struct address vetted_address(int file) {
  struct address address = {.length = sizeof(struct sockaddr_un)};
  struct sockaddr_un* un = (struct sockaddr_un*)&address.bytes;
  un->sun_family = AF_UNIX;
  snprintf(un->sun_path, sizeof un->sun_path, "/proc/self/fd/%d", file);
  return address;
}

// A copy of the process's descriptor `fd`; -1 with errno.
static int take_socket(const struct notification* n, int fd) {
  int pidfd = notified_pidfd(n);
  if (pidfd == -1) return -1;
  int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  int error = errno;
  close_or_warn(pidfd);
  errno = error;
  return copy;
}

static bool own_network_namespace(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
  struct stat theirs, ours;
  if (stat(path, &theirs) == -1 || stat("/proc/self/ns/net", &ours) == -1) return false;
  return theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev;
}

// Reads `length` bytes of the process's data: one buffer, or an iovec array.
static char* read_data(pid_t pid, uint64_t at, size_t length) {
  char* data = malloc(length > 0 ? length : 1);
  if (data != NULL && length > 0 && remote_read(pid, at, data, length) == -1) {
    free(data);
    return NULL;
  }
  return data;
}

static char* read_iovecs(pid_t pid, uint64_t at, size_t count, size_t* length) {
  if (count > MAX_IOVECS) {
    errno = EMSGSIZE;
    return NULL;
  }
  struct iovec* vectors = calloc(count > 0 ? count : 1, sizeof *vectors);
  if (vectors == NULL) return NULL;
  char* data = NULL;
  if (count > 0 && remote_read(pid, at, vectors, count * sizeof *vectors) == -1) goto done;
  size_t total = 0;
  for (size_t i = 0; i < count; i++) {
    if (vectors[i].iov_len > MAX_SEND_BYTES - total) {
      errno = EMSGSIZE;
      goto done;
    }
    total += vectors[i].iov_len;
  }
  data = malloc(total > 0 ? total : 1);
  if (data == NULL) goto done;
  size_t offset = 0;
  for (size_t i = 0; i < count; i++) {
    if (vectors[i].iov_len > 0 &&
        remote_read(pid, (uint64_t)(uintptr_t)vectors[i].iov_base, data + offset, vectors[i].iov_len) == -1) {
      free(data);
      data = NULL;
      goto done;
    }
    offset += vectors[i].iov_len;
  }
  *length = total;
done:
  free(vectors);
  return data;
}

// Performs connect (data == NULL) or a send on a copy of the process's
// socket `fd`, and answers with the result.
static void perform(const struct notification* n, int fd, const struct address* to, const char* data,
                    size_t length, int flags) {
  int copy = take_socket(n, fd);
  if (copy == -1) {
    answer_error(n, errno);
    return;
  }
  ssize_t result;
  if (data == NULL) {
    result = connect(copy, (const struct sockaddr*)&to->bytes, to->length);
  } else {
    // MSG_NOSIGNAL: a closed peer is the process's EPIPE, not the launcher's SIGPIPE.
    result = sendto(copy, data, length, flags | MSG_NOSIGNAL, (const struct sockaddr*)&to->bytes, to->length);
  }
  int error = errno;
  close_or_warn(copy);
  if (result == -1) {
    answer_error(n, error);
  } else {
    answer_value(n, (long)result);
  }
}

// Decides one address-carrying connect or sendto/sendmsg. `data` is read
// only when the call is to be performed here.
struct call {
  int fd;
  struct address address;
  bool sends;
  bool has_ancillary;
  bool may_perform_other;  // an address that names no file may be performed here
  uint64_t data_at;
  size_t data_length;
  bool data_is_iovec;
  int flags;
};

static void decide(const struct notification* n, struct call* call) {
  pid_t pid = (pid_t)n->request->pid;
  char* path = pathname_of(&call->address);
  int file = -1;
  if (path != NULL) {
    file = vet(n, path);
    free(path);
    if (file == -1 || call->has_ancillary) {
      if (file != -1) close_or_warn(file);
      answer_error(n, EACCES);
      return;
    }
    call->address = vetted_address(file);
  } else if (!call->may_perform_other || !own_network_namespace(pid)) {
    answer_continue(n);
    return;
  }
  char* data = NULL;
  size_t length = call->data_length;
  if (call->sends) {
    if (call->data_is_iovec) {
      data = read_iovecs(pid, call->data_at, call->data_length, &length);
    } else if (call->data_length > MAX_SEND_BYTES) {
      errno = EMSGSIZE;
    } else {
      data = read_data(pid, call->data_at, call->data_length);
    }
  }
  if (call->sends && data == NULL) {
    answer_error(n, errno);
  } else {
    perform(n, call->fd, &call->address, data, length, call->flags);
  }
  free(data);
  if (file != -1) close_or_warn(file);
}

// sendmmsg: continued unless a message names a pathname, which is refused.
static void decide_sendmmsg(const struct notification* n) {
  const struct seccomp_data* d = &n->request->data;
  pid_t pid = (pid_t)n->request->pid;
  size_t count = d->args[2] > MAX_IOVECS ? MAX_IOVECS : (size_t)d->args[2];
  struct mmsghdr* messages = calloc(count > 0 ? count : 1, sizeof *messages);
  if (messages == NULL || (count > 0 && remote_read(pid, d->args[1], messages, count * sizeof *messages) == -1)) {
    answer_error(n, errno);
    free(messages);
    return;
  }
  for (size_t i = 0; i < count; i++) {
    struct address address;
    const struct msghdr* header = &messages[i].msg_hdr;
    if (header->msg_name == NULL || header->msg_namelen == 0) continue;
    int error = read_address(pid, (uint64_t)(uintptr_t)header->msg_name, header->msg_namelen, &address);
    char* path = error == 0 ? pathname_of(&address) : NULL;
    if (error != 0 || path != NULL) {
      free(path);
      free(messages);
      answer_error(n, error != 0 ? error : EACCES);
      return;
    }
  }
  free(messages);
  answer_continue(n);
}

void handle_socket_call(const struct notification* n) {
  const struct seccomp_data* d = &n->request->data;
  pid_t pid = (pid_t)n->request->pid;
  struct call call = {.fd = (int)d->args[0]};
  int error = 0;
  switch (d->nr) {
    case SYS_connect:
      call.may_perform_other = true;
      error = read_address(pid, d->args[1], d->args[2], &call.address);
      break;
    case SYS_sendto:
      call.sends = true;
      call.may_perform_other = true;
      call.data_at = d->args[1];
      call.data_length = (size_t)d->args[2];
      call.flags = (int)d->args[3];
      error = read_address(pid, d->args[4], d->args[5], &call.address);
      break;
    case SYS_sendmsg: {
      struct msghdr header;
      if (remote_read(pid, d->args[1], &header, sizeof header) == -1) {
        error = errno;
        break;
      }
      if (header.msg_name == NULL || header.msg_namelen == 0) {
        answer_continue(n);
        return;
      }
      call.sends = true;
      call.has_ancillary = header.msg_controllen > 0;
      call.data_is_iovec = true;
      call.data_at = (uint64_t)(uintptr_t)header.msg_iov;
      call.data_length = header.msg_iovlen;
      call.flags = (int)d->args[2];
      error = read_address(pid, (uint64_t)(uintptr_t)header.msg_name, header.msg_namelen, &call.address);
      break;
    }
    case SYS_sendmmsg:
      decide_sendmmsg(n);
      return;
    default:
      // A call the filter should not have sent here: refuse it.
      answer_error(n, ENOSYS);
      return;
  }
  if (error == 0 && !notification_valid(n)) error = ESRCH;
  if (error != 0) {
    answer_error(n, error);
    return;
  }
  decide(n, &call);
}
