// The exec supervisor's design (SPEC §5). It acts, outside the sandbox and
// with more rights than the command, on what the command names, so it keeps
// three invariants:
//
//   1. It resolves exactly as the process would. Every path it looks at (the
//      exec's file, #! interpreters, PT_INTERP, socket addresses, metadata
//      changes) is looked up one component at a time from the process's own
//      root, working directory or descriptor, with the process's credentials,
//      /proc/self and /proc/thread-self as the process's, and only the
//      process's own magic links followed (supervisor-lookup.c). What cannot
//      be looked up exactly is not guessed: the exec is judged anonymous
//      (denied unless allowed), the metadata change refused.
//   2. It never reads or writes anything the process could not. It opens a
//      file for reading only once an O_PATH descriptor shows a regular file
//      the process may execute (never a FIFO or a device), and makes a
//      metadata change only as the process (its ids and groups, no
//      capability), on the file the lookup found.
//   3. It never answers CONTINUE to a call whose arguments in the process's
//      memory decide the outcome, since the kernel reads them again after the
//      answer and a sibling thread may have changed them: such a call is
//      performed here, on what was checked, and its result answered. The one
//      exception is exec, which only the kernel can perform: a path or argv
//      swapped after approval runs unasked, still confined (a known limit).
//      An exec whose answer is an abort is not answered at all: the run is
//      killed first, so the refused exec never returns to the shell.
//
// Its parts call one way only: this loop calls the handlers (exec, sockets,
// metadata); they stand on the lookups, the process's memory and
// credentials, and on supervisor-notification.c, which answers.
//
// The notification loop: a pool of threads, each receiving a notification
// and answering it itself, so the thread the kernel wakes is the one that
// answers (no hand-over), and an exec waiting for a person holds up only its
// own thread (make -j2). The pool grows while every thread is busy, up to
// MAX_THREADS; past that the next process waits in the kernel until a
// thread is free.
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

#define MAX_THREADS 64
// Room for the supervisor's own buffers; large data lives on the heap.
#define THREAD_STACK_SIZE (256 * 1024)

// Linux 6.6: wake the answered process on this CPU right away; the
// supervisor and the process take turns, so this halves the latency.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

struct supervisor {
  int listener;
  const struct plan* plan;
  struct session* session;
  struct kept* kept;
  struct seccomp_notif_sizes sizes;
  pthread_attr_t attributes;
  atomic_int threads;  // started
  atomic_int idle;     // waiting to receive
};

static void handle(const struct notification* n) {
  int nr = n->request->data.nr;
  if (nr == SYS_execve || nr == SYS_execveat) {
    handle_exec(n);
  } else if (is_metadata_call(nr)) {
    handle_metadata_call(n);
  } else {
    handle_socket_call(n);
  }
}

// Whether every process of the filter has ended (the listener polls as hung up).
static bool listener_hung_up(int listener) {
  struct pollfd fd = {.fd = listener, .events = POLLIN};
  int ready;
  do ready = poll(&fd, 1, 0);
  while (ready == -1 && errno == EINTR);
  if (ready == -1) {
    warn("supervisor: poll: %s", strerror(errno));
    return true;
  }
  return ready == 1 && (fd.revents & (POLLHUP | POLLERR)) != 0 && (fd.revents & POLLIN) == 0;
}

// Receives the next notification; NULL when the listener is gone (the
// command and everything it started have ended).
static struct seccomp_notif* receive(const struct supervisor* s) {
  for (;;) {
    struct seccomp_notif* request = calloc(1, s->sizes.seccomp_notif);
    if (request == NULL) {
      warn("supervisor: out of memory receiving a notification");
      return NULL;
    }
    if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, request) == 0) return request;
    int error = errno;
    free(request);
    // EINTR: a signal. ENOENT: the process was gone before it could be
    // received, or no process uses the filter any more; the kernel answers
    // the latter at once on every call, so the listener is asked first
    // whether it has hung up, rather than spinning until the launcher exits.
    if (error == EINTR) continue;
    if (error == ENOENT) {
      if (listener_hung_up(s->listener)) return NULL;
      continue;
    }
    if (error != EBADF && error != ENOTCONN) warn("supervisor: cannot receive a notification: %s", strerror(error));
    return NULL;
  }
}

