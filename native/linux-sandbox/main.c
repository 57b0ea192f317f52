// The launcher's order of work. Every check that can refuse happens before
// anything of the command runs; the confinement is applied in the process
// that then becomes the command:
//   no_new_privs -> mount namespace (read-only tree, read-only binds)
//   -> Landlock -> seccomp -> execve.
// (Mounts first: Landlock and seccomp both forbid mounting.)
// When the filter notifies (exec approvals, or the network off), the
// launcher stays as the command's unsandboxed parent and answers it
// (supervisor.h).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"
#include "supervisor.h"

// Returns the filter's listener, or -1.
static int confine(const struct plan* plan, int landlock_abi) {
  // Also required by Landlock and seccomp for an unprivileged caller; and no
  // setuid program may gain privileges inside the sandbox.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) fail("no-new-privs", "prctl: %s", strerror(errno));
  mounts_apply(plan);
  landlock_apply(plan, landlock_abi);
  return seccomp_apply(plan);
}

int main(int argc, char** argv) {
  struct plan plan;
  parse_args(argc, argv, &plan);
  int landlock_abi = landlock_usable_abi(&plan);

  struct placeholder* placeholders = calloc(plan.read_only_subpath_count + 1, sizeof *placeholders);
  if (placeholders == NULL) fail("launcher", "out of memory");
  size_t placeholder_count = placeholders_create(&plan, placeholders);
  bool supervised = plan.exec_socket != NULL || !plan.allow_network;
  if (placeholder_count == 0 && !supervised) {
    confine(&plan, landlock_abi);
    exec_command(plan.command);
  }
  int handoff[2] = {-1, -1};
  if (supervised && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, handoff) == -1) {
    fail("launcher", "socketpair: %s", strerror(errno));
  }

  // The held directories stay locked until the command ends, and then the
  // placeholders go: the launcher stays as the command's parent for that.
  sigset_t original_mask;
  block_forwarded_signals(&original_mask);
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == -1) fail("launcher", "fork: %s", strerror(errno));
  if (child == 0) {
    if (sigprocmask(SIG_SETMASK, &original_mask, NULL) == -1) fail("launcher", "sigprocmask: %s", strerror(errno));
    // Killing the launcher outright (SIGKILL) must not leave the command running.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1) fail("launcher", "prctl: %s", strerror(errno));
    if (getppid() != parent) _exit(EXIT_LAUNCHER_FAILURE);
    if (supervised && close(handoff[0]) == -1) fail("launcher", "close: %s", strerror(errno));
    int listener = confine(&plan, landlock_abi);
    if (supervised) {
      if (listener == -1) {
        if (close(handoff[1]) == -1) fail("launcher", "close: %s", strerror(errno));
      } else {
        handoff_send(handoff[1], listener);
      }
    }
    exec_command(plan.command);
  }
  if (supervised) {
    if (close(handoff[1]) == -1) fail("launcher", "close: %s", strerror(errno));
    handoff_receive(handoff[0], child, &plan);
  }
  int status = supervise(child, &original_mask);
  placeholders_remove(placeholders, placeholder_count);
  exit_like(status);
}
