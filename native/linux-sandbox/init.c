// PID 1 of the sandbox's PID namespace. It prepares the namespaces (ids,
// loopback, mounts, /proc, /dev), starts the command and reaps every process
// of the run. When the command ends it tells the launcher how, and ends:
// the kernel then kills whatever else is left in the namespace, setsid and
// double-forked processes included, before the launcher sees it gone.
//
// It keeps its capabilities (in the sandbox's user namespace, or the host's
// when root) and has neither Landlock nor seccomp, while the command may
// trace its own processes: so it is not dumpable, and no process without
// CAP_SYS_PTRACE in the host's namespace may trace it or open its memory.
// The command gets the flag back at once (the supervisor reads its memory).
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"

// The launcher may have died before PR_SET_PDEATHSIG took effect; its end of
// the channel is then closed.
static void check_launcher_alive(int channel) {
  struct pollfd launcher = {.fd = channel, .events = POLLIN};
  int ready = poll(&launcher, 1, 0);
  if (ready == -1) fail("launcher", "poll: %s", strerror(errno));
  if (ready == 1 && (launcher.revents & (POLLHUP | POLLERR))) _exit(EXIT_LAUNCHER_FAILURE);
}

void init_run(const struct plan* plan, const struct namespaces* namespaces, int channel, int listener_channel,
              int proxy_channel, const sigset_t* original_mask, int landlock_abi) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1) fail("launcher", "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
  check_launcher_alive(channel);
  namespaces_enter(namespaces);
  namespaces_check(plan, namespaces, landlock_abi);
  if (proxy_channel != -1) {
    if (namespaces->network) proxy_listen_send(plan, proxy_channel);
    else if (close(proxy_channel) == -1) fail("launcher", "close: %s", strerror(errno));
  }
  mounts_apply(plan, namespaces);
  devices_mount(plan, namespaces);
  // Restricted reads: a fresh root of the readable paths, cloned from the tree made above.
  if (plan->readable_root_count > 0) readable_root_enter(plan);

  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) fail("launcher", "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
  pid_t command = fork();
  if (command == -1) fail("launcher", "fork: %s", strerror(errno));
  if (command == 0) {
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1) fail("launcher", "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
    if (close(channel) == -1) fail("launcher", "close: %s", strerror(errno));
    if (sigprocmask(SIG_SETMASK, original_mask, NULL) == -1) fail("launcher", "sigprocmask: %s", strerror(errno));
    command_run(plan, namespaces, 1, listener_channel, landlock_abi);
  }
  // Only the command writes to the launcher's listener channel.
  if (close(listener_channel) == -1) fail("launcher", "close: %s", strerror(errno));
  int status = supervise(command, original_mask, false, true);
  ssize_t sent;
  do sent = send(channel, &status, sizeof status, MSG_NOSIGNAL);
  while (sent == -1 && errno == EINTR);
  _exit(0);
}

bool init_status_receive(int channel, int* wait_status) {
  int status;
  ssize_t got;
  do got = recv(channel, &status, sizeof status, MSG_DONTWAIT);
  while (got == -1 && errno == EINTR);
  if (got != (ssize_t)sizeof status) return false;
  *wait_status = status;
  return true;
}
