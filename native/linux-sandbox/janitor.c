// The janitor: a small process that removes the placeholders (and the run's cgroups) when the
// launcher cannot, because it was killed outright (SIGKILL to its process
// group on a timeout, the host gone). It leaves the launcher's process group
// and waits; when the launcher dismisses it (it removed them itself), it
// ends; when the launcher is gone, it waits for the sandbox's first process
// to end too (its mounts use the placeholders until then), removes them and
// ends. It runs nothing of the command and touches no other path.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "syscalls.h"

static int dismissal = -1;

void janitor_start(struct placeholder* placeholders, size_t count, pid_t sandbox, const int launcher_channels[2]) {
  bool any_created = false;
  for (size_t i = 0; i < count; i++) any_created |= placeholders[i].created;
  if (!any_created && !limits_have_cgroups()) return;
  int sandbox_pidfd = (int)syscall(__NR_pidfd_open, sandbox, 0);
  if (sandbox_pidfd == -1) fail("launcher", "pidfd_open: %s", strerror(errno));
  // pipe_fds: the launcher dismisses the janitor; settled: the janitor has left the launcher's process group,
  // so that a kill of that group (a timeout) from now on cannot take the janitor along.
  int pipe_fds[2], settled[2];
  if (pipe2(pipe_fds, O_CLOEXEC) == -1 || pipe2(settled, O_CLOEXEC) == -1) fail("launcher", "pipe2: %s", strerror(errno));
  pid_t janitor = fork();
  if (janitor == -1) fail("launcher", "fork: %s", strerror(errno));
  if (janitor == 0) {
    // The sandbox must see the launcher's ends of their channels close when the launcher dies.
    if (close(launcher_channels[0]) == -1 || close(launcher_channels[1]) == -1 || close(pipe_fds[1]) == -1) {
      _exit(EXIT_LAUNCHER_FAILURE);
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null == -1 || dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1) _exit(EXIT_LAUNCHER_FAILURE);
    if (setsid() == -1) _exit(EXIT_LAUNCHER_FAILURE);
    if (close(settled[0]) == -1 || write(settled[1], "x", 1) != 1 || close(settled[1]) == -1) _exit(EXIT_LAUNCHER_FAILURE);
    char byte;
    ssize_t got;
    do got = read(pipe_fds[0], &byte, 1);
    while (got == -1 && errno == EINTR);
    if (got == 1) _exit(0);
    struct pollfd sandbox = {.fd = sandbox_pidfd, .events = POLLIN};
    while (poll(&sandbox, 1, -1) == -1) {
      if (errno != EINTR) _exit(EXIT_LAUNCHER_FAILURE);
    }
    placeholders_remove(placeholders, count);
    limits_finish();
    _exit(0);
  }
  if (close(pipe_fds[0]) == -1 || close(sandbox_pidfd) == -1 || close(settled[1]) == -1) {
    fail("launcher", "close: %s", strerror(errno));
  }
  char byte;
  ssize_t got;
  do got = read(settled[0], &byte, 1);
  while (got == -1 && errno == EINTR);
  if (got != 1) fail("launcher", "the janitor that removes placeholders did not start");
  if (close(settled[0]) == -1) fail("launcher", "close: %s", strerror(errno));
  dismissal = pipe_fds[1];
}

void janitor_dismiss(void) {
  if (dismissal == -1) return;
  // Without a PID namespace the janitor was killed with every other
  // descendant of the run (the launcher then cleaned up itself): its pipe is
  // closed, which must not end the launcher with SIGPIPE.
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) warn("signal: %s", strerror(errno));
  if (write(dismissal, "x", 1) != 1 && errno != EPIPE) warn("dismissing the janitor: %s", strerror(errno));
  if (close(dismissal) == -1) warn("close: %s", strerror(errno));
}
