// The exec bridge's socket, pinned. The host's socket usually lies in a
// directory under /tmp, which may be a writable root of this sandbox or of
// another one that runs at the same time: a command there could rename the
// socket away and bind its own, which would then answer for every exec. So
// the launcher opens the socket file once, before anything of the command
// runs, checks that it is the one the host bound, and the supervisor then
// connects through that descriptor only.
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"

static const char* const what = "exec-socket";

void exec_socket_pin(struct plan* plan) {
  int fd = open(plan->exec_socket, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) fail(what, "opening %s: %s", plan->exec_socket, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) == -1) fail(what, "stat %s: %s", plan->exec_socket, strerror(errno));
  if (!S_ISSOCK(st.st_mode)) fail(what, "%s is not a socket", plan->exec_socket);
  if (plan->exec_socket_id != NULL) {
    char id[64];
    snprintf(id, sizeof id, "%" PRIuMAX ":%" PRIuMAX, (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    if (strcmp(id, plan->exec_socket_id) != 0) {
      fail(what, "%s is not the socket the host bound (it is %s, not %s)", plan->exec_socket, id, plan->exec_socket_id);
    }
  }
  char* pinned = malloc(32);
  if (pinned == NULL) fail("launcher", "out of memory");
  snprintf(pinned, 32, "/proc/self/fd/%d", fd);
  plan->exec_socket = pinned;
}
