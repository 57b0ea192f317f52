// system() and popen() with every exec routed. glibc starts their /bin/sh
// through an internal exec that no preload can replace, so while routing they
// are rebuilt here on the real posix_spawn of the wrapper, keeping glibc's
// semantics: system's signal handling and status, popen's pipe ends,
// close-on-exec ("e") and the closing of earlier popen streams in the child.
// Neither runs in a vfork child, so both may allocate and lock.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "intercept.h"

#define SHELL_NAME "sh"

extern char** environ;

static pid_t wait_for(pid_t pid, int* status) {
  pid_t waited;
  do {
    waited = waitpid(pid, status, 0);
  } while (waited < 0 && errno == EINTR);
  return waited;
}

// While a command runs, system() ignores SIGINT and SIGQUIT in the caller.
// Overlapping calls from several threads share one saved disposition: the
// first call saves and ignores, the last one restores.
static pthread_mutex_t interrupts_lock = PTHREAD_MUTEX_INITIALIZER;
static int commands_running;
static struct sigaction saved_interrupt;
static struct sigaction saved_quit;

// sigaction cannot fail for SIGINT and SIGQUIT with valid arguments, nor can
// locking this plain mutex: their results carry no information.
static void ignore_interrupts(struct sigaction* interrupt, struct sigaction* quit) {
  struct sigaction ignore = {.sa_handler = SIG_IGN};
  sigemptyset(&ignore.sa_mask);
  pthread_mutex_lock(&interrupts_lock);
  if (commands_running++ == 0) {
    sigaction(SIGINT, &ignore, &saved_interrupt);
    sigaction(SIGQUIT, &ignore, &saved_quit);
  }
  *interrupt = saved_interrupt;
  *quit = saved_quit;
  pthread_mutex_unlock(&interrupts_lock);
}

static void restore_interrupts(void) {
  pthread_mutex_lock(&interrupts_lock);
  if (--commands_running == 0) {
    sigaction(SIGINT, &saved_interrupt, NULL);
    sigaction(SIGQUIT, &saved_quit, NULL);
  }
  pthread_mutex_unlock(&interrupts_lock);
}

// The child gets the caller's original mask and, unless the caller itself
// ignored them, default SIGINT and SIGQUIT.
static int command_attributes(posix_spawnattr_t* attr, const sigset_t* mask,
                              const struct sigaction* interrupt, const struct sigaction* quit) {
  sigset_t to_default;
  sigemptyset(&to_default);
  if (interrupt->sa_handler != SIG_IGN) sigaddset(&to_default, SIGINT);
  if (quit->sa_handler != SIG_IGN) sigaddset(&to_default, SIGQUIT);
  int err = posix_spawnattr_init(attr);
  if (err == 0) err = posix_spawnattr_setsigmask(attr, mask);
  if (err == 0) err = posix_spawnattr_setsigdefault(attr, &to_default);
  if (err == 0) err = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  return err;
}

INTERCEPT_EXPORT int system(const char* command) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL || names_wrapper(SHELL_PATH, wrapper)) return real_calls()->system(command);
  // system(NULL) asks whether a shell exists; answered without running one.
  if (command == NULL) return executable_error(SHELL_PATH) == 0;

  struct sigaction interrupt;
  struct sigaction quit;
  ignore_interrupts(&interrupt, &quit);
  sigset_t child_signal;
  sigset_t caller_mask;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  int err = pthread_sigmask(SIG_BLOCK, &child_signal, &caller_mask);

  int status = -1;
  if (err == 0) {
    posix_spawnattr_t attr;
    err = command_attributes(&attr, &caller_mask, &interrupt, &quit);
    if (err == 0) {
      char* argv[] = {(char*)SHELL_NAME, (char*)"-c", (char*)command, NULL};
      pid_t pid;
      err = spawn_through_wrapper(&pid, wrapper, SHELL_PATH, NULL, &attr, argv, environ);
      posix_spawnattr_destroy(&attr);
      if (err == 0 && wait_for(pid, &status) != pid) status = -1;
    }
    // POSIX: a shell that cannot be started reads as one that exited 127.
    if (err != 0) status = W_EXITCODE(127, 0);
    pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);  // restores a mask it returned
  }
  restore_interrupts();
  if (err != 0) errno = err;
  return status;
}

// The streams popen returned and pclose has not closed yet: pclose waits for
// their children, and each new popen child closes their descriptors.
struct popen_child {
  FILE* stream;
  int fd;
  pid_t pid;
  struct popen_child* next;
};

static pthread_mutex_t children_lock = PTHREAD_MUTEX_INITIALIZER;
static struct popen_child* children;

