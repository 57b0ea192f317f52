// One request line out, then end of file (a Codex server reads the request
// to end of file before it answers), then one reply line back. There is
// deliberately no timeout on the reply: the host may be waiting for a person
// to decide. End of file before the newline means the server is gone.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

int send_all(int fd, const char* data, size_t length, char* error, size_t error_size) {
  while (length > 0) {
    // MSG_NOSIGNAL: a vanished server must become an error, not SIGPIPE.
    ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      int failure = errno;
      snprintf(error, error_size, "cannot send to the exec server: %s", strerror(failure));
      errno = failure;
      return -1;
    }
    data += sent;
    length -= (size_t)sent;
  }
  return 0;
}

static int read_line(int fd, struct buffer* reply, char* error, size_t error_size) {
  char chunk[4096];
  for (;;) {
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0) {
      if (errno == EINTR) continue;
      snprintf(error, error_size, "cannot read the exec server's reply: %s", strerror(errno));
      return -1;
    }
    if (got == 0) {
      snprintf(error, error_size, "the exec server closed the connection without answering");
      return -1;
    }
    char* newline = memchr(chunk, '\n', (size_t)got);
    size_t keep = newline ? (size_t)(newline - chunk) : (size_t)got;
    if (buffer_append(reply, chunk, keep) != 0) {
      if (errno == EMSGSIZE) {
        snprintf(error, error_size, "the exec server's reply is longer than %d bytes", MAX_MESSAGE_BYTES);
      } else {
        snprintf(error, error_size, "out of memory reading the exec server's reply");
      }
      return -1;
    }
    if (newline) return 0;
  }
}

int exchange_lines(int fd, const struct buffer* request, struct buffer* reply, char* error,
                   size_t error_size) {
  if (send_all(fd, request->data, request->length, error, error_size) != 0) return -1;
  if (shutdown(fd, SHUT_WR) != 0) {
    snprintf(error, error_size, "cannot finish sending the exec request: %s", strerror(errno));
    return -1;
  }
  return read_line(fd, reply, error, error_size);
}
