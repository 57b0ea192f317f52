// Nothing of a run outlives it, and nothing of it outlives the host.
//
// The launcher dies with the host (PR_SET_PDEATHSIG), the sandbox's first
// process dies with the launcher, and the command with that process. Within
// a PID namespace the kernel kills every process of the run when its PID 1
// ends. Without one, the launcher is a subreaper: every orphan of the run
// (double-forked, setsid) becomes its child, and once the command has ended
// it kills and reaps them all.
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

void lifetime_tie_to_host(pid_t host) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1) fail("launcher", "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
  // The host may have died before the line above: then no signal comes.
  if (getppid() != host) exit(EXIT_LAUNCHER_FAILURE);
}

void lifetime_become_subreaper(void) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) {
    fail("launcher", "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
  }
}

void lifetime_detach_command(pid_t parent) {
  // A new session: no controlling terminal, so no TIOCSTI or TIOCSCTTY into
  // the host's, and out of the host's process group and job control.
  if (setsid() == -1) fail("launcher", "setsid: %s", strerror(errno));
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1) fail("launcher", "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
  if (getppid() != parent) _exit(EXIT_LAUNCHER_FAILURE);
}

// Sends SIGKILL to every child listed in one task's children file; returns how many.
static size_t kill_children_of_task(const char* task) {
  char path[300];
  snprintf(path, sizeof path, "/proc/self/task/%s/children", task);
  FILE* file = fopen(path, "re");
  if (file == NULL) return 0;  // the task (a thread) is gone
  size_t count = 0;
  long pid;
  // An unreaped child keeps its pid, so the number cannot name another process.
  while (fscanf(file, "%ld", &pid) == 1) {
    if (kill((pid_t)pid, SIGKILL) == 0) count++;
  }
  if (fclose(file) == EOF) warn("fclose: %s", strerror(errno));
  return count;
}

static size_t kill_children(void) {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == NULL) fail("launcher", "opendir /proc/self/task: %s", strerror(errno));
  size_t count = 0;
  struct dirent* entry;
  while ((entry = readdir(tasks)) != NULL) {
    if (entry->d_name[0] != '.') count += kill_children_of_task(entry->d_name);
  }
  if (closedir(tasks) == -1) warn("closedir: %s", strerror(errno));
  return count;
}

void lifetime_kill_descendants(void) {
  // Each round kills the current children; their own children then become
  // the launcher's, until none is left to reap.
  for (;;) {
    kill_children();
    pid_t reaped = waitpid(-1, NULL, __WALL);
    if (reaped == -1 && errno == ECHILD) return;
    if (reaped == -1 && errno != EINTR) fail("launcher", "waitpid: %s", strerror(errno));
  }
}
