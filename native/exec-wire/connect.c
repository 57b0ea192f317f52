// Connects to the exec server's Unix socket.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"

int connect_exec_socket(const char* path, char* error, size_t error_size) {
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof address.sun_path) {
    snprintf(error, error_size, "the exec socket path is too long for a Unix socket: %s", path);
    return -1;
  }
  memcpy(address.sun_path, path, strlen(path) + 1);

#ifdef SOCK_CLOEXEC
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#else
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
#endif
  if (fd < 0) {
    snprintf(error, error_size, "cannot create a Unix socket: %s", strerror(errno));
    return -1;
  }
#ifndef SOCK_CLOEXEC
  // The socket must not leak into the program the wrapper becomes (macOS has no SOCK_CLOEXEC).
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    snprintf(error, error_size, "cannot set close-on-exec on the exec socket: %s", strerror(errno));
    close(fd);
    return -1;
  }
#endif
  if (connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
    snprintf(error, error_size, "cannot reach the exec server at %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}
