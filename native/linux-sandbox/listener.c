// The seccomp listener's way from the command to the launcher's supervisor,
// over a socket pair (SCM_RIGHTS), before the command's exec.
//
// The command's own sendmsg already goes to the supervisor, which has no
// listener yet. So the filter lets through one sendmsg that carries, in an
// argument the kernel ignores, a secret drawn for this run (seccomp.c): the
// command cannot learn it (the launcher's memory is gone after exec, and
// the filter cannot be read back without CAP_SYS_ADMIN).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

void listener_send(int channel, int listener, uint64_t secret) {
  if (descriptors_send(channel, &listener, 1, (unsigned long)secret) != 1) {
    fail("supervisor", "handing over the seccomp listener: %s", strerror(errno));
  }
  if (close(listener) == -1) fail("supervisor", "close: %s", strerror(errno));
}

int listener_receive(int channel) {
  int listener;
  int got = descriptors_receive(channel, &listener, 1);
  if (got == 0) return -1;  // the command ran without a filter (best-effort) or ended before
  if (got != 1) fail("supervisor", "receiving the seccomp listener: %s", strerror(errno));
  return listener;
}
