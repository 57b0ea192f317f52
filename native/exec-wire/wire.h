// The exec bridge wire format (SPEC §5), in the one place that builds and
// parses it: the EXEC_WRAPPER wrapper and the Linux exec supervisor both link
// these files, so the two can never disagree about a byte.
//
// One connection per exec. The client sends one request line, then shuts
// down its sending side (a Codex server reads to end of file before it
// answers), then reads one reply line.
//
// Request (members in this order; one line, newline-terminated):
//   {"type":"exec_request",
//    "request_id":"<uuid v4>",
//    "file":"<the path as the program gave it>",   (execveat: joined to its directory
//                                                 descriptor's path; AT_EMPTY_PATH: /proc/self/fd/N)
//    "argv":["<argv[0]>", ...],
//    "cwd":"<absolute working directory>",
//    -- the supervisor adds these (a wrapper, which cannot know them, does not):
//    "executable":"<absolute path the kernel will run, symlinks resolved>"   (absent when unknown or anonymous)
//    "interpreter":"<what really runs the file: the #! interpreter, or a PT_INTERP that is not the system loader>"|null,
//    "anonymous":true|false      (memfd, deleted file, O_TMPFILE: no name on disk)
//    "pid":<pid of the exec'ing thread, as the launcher sees it (its PID namespace)>,
//    -- when the host named variables to read (the supervisor: --exec-env; the wrapper: CORDON_EXEC_ENVIRONMENT):
//    "environment":["NAME=VALUE", ...]   (only those variables of the exec's environment, in its order)
//    -- only when needed (lossless non-UTF-8):
//    "file_b64":"...", "cwd_b64":"...", "argv_b64":["...", ...], "environment_b64":["...", ...]}
// JSON carries text, so when `file`, `cwd` or any argv element is not valid
// UTF-8, the plain member shows it with every invalid byte replaced by U+FFFD
// and the _b64 sibling carries the exact bytes (standard base64, padded;
// argv_b64 and environment_b64 hold every element, valid or not).
//
// Reply:
//   {"type":"exec_response","request_id":"<same>","action":"run"|"deny","reason":null|"..."}
// parsed strictly: exactly these members, reason optional; cordon's host may
// add "abort":true to a deny (end the whole run) and "cache":"program" to a
// run (the answer holds for every exec of this program in the run; only a
// session, below, is told so, and a wrapper ignores it).
//
// A session (the exec supervisor with --exec-session, cordon's own host
// only): one connection for the whole run instead of one per exec. The
// supervisor sends EXEC_SESSION_HELLO first, then, in the order the execs
// reach it, any number of
//   exec_request lines, each answered by an exec_response with its
//     request_id, in whatever order the host decides them, and
//   exec_record lines (the members of an exec_request, "type":"exec_record"):
//     an exec the supervisor answered itself from a kept decision, which the
//     host lists and does not answer.
// The host may send EXEC_FORGET_LINE at any time: every kept decision is
// dropped, and the next exec of each program is asked again.
//
// Either message is at most MAX_MESSAGE_BYTES (the newline excluded): the
// kernel accepts argument lists of up to 6 MiB, which must be decided, not
// refused, even when every byte is escaped or replaced.
#ifndef CORDON_EXEC_WIRE_H
#define CORDON_EXEC_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#define MAX_MESSAGE_BYTES (32 * 1024 * 1024)

#define EXEC_SESSION_HELLO "{\"type\":\"exec_session\",\"version\":1}\n"
#define EXEC_FORGET_LINE "{\"type\":\"exec_forget\"}"

// A growable byte buffer with a hard size limit, so neither a huge argv nor a
// hostile reply can make the client allocate without bound.
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
bool utf8_valid(const char* s);

// Appends the standard (padded) base64 form of `count` bytes.
int base64_append(struct buffer* out, const unsigned char* bytes, size_t count);

// Writes a fresh random (version 4) UUID, 36 characters plus NUL.
#define UUID_TEXT_SIZE 37
int uuid_generate(char out[UUID_TEXT_SIZE]);

// One exec to ask about. Strings are NUL-terminated bytes, any encoding.
struct exec_request {
  // "exec_record" for a session's record of an exec it answered itself; else "exec_request".
  bool record;
  const char* request_id;
  const char* file;
  const char* const* argv;
  size_t argc;
  const char* cwd;
  // The supervisor's members; false for a wrapper, which sends Codex's exact members.
  bool has_details;
  const char* executable;   // NULL: absent
  const char* interpreter;  // NULL: null
  bool anonymous;
  long pid;
  // The variables of the exec's environment the host asked for ("NAME=VALUE");
  // has_environment false: none was asked for, and the member is absent.
  bool has_environment;
  const char* const* environment;
  size_t environment_count;
};
// Whether "NAME=VALUE" names one of `names` (a name ending in '*' is a prefix).
bool environment_entry_wanted(const char* entry, const char* const* names, size_t name_count);

// Builds the exec_request line (newline included). 0 on success; -1 with
// errno EMSGSIZE (over MAX_MESSAGE_BYTES) or ENOMEM.
int build_exec_request(struct buffer* out, const struct exec_request* request);

// Opens a close-on-exec connection to the Unix socket at `path`; returns the
// fd or -1 with a message in `error` (size `error_size`).
int connect_exec_socket(const char* path, char* error, size_t error_size);

// Sends all of `data` (never raising SIGPIPE); 0, or -1 with errno and a message in `error`.
int send_all(int fd, const char* data, size_t length, char* error, size_t error_size);

// Sends `request`, shuts down the sending side, and reads one reply line
// (without its newline) into `reply`. There is deliberately no timeout: the
// host may be waiting for a person. 0 on success; -1 with a message in `error`.
int exchange_lines(int fd, const struct buffer* request, struct buffer* reply, char* error, size_t error_size);

// The host's answer.
struct exec_response {
  bool run;
  char* reason;  // malloc'd, NULL when the reply carries null or no reason
  // A deny that also ends the whole run (a person answered abort): the
  // supervisor kills the run before the refused exec can return to it.
  bool abort;
  // A run that holds for every exec of the same program in this run ("cache":"program").
  bool keep_for_program;
  // The request_id answered, malloc'd: set only when parsed with a NULL `request_id`.
  char* request_id;
};
// Parses one reply line strictly; checks it answers `request_id`, or with a
// NULL `request_id` (a session) returns the one it answers. 0 on success; -1
// with a message in `error`.
int parse_exec_response(const char* line, size_t length, const char* request_id, struct exec_response* out,
                        char* error, size_t error_size);

// connect + exchange + parse, the whole of one question: 0 with `out` filled,
// or -1 with a message in `error`. Closes the connection either way.
int ask_exec_server(const char* socket_path, const struct exec_request* request, struct exec_response* out,
                    char* error, size_t error_size);

#endif
