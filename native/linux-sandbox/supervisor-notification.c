// Answering one notification, the layer every handler stands on: whether
// it is still pending, and its single answer. Nothing here calls back up.
#include <errno.h>
#include <signal.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "supervisor.h"

bool notification_valid(const struct notification* n) {
  uint64_t id = n->request->id;
  return ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void send_response(const struct notification* n, int error, long value, uint32_t flags) {
  // The kernel's structure can outgrow the headers': room for that without
  // an allocation that could fail and leave the process without an answer.
  union {
    struct seccomp_notif_resp response;
    char room[256];
  } buffer;
  if (n->response_size > sizeof buffer) {
    warn("supervisor: the kernel's notification response is larger than expected (%zu bytes)", n->response_size);
    return;
  }
  memset(&buffer, 0, sizeof buffer);
  struct seccomp_notif_resp* response = &buffer.response;
  response->id = n->request->id;
  response->error = error == 0 ? 0 : -error;
  response->val = value;
  response->flags = flags;
  // ENOENT: the process died (or was interrupted) meanwhile; nothing to answer.
  if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, response) == -1 && errno != ENOENT) {
    warn("supervisor: cannot answer a notification: %s", strerror(errno));
  }
}

void answer_error(const struct notification* n, int error) { send_response(n, error, 0, 0); }

void supervisor_end_run(const struct plan* plan) {
  if (plan->run_pid <= 0) return;
  if (kill(plan->run_pid, SIGKILL) == -1 && errno != ESRCH) warn("supervisor: ending the run: %s", strerror(errno));
  if (kill(-plan->run_pid, SIGKILL) == -1 && errno != ESRCH) warn("supervisor: ending the run: %s", strerror(errno));
}
void answer_value(const struct notification* n, long value) { send_response(n, 0, value, 0); }
void answer_continue(const struct notification* n) {
  send_response(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

void close_or_warn(int fd) {
  if (close(fd) == -1) warn("supervisor: close: %s", strerror(errno));
}
