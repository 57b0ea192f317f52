// The supervisor's one connection to the host for a whole run (a session;
// its lines are described in native/exec-wire/wire.h), used with
// --exec-session instead of a connection per exec.
//
// Any supervisor thread may write a line; the write lock keeps each line
// whole and the lines in the order the execs reached the supervisor. A
// thread that asks registers its request_id before its line goes out, then
// waits; the reader thread hands each reply to the thread that asked, and
// empties the kept decisions when the host says so.
//
// A record is in the socket before the exec it records continues, so the
// host reads it even when the launcher is killed right after. A host that
// stops reading makes a write wait, at most SEND_TIMEOUT_SECONDS; then, as on
// any broken line, malformed reply or end of file, the session is broken for
// good and every later exec is refused with the reason, so nothing runs
// unrecorded.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../exec-wire/wire.h"
#include "supervisor.h"

#define SEND_TIMEOUT_SECONDS 60

// One thread waiting for its reply; lives on that thread's stack.
struct pending {
  const char* request_id;
  bool answered;
  struct exec_response response;
  struct pending* next;
};

struct session {
  int fd;
  struct kept* kept;
  pthread_mutex_t write_lock;
  pthread_mutex_t lock;     // guards pending, broken and problem
  pthread_cond_t changed;   // a reply arrived, or the session broke
  struct pending* pending;
  bool broken;
  char problem[256];
};

// Marks the session broken (the first reason stays) and wakes every waiter. Call with `lock` held.
static void break_locked(struct session* s, const char* problem) {
  if (!s->broken) {
    s->broken = true;
    snprintf(s->problem, sizeof s->problem, "%s", problem);
    // The reader stops at once, and the host sees the end of the session.
    if (shutdown(s->fd, SHUT_RDWR) == -1 && errno != ENOTCONN) warn("supervisor: shutdown of the exec session: %s", strerror(errno));
  }
  pthread_cond_broadcast(&s->changed);
}

static void break_session(struct session* s, const char* problem) {
  pthread_mutex_lock(&s->lock);
  break_locked(s, problem);
  pthread_mutex_unlock(&s->lock);
}

struct session* session_open(const char* socket_path, struct kept* kept, char* error, size_t error_size) {
  struct session* s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  s->kept = kept;
  s->fd = connect_exec_socket(socket_path, error, error_size);
  if (s->fd < 0) goto failed;
  struct timeval timeout = {.tv_sec = SEND_TIMEOUT_SECONDS};
  if (setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == -1) {
    snprintf(error, error_size, "cannot set a send timeout on the exec session: %s", strerror(errno));
    goto failed;
  }
  if (send_all(s->fd, EXEC_SESSION_HELLO, strlen(EXEC_SESSION_HELLO), error, error_size) != 0) goto failed;
  int failed_at = pthread_mutex_init(&s->write_lock, NULL);
  if (failed_at == 0) failed_at = pthread_mutex_init(&s->lock, NULL);
  if (failed_at == 0) failed_at = pthread_cond_init(&s->changed, NULL);
  if (failed_at != 0) {
    snprintf(error, error_size, "cannot set up the exec session: %s", strerror(failed_at));
    goto failed;
  }
  return s;
failed:
  if (s->fd >= 0) close_or_warn(s->fd);
  free(s);
  return NULL;
}

// Writes one line; 0, or -1 with the session broken and the reason in `error`.
static int send_line(struct session* s, const struct buffer* line, char* error, size_t error_size) {
  int result = send_all(s->fd, line->data, line->length, error, error_size);
  if (result != 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      snprintf(error, error_size, "the host read nothing from the exec session for %d s", SEND_TIMEOUT_SECONDS);
    }
    break_session(s, error);
  }
  return result;
}

static int build(const struct exec_request* request, struct buffer* line, char* error, size_t error_size) {
  buffer_init(line, MAX_MESSAGE_BYTES);
  if (build_exec_request(line, request) == 0) return 0;
  if (errno == EMSGSIZE) {
    snprintf(error, error_size, "the exec request is longer than %d bytes", MAX_MESSAGE_BYTES);
  } else {
    snprintf(error, error_size, "out of memory building the exec request");
  }
  buffer_free(line);
  return -1;
}

// Whether the session is broken; copies the reason into `error` when it is. Call with `lock` held.
static bool broken_locked(struct session* s, char* error, size_t error_size) {
  if (s->broken) snprintf(error, error_size, "%s", s->problem);
  return s->broken;
}

