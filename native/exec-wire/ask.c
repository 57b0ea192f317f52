// The whole of one question to the exec server: build, connect, exchange,
// parse. Every failure becomes a message; none becomes a "run".
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

int ask_exec_server(const char* socket_path, const struct exec_request* request, struct exec_response* out,
                    char* error, size_t error_size) {
  struct buffer line;
  buffer_init(&line, MAX_MESSAGE_BYTES);
  if (build_exec_request(&line, request) != 0) {
    if (errno == EMSGSIZE) {
      snprintf(error, error_size, "the exec request is longer than %d bytes", MAX_MESSAGE_BYTES);
    } else {
      snprintf(error, error_size, "out of memory building the exec request");
    }
    buffer_free(&line);
    return -1;
  }
  int fd = connect_exec_socket(socket_path, error, error_size);
  if (fd < 0) {
    buffer_free(&line);
    return -1;
  }
  struct buffer reply;
  buffer_init(&reply, MAX_MESSAGE_BYTES);
  int result = exchange_lines(fd, &line, &reply, error, error_size);
  buffer_free(&line);
  if (close(fd) != 0 && result == 0) {
    snprintf(error, error_size, "cannot close the exec socket: %s", strerror(errno));
    result = -1;
  }
  if (result == 0) {
    result = parse_exec_response(reply.data, reply.length, request->request_id, out, error, error_size);
  }
  buffer_free(&reply);
  return result;
}