static int start_thread(struct supervisor* s);

static void* serve(void* argument) {
  struct supervisor* s = argument;
  for (;;) {
    struct seccomp_notif* request = receive(s);
    if (request == NULL) return NULL;
    // The last idle thread is taking this one: start another to receive the
    // next while this one may wait for a person.
    if (atomic_fetch_sub(&s->idle, 1) == 1 && atomic_load(&s->threads) < MAX_THREADS) {
      int error = start_thread(s);
      if (error != 0) warn("supervisor: cannot start another thread: %s", strerror(error));
    }
    struct notification n = {.listener = s->listener, .plan = s->plan, .session = s->session, .kept = s->kept,
                             .request = request, .response_size = s->sizes.seccomp_notif_resp};
    handle(&n);
    free(request);
    atomic_fetch_add(&s->idle, 1);
  }
}

// Every signal stays with the main thread, which forwards them to the
// command; a write to a closed pipe becomes EPIPE here, never SIGPIPE.
static int start_detached(struct supervisor* s, void* (*body)(void*), void* argument) {
  sigset_t all, previous;
  sigfillset(&all);
  int error = pthread_sigmask(SIG_SETMASK, &all, &previous);
  if (error != 0) return error;
  pthread_t thread;
  error = pthread_create(&thread, &s->attributes, body, argument);
  int restored = pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (restored != 0) warn("supervisor: cannot restore the signal mask: %s", strerror(restored));
  return error;
}

static int start_thread(struct supervisor* s) {
  atomic_fetch_add(&s->threads, 1);
  atomic_fetch_add(&s->idle, 1);
  int error = start_detached(s, serve, s);
  if (error != 0) {
    atomic_fetch_sub(&s->threads, 1);
    atomic_fetch_sub(&s->idle, 1);
  }
  return error;
}

// The session with the host and its reader (--exec-session); the
// connection is made here, after the last fork of the launcher, so no other
// process ever holds it. 0, or an errno with a message printed.
static int open_session(struct supervisor* s) {
  s->kept = kept_create();
  if (s->kept == NULL) return ENOMEM;
  char problem[512];
  s->session = session_open(s->plan->exec_socket, s->kept, problem, sizeof problem);
  if (s->session == NULL) {
    warn("supervisor: %s", problem);
    return ECONNREFUSED;
  }
  return start_detached(s, session_read_replies, s->session);
}

int supervisor_start(int listener_fd, const struct plan* plan) {
  struct supervisor* s = calloc(1, sizeof *s);
  if (s == NULL) return -1;
  s->listener = listener_fd;
  s->plan = plan;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s->sizes) == -1) goto failed;
  // The kernel may know larger structures than these headers; never smaller ones.
  if (s->sizes.seccomp_notif < sizeof(struct seccomp_notif)) s->sizes.seccomp_notif = sizeof(struct seccomp_notif);
  if (s->sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp)) {
    s->sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
  }
  // Older kernels do not know the flag: only slower, so not an error.
  if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == -1 && errno != EINVAL &&
      errno != ENOTTY) {
    goto failed;
  }
  int error = pthread_attr_init(&s->attributes);
  if (error == 0) error = pthread_attr_setdetachstate(&s->attributes, PTHREAD_CREATE_DETACHED);
  if (error == 0) error = pthread_attr_setstacksize(&s->attributes, THREAD_STACK_SIZE);
  if (error == 0 && s->plan->exec_session) error = open_session(s);
  if (error == 0) error = start_thread(s);
  if (error != 0) {
    errno = error;
    goto failed;
  }
  return 0;
failed:
  free(s);
  return -1;
}
