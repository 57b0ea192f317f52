// Handing the filter's listener from the sandboxed child, which installs the
// filter, to the unsandboxed parent, which answers it. The child cannot send
// it with SCM_RIGHTS: with the network off its sendmsg is itself notified,
// and nobody would answer yet. So the child writes the descriptor's number
// and waits; the parent copies the descriptor with pidfd_getfd, starts the
// supervisor, and only then lets the child go on to exec the command, whose
// exec is the first one asked about.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int read_fully(int fd, void* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = read(fd, (char*)out + done, size - done);
    if (got == -1 && errno == EINTR) continue;
    if (got <= 0) return got == 0 ? 0 : -1;
    done += (size_t)got;
  }
  return 1;
}

void handoff_send(int channel, int listener) {
  if (write(channel, &listener, sizeof listener) != (ssize_t)sizeof listener) {
    fail("exec-approval", "cannot hand the seccomp listener over: %s", strerror(errno));
  }
  char started;
  int got = read_fully(channel, &started, 1);
  if (got != 1) fail("exec-approval", "the supervisor did not start");
  if (close(listener) == -1 || close(channel) == -1) fail("exec-approval", "close: %s", strerror(errno));
}

void handoff_receive(int channel, pid_t child, const struct plan* plan) {
  int number;
  int got = read_fully(channel, &number, sizeof number);
  // End of file: the child failed before installing the filter and says why itself.
  if (got == 0) return;
  if (got == -1) fail("exec-approval", "cannot receive the seccomp listener: %s", strerror(errno));
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  int listener = pidfd == -1 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
  if (listener == -1) {
    // Exec approvals cannot go unasked. Socket mediation alone may go
    // unanswered (a launcher nested in another sandbox, where pidfd_getfd is
    // denied): with nobody listening, every notified call fails with ENOSYS,
    // which is narrower than the policy, never broader.
    if (plan->exec_socket != NULL) fail("exec-approval", "cannot take the seccomp listener: %s", strerror(errno));
    warn("cannot supervise Unix socket calls (%s): connect and send with an address will fail with ENOSYS",
         strerror(errno));
  } else if (supervisor_start(listener, plan) == -1) {
    fail("exec-approval", "cannot start the supervisor: %s", strerror(errno));
  }
  if (pidfd != -1 && close(pidfd) == -1) fail("exec-approval", "close: %s", strerror(errno));
  if (write(channel, "1", 1) != 1) fail("exec-approval", "cannot release the command: %s", strerror(errno));
  if (close(channel) == -1) fail("exec-approval", "close: %s", strerror(errno));
}
