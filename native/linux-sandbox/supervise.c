// When the launcher must outlive the command (to remove placeholders), it
// stays as a small parent: it forwards the signals sent to it and finally
// ends the way the command ended, with the same exit status or signal.
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

// Stop signals (SIGTSTP, SIGTTIN, SIGTTOU) keep their default action, so the
// launcher stops and continues with the command's job.
static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH};
#define FORWARDED_COUNT (sizeof forwarded / sizeof forwarded[0])

static volatile sig_atomic_t child_pid;

static void forward(int signal_number, siginfo_t* info, void* context) {
  (void)context;
  // The kernel sends terminal signals (Ctrl-C, hangup, resize) to the whole
  // foreground process group, the command included: passing them on would
  // deliver them twice.
  if (info->si_code == SI_KERNEL) return;
  int saved = errno;
  kill((pid_t)child_pid, signal_number);
  errno = saved;
}

void block_forwarded_signals(sigset_t* original_mask) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < FORWARDED_COUNT; i++) sigaddset(&set, forwarded[i]);
  if (sigprocmask(SIG_BLOCK, &set, original_mask) == -1) fail("launcher", "sigprocmask: %s", strerror(errno));
}

int supervise(pid_t child, const sigset_t* original_mask) {
  child_pid = child;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = forward;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < FORWARDED_COUNT; i++) {
    if (sigaction(forwarded[i], &action, NULL) == -1) fail("launcher", "sigaction: %s", strerror(errno));
  }
  if (sigprocmask(SIG_SETMASK, original_mask, NULL) == -1) fail("launcher", "sigprocmask: %s", strerror(errno));
  int status;
  while (waitpid(child, &status, 0) == -1) {
    if (errno != EINTR) fail("launcher", "waitpid: %s", strerror(errno));
  }
  return status;
}

void exit_like(int wait_status) {
  if (WIFEXITED(wait_status)) exit(WEXITSTATUS(wait_status));
  int signal_number = WTERMSIG(wait_status);
  // The command already dumped core if it was going to; the launcher must not.
  struct rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) == -1) warn("setrlimit: %s", strerror(errno));
  if (signal(signal_number, SIG_DFL) == SIG_ERR) warn("signal: %s", strerror(errno));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal_number);
  if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1) warn("sigprocmask: %s", strerror(errno));
  kill(getpid(), signal_number);
  // Only a signal whose default is to continue (none that kills) gets here.
  exit(128 + signal_number);
}
