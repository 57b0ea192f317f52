// The launcher, and PID 1 of the sandbox, stay as small parents: they forward
// the signals sent to them and finally end the way the command ended, with
// the same exit status or signal.
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
static volatile sig_atomic_t forward_terminal_signals;

static void forward(int signal_number, siginfo_t* info, void* context) {
  (void)context;
  // The command runs in a session of its own, so the terminal's signals
  // (Ctrl-C, hangup, resize) reach only the launcher, which passes them on.
  // PID 1 of the sandbox is in the launcher's process group and gets them
  // too: it passes on only what the launcher forwards.
  if (info->si_code == SI_KERNEL && !forward_terminal_signals) return;
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

int supervise(pid_t child, const sigset_t* original_mask, bool from_terminal_too, bool reap_all) {
  child_pid = child;
  forward_terminal_signals = from_terminal_too;
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
  for (;;) {
    pid_t reaped = waitpid(reap_all ? -1 : child, &status, __WALL);
    if (reaped == child) return status;
    if (reaped == -1 && errno != EINTR) fail("launcher", "waitpid: %s", strerror(errno));
  }
}

void exit_like(int wait_status) {
  if (WIFEXITED(wait_status)) exit(WEXITSTATUS(wait_status));
  int signal_number = WTERMSIG(wait_status);
  // The command already dumped core if it was going to; the launcher must not.
  struct rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) == -1) warn("setrlimit: %s", strerror(errno));
  // SIGKILL and SIGSTOP cannot be caught, so their disposition is always the default.
  if (signal_number != SIGKILL && signal_number != SIGSTOP && signal(signal_number, SIG_DFL) == SIG_ERR) {
    warn("signal: %s", strerror(errno));
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal_number);
  if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1) warn("sigprocmask: %s", strerror(errno));
  kill(getpid(), signal_number);
  // Only a signal whose default is to continue (none that kills) gets here.
  exit(128 + signal_number);
}