// Parses popen's mode: "r" or "w", optionally with "e" (close-on-exec).
static int parse_mode(const char* mode, int* reading, int* close_on_exec) {
  int read_flag = 0;
  int write_flag = 0;
  *close_on_exec = 0;
  for (const char* flag = mode; *flag != '\0'; flag++) {
    switch (*flag) {
      case 'r':
        read_flag = 1;
        break;
      case 'w':
        write_flag = 1;
        break;
      case 'e':
        *close_on_exec = 1;
        break;
      default:
        return EINVAL;
    }
  }
  if (read_flag == write_flag) return EINVAL;
  *reading = read_flag;
  return 0;
}

// Starts `sh -c command` through the wrapper with `child_end` as its stdin or
// stdout (`child_fd`). Called with children_lock held.
static int start_piped_shell(const char* wrapper, const char* command, int child_end, int child_fd,
                             pid_t* pid) {
  posix_spawn_file_actions_t actions;
  int err = posix_spawn_file_actions_init(&actions);
  if (err != 0) return err;
  err = posix_spawn_file_actions_adddup2(&actions, child_end, child_fd);
  for (struct popen_child* earlier = children; err == 0 && earlier != NULL; earlier = earlier->next) {
    if (earlier->fd != child_fd) err = posix_spawn_file_actions_addclose(&actions, earlier->fd);
  }
  if (err == 0) {
    char* argv[] = {(char*)SHELL_NAME, (char*)"-c", (char*)command, NULL};
    err = spawn_through_wrapper(pid, wrapper, SHELL_PATH, &actions, NULL, argv, environ);
  }
  posix_spawn_file_actions_destroy(&actions);
  return err;
}

INTERCEPT_EXPORT FILE* popen(const char* command, const char* mode) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL || names_wrapper(SHELL_PATH, wrapper)) return real_calls()->popen(command, mode);
  int reading;
  int close_on_exec;
  int err = parse_mode(mode, &reading, &close_on_exec);
  if (err != 0) {
    errno = err;
    return NULL;
  }

  struct popen_child* child = malloc(sizeof *child);
  if (child == NULL) return NULL;
  // Both ends start close-on-exec, so no other thread's child inherits them;
  // the child's end reaches the shell through dup2, which clears the flag.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    free(child);
    return NULL;
  }
  int parent_end = reading ? fds[0] : fds[1];
  int child_end = reading ? fds[1] : fds[0];
  int child_fd = reading ? STDOUT_FILENO : STDIN_FILENO;
  FILE* stream = NULL;
  // dup2 of a descriptor onto itself keeps close-on-exec: move it first.
  if (child_end == child_fd) {
    int moved = fcntl(child_end, F_DUPFD_CLOEXEC, 0);
    if (moved < 0) {
      err = errno;
    } else {
      close(child_end);
      child_end = moved;
    }
  }
  if (err == 0) {
    stream = fdopen(parent_end, reading ? "r" : "w");
    if (stream == NULL) err = errno;
  }
  if (err == 0) {
    pthread_mutex_lock(&children_lock);
    err = start_piped_shell(wrapper, command, child_end, child_fd, &child->pid);
    if (err == 0) {
      // Without "e" the caller's end is inherited by later children, as
      // with glibc. F_SETFD cannot fail on an open descriptor; if it did,
      // the stream would stay close-on-exec, and the child is running.
      if (!close_on_exec) (void)fcntl(parent_end, F_SETFD, 0);
      child->stream = stream;
      child->fd = parent_end;
      child->next = children;
      children = child;
    }
    pthread_mutex_unlock(&children_lock);
  }
  close(child_end);
  if (err == 0) return stream;

  if (stream != NULL) {
    fclose(stream);  // closes parent_end
  } else {
    close(parent_end);
  }
  free(child);
  errno = err;
  return NULL;
}

INTERCEPT_EXPORT int pclose(FILE* stream) {
  pthread_mutex_lock(&children_lock);
  struct popen_child** link = &children;
  while (*link != NULL && (*link)->stream != stream) link = &(*link)->next;
  struct popen_child* child = *link;
  if (child != NULL) *link = child->next;
  pthread_mutex_unlock(&children_lock);
  // A stream from libc's own popen (opened while not routing).
  if (child == NULL) return real_calls()->pclose(stream);

  pid_t pid = child->pid;
  free(child);
  // Close first: a reader child may be waiting for end of input. A failed
  // flush does not change the answer, which is the child's status.
  fclose(stream);
  int status;
  return wait_for(pid, &status) == pid ? status : -1;
}