int session_record(struct session* s, const struct exec_request* request, char* error, size_t error_size) {
  struct buffer line;
  if (build(request, &line, error, error_size) != 0) return -1;
  pthread_mutex_lock(&s->write_lock);
  pthread_mutex_lock(&s->lock);
  bool broken = broken_locked(s, error, error_size);
  pthread_mutex_unlock(&s->lock);
  int result = broken ? -1 : send_line(s, &line, error, error_size);
  pthread_mutex_unlock(&s->write_lock);
  buffer_free(&line);
  return result;
}

int session_ask(struct session* s, const struct exec_request* request, struct exec_response* out, char* error,
                size_t error_size) {
  struct buffer line;
  if (build(request, &line, error, error_size) != 0) return -1;
  struct pending me = {.request_id = request->request_id};
  pthread_mutex_lock(&s->write_lock);
  pthread_mutex_lock(&s->lock);
  bool broken = broken_locked(s, error, error_size);
  if (!broken) {
    // Registered before the line goes out, so no reply can come too early.
    me.next = s->pending;
    s->pending = &me;
  }
  pthread_mutex_unlock(&s->lock);
  int result = broken ? -1 : send_line(s, &line, error, error_size);
  pthread_mutex_unlock(&s->write_lock);
  buffer_free(&line);

  pthread_mutex_lock(&s->lock);
  while (!broken && !me.answered && !s->broken) pthread_cond_wait(&s->changed, &s->lock);
  if (!broken) {
    for (struct pending** at = &s->pending; *at != NULL; at = &(*at)->next) {
      if (*at == &me) {
        *at = me.next;
        break;
      }
    }
  }
  if (me.answered && result == 0) {
    *out = me.response;
  } else {
    if (result == 0) broken_locked(s, error, error_size);
    free(me.response.reason);
    result = -1;
  }
  pthread_mutex_unlock(&s->lock);
  return result;
}

// One line from the host. 0, or -1 with the reason in `problem`.
static int take_line(struct session* s, const char* line, size_t length, char* problem, size_t problem_size) {
  if (length == strlen(EXEC_FORGET_LINE) && memcmp(line, EXEC_FORGET_LINE, length) == 0) {
    kept_forget(s->kept);
    return 0;
  }
  struct exec_response response = {0};
  if (parse_exec_response(line, length, NULL, &response, problem, problem_size) != 0) return -1;
  pthread_mutex_lock(&s->lock);
  struct pending* asking = s->pending;
  while (asking != NULL && (asking->answered || strcmp(asking->request_id, response.request_id) != 0)) asking = asking->next;
  if (asking != NULL) {
    asking->response = response;
    asking->response.request_id = NULL;
    asking->answered = true;
    pthread_cond_broadcast(&s->changed);
  }
  pthread_mutex_unlock(&s->lock);
  if (asking == NULL) {
    snprintf(problem, problem_size, "the exec server answered a request that is not waiting (%s)", response.request_id);
    free(response.reason);
  }
  free(response.request_id);
  return asking != NULL ? 0 : -1;
}

void* session_read_replies(void* argument) {
  struct session* s = argument;
  struct buffer pending_line;
  buffer_init(&pending_line, MAX_MESSAGE_BYTES);
  char problem[256] = "the exec server closed the session";
  char chunk[4096];
  for (;;) {
    ssize_t got = read(s->fd, chunk, sizeof chunk);
    if (got == -1 && errno == EINTR) continue;
    if (got == -1) snprintf(problem, sizeof problem, "cannot read from the exec session: %s", strerror(errno));
    if (got <= 0) break;
    size_t start = 0;
    bool failed = false;
    for (size_t i = 0; i <= (size_t)got && !failed; i++) {
      bool end_of_line = i < (size_t)got && chunk[i] == '\n';
      if (!end_of_line && i < (size_t)got) continue;
      if (buffer_append(&pending_line, chunk + start, i - start) != 0) {
        snprintf(problem, sizeof problem, "a line from the exec server is longer than %d bytes", MAX_MESSAGE_BYTES);
        failed = true;
      } else if (end_of_line) {
        failed = take_line(s, pending_line.data, pending_line.length, problem, sizeof problem) != 0;
        pending_line.length = 0;
        start = i + 1;
      }
    }
    if (failed) break;
  }
  buffer_free(&pending_line);
  break_session(s, problem);
  return NULL;
}
