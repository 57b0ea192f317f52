// The notification loop: one thread receives, and each notification is
// answered on a thread of its own, so an exec waiting for a person does not
// hold up the others (make -j2). At most MAX_PENDING are answered at once;
// past that the next process waits in the kernel until one is done.
#include <errno.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

#define MAX_PENDING 64
// Room for the supervisor's own buffers; large data lives on the heap.
#define THREAD_STACK_SIZE (256 * 1024)

struct supervisor {
  int listener;
  const struct plan* plan;
  struct seccomp_notif_sizes sizes;
  sem_t slots;
  pthread_attr_t attributes;
};

bool notification_valid(const struct notification* n) {
  uint64_t id = n->request->id;
  return ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void send_response(const struct notification* n, int error, long value, uint32_t flags) {
  struct seccomp_notif_resp* response = calloc(1, n->response_size);
  if (response == NULL) {
    // Without memory there is no answer to give; the process stays stopped
    // until the launcher ends, and nothing runs.
    warn("supervisor: out of memory answering a notification");
    return;
  }
  response->id = n->request->id;
  response->error = error == 0 ? 0 : -error;
  response->val = value;
  response->flags = flags;
  // ENOENT: the process died (or was interrupted) meanwhile; nothing to answer.
  if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, response) == -1 && errno != ENOENT) {
    warn("supervisor: cannot answer a notification: %s", strerror(errno));
  }
  free(response);
}

void answer_error(const struct notification* n, int error) { send_response(n, error, 0, 0); }
void answer_value(const struct notification* n, long value) { send_response(n, 0, value, 0); }
void answer_continue(const struct notification* n) {
  send_response(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

struct job {
  struct supervisor* supervisor;
  struct notification notification;
};

static void* answer(void* argument) {
  struct job* job = argument;
  const struct notification* n = &job->notification;
  int nr = n->request->data.nr;
  if (nr == SYS_execve || nr == SYS_execveat) {
    handle_exec(n);
  } else {
    handle_socket_call(n);
  }
  sem_t* slots = &job->supervisor->slots;
  free(job->notification.request);
  free(job);
  if (sem_post(slots) == -1) warn("supervisor: sem_post: %s", strerror(errno));
  return NULL;
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
    // EINTR: a signal; ENOENT: the process was gone before it could be received.
    if (error == EINTR || error == ENOENT) continue;
    if (error != EBADF && error != ENOTCONN) warn("supervisor: cannot receive a notification: %s", strerror(error));
    return NULL;
  }
}

static void* receive_loop(void* argument) {
  struct supervisor* s = argument;
  for (;;) {
    while (sem_wait(&s->slots) == -1) {
      if (errno != EINTR) {
        warn("supervisor: sem_wait: %s", strerror(errno));
        return NULL;
      }
    }
    struct seccomp_notif* request = receive(s);
    if (request == NULL) return NULL;
    struct job* job = malloc(sizeof *job);
    pthread_t thread;
    int error = ENOMEM;
    if (job != NULL) {
      *job = (struct job){
          .supervisor = s,
          .notification = {.listener = s->listener, .plan = s->plan, .request = request,
                           .response_size = s->sizes.seccomp_notif_resp},
      };
      error = pthread_create(&thread, &s->attributes, answer, job);
    }
    if (error != 0) {
      // No thread to answer on: refuse rather than leave the process stopped.
      warn("supervisor: cannot start a thread for a notification: %s", strerror(error));
      struct notification n = {.listener = s->listener, .plan = s->plan, .request = request,
                               .response_size = s->sizes.seccomp_notif_resp};
      answer_error(&n, EAGAIN);
      free(request);
      free(job);
      if (sem_post(&s->slots) == -1) warn("supervisor: sem_post: %s", strerror(errno));
    }
  }
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
  if (sem_init(&s->slots, 0, MAX_PENDING) == -1) goto failed;
  int error = pthread_attr_init(&s->attributes);
  if (error == 0) error = pthread_attr_setdetachstate(&s->attributes, PTHREAD_CREATE_DETACHED);
  if (error == 0) error = pthread_attr_setstacksize(&s->attributes, THREAD_STACK_SIZE);
  if (error != 0) {
    errno = error;
    goto failed;
  }
  // Every signal stays with the main thread, which forwards them to the
  // command; a write to a closed pipe becomes EPIPE here, never SIGPIPE.
  sigset_t all, previous;
  sigfillset(&all);
  error = pthread_sigmask(SIG_SETMASK, &all, &previous);
  if (error != 0) {
    errno = error;
    goto failed;
  }
  pthread_t thread;
  error = pthread_create(&thread, &s->attributes, receive_loop, s);
  int restored = pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (restored != 0) warn("supervisor: cannot restore the signal mask: %s", strerror(restored));
  if (error != 0) {
    errno = error;
    goto failed;
  }
  return 0;
failed:
  free(s);
  return -1;
}
