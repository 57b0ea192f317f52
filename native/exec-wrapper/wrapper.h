// cordon-exec-wrapper: asks the exec server whether one exec may run, then
// runs it in place or refuses. Shared declarations of its parts.
#ifndef CORDON_EXEC_WRAPPER_H
#define CORDON_EXEC_WRAPPER_H

#include <stddef.h>

// Exit statuses: the program was refused, or cordon itself failed.
#define EXIT_DENIED 126
#define EXIT_CORDON_FAILURE 125

// One message line in either direction is at most this long (SPEC §5).
#define MAX_MESSAGE_BYTES (1024 * 1024)

// A growable byte buffer with a hard size limit.
struct buffer {
  char* data;
  size_t length;
  size_t capacity;
  size_t limit;
};
void buffer_init(struct buffer* buf, size_t limit);
// 0 on success; -1 with errno ENOMEM (allocation) or EMSGSIZE (over the limit).
int buffer_append(struct buffer* buf, const char* bytes, size_t count);
void buffer_free(struct buffer* buf);

// Length of the valid UTF-8 sequence starting at `s` (at most `available`
// bytes), or 0 when the bytes there are not valid UTF-8.
size_t utf8_sequence_length(const unsigned char* s, size_t available);
// Whether the NUL-terminated string is valid UTF-8.
int utf8_valid(const char* s);

// Writes a fresh random (version 4) UUID, 36 characters plus NUL.
#define UUID_TEXT_SIZE 37
int uuid_generate(char out[UUID_TEXT_SIZE]);

// Builds the exec_request line (newline included). 0 on success; -1 with
// errno EMSGSIZE or ENOMEM. Strings must be valid UTF-8 (checked earlier).
int build_exec_request(struct buffer* out, const char* request_id, const char* file,
                       char* const* argv, int argc, const char* cwd);

// Opens a connection to the Unix socket at `path`; returns the fd or -1 with
// a message in `error` (size `error_size`).
int connect_exec_socket(const char* path, char* error, size_t error_size);

// Sends `request` and reads one reply line (without its newline) into `reply`.
// 0 on success; -1 with a message in `error`.
int exchange_lines(int fd, const struct buffer* request, struct buffer* reply, char* error,
                   size_t error_size);

// The host's answer.
struct exec_response {
  int run;       // 1: run, 0: deny
  char* reason;  // malloc'd, NULL when the reply carries null
};
// Parses one reply line strictly; checks it answers `request_id`. 0 on
// success; -1 with a message in `error`.
int parse_exec_response(const char* line, size_t length, const char* request_id,
                        struct exec_response* out, char* error, size_t error_size);

#endif
