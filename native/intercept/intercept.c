// libcordon_intercept.so: preloaded (LD_PRELOAD) into the programs a sandboxed
// shell starts, it routes every exec through $EXEC_WRAPPER, so each program
// is approved before it runs, without a patched shell.
//
// With EXEC_WRAPPER set and non-empty in the process's own environment, the
// exec entry points below start `$EXEC_WRAPPER <file> <argv0> <args...>` with
// the caller's environment instead of <file>. <file> is what the real call
// would have run: the path as given, or the PATH candidate execvp would pick.
// Errors the real call would report before running anything (ENOENT, EACCES,
// ELOOP, ENOEXEC for a file that is neither ELF nor a script) are reported
// the same way, with nothing started; execvp's /bin/sh fallback for such a
// file is routed like any exec. Exec'ing the wrapper itself is never wrapped,
// and the wrapper's own process (see wrapper.c) execs directly. Without
// EXEC_WRAPPER every entry point is exactly libc's.
//
// glibc's system, popen and posix_spawn reach exec through internal symbols
// that no preload can replace, so each entry point is wrapped on its own
// (system and popen are reimplemented in spawn.c). pidfd_spawn and
// pidfd_spawnp do not exist before glibc 2.39 and are not wrapped.
//
// Known gaps (programs that run unrouted):
//   - statically linked programs (Go binaries, busybox-static): the dynamic
//     loader, which honours LD_PRELOAD, never runs;
//   - cleared environments: a program that empties its own environment and
//     then execs (`env -i`) finds no EXEC_WRAPPER, so that exec is not
//     routed; an exec handed an environment without LD_PRELOAD and
//     EXEC_WRAPPER (execle with an empty envp) is routed, but the program it
//     starts is not preloaded, so its own execs are not (and a wrapper that
//     needs its variables from that environment fails closed);
//   - setuid and setgid programs: the loader ignores LD_PRELOAD paths in
//     secure-execution mode;
//   - raw system calls (syscall(SYS_execve), io_uring) bypass libc entirely.
// Also: more than MAX_ROUTED_ARGS arguments fail with E2BIG (the routed argv
// is built on the stack, which in a vfork child is the parent's); with
// binfmt_misc handlers registered, ENOEXEC is left to the wrapper's exec.
// This is not a security boundary: the sandbox is. It makes a cooperative
// program's every exec visible to the host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <unistd.h>

#include "intercept.h"

extern char** environ;

// What glibc's execvp does with a file the kernel cannot run (ENOEXEC): runs
// /bin/sh with argv [/bin/sh, file, argv[1]...].
static int exec_with_shell(const char* wrapper, const char* path, char* const argv[],
                           char* const envp[]) {
  size_t count;
  int err = count_arguments(argv, &count);
  if (err != 0) {
    errno = err;
    return -1;
  }
  char* shell_argv[(count == 0 ? 1 : count) + 2];
  size_t at = 0;
  shell_argv[at++] = (char*)SHELL_PATH;
  shell_argv[at++] = (char*)path;
  for (size_t i = 1; i < count; i++) shell_argv[at++] = argv[i];
  shell_argv[at] = NULL;
  return exec_through_wrapper(wrapper, SHELL_PATH, shell_argv, envp);
}

// An exec of a path as given (execve, execv, execle), or as execvp found it
// (`searched`: a file without an exec format then goes to /bin/sh).
static int exec_path(const char* wrapper, const char* path, char* const argv[],
                     char* const envp[], int searched) {
  if (names_wrapper(path, wrapper)) return real_calls()->execve(path, argv, envp);
  int err = executable_error(path);
  if (err != 0) {
    errno = err;
    return -1;
  }
  if (lacks_exec_format(AT_FDCWD, path, 0)) {
    if (searched) return exec_with_shell(wrapper, path, argv, envp);
    errno = ENOEXEC;
    return -1;
  }
  return exec_through_wrapper(wrapper, path, argv, envp);
}

// An exec that searches PATH (execvp, execvpe, execlp).
static int exec_searched(const char* wrapper, const char* file, char* const argv[],
                         char* const envp[]) {
  char buffer[SEARCH_BUFFER_SIZE];
  const char* found;
  int err = search_path(file, buffer, &found);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return exec_path(wrapper, found, argv, envp, 1);
}

INTERCEPT_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->execve(path, argv, envp);
  return exec_path(wrapper, path, argv, envp, 0);
}

INTERCEPT_EXPORT int execv(const char* path, char* const argv[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->execv(path, argv);
  return exec_path(wrapper, path, argv, environ, 0);
}

INTERCEPT_EXPORT int execvp(const char* file, char* const argv[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->execvp(file, argv);
  return exec_searched(wrapper, file, argv, environ);
}

INTERCEPT_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->execvpe(file, argv, envp);
  return exec_searched(wrapper, file, argv, envp);
}

// The execl family takes argv as variadic arguments ending with NULL (execle:
// followed by envp). They are gathered into a stack array bounded as libc
// bounds it (INT_MAX: E2BIG); routing then applies its own, smaller bound.
static size_t count_variadic(const char* first, va_list args) {
  size_t count = 0;
  for (const char* arg = first; arg != NULL && count < INT_MAX;
       arg = va_arg(args, const char*)) {
    count++;
  }
  return count;
}

// Fills argv[0..count] (the terminating NULL included, consumed from args).
static void gather_variadic(const char* first, va_list args, char* argv[], size_t count) {
  argv[0] = (char*)first;
  for (size_t i = 1; i <= count; i++) argv[i] = va_arg(args, char*);
}

enum list_call { CALL_EXECV, CALL_EXECVP, CALL_EXECVE };

// execl, execlp, execle: the list becomes an argv for execv, execvp, execve.
static int exec_list(enum list_call call, const char* path, const char* arg, va_list args) {
  va_list counting;
  va_copy(counting, args);
  size_t count = count_variadic(arg, counting);
  va_end(counting);
  if (count >= INT_MAX) {
    errno = E2BIG;
    return -1;
  }
  char* argv[count + 1];
  gather_variadic(arg, args, argv, count);
  switch (call) {
    case CALL_EXECV:
      return execv(path, argv);
    case CALL_EXECVP:
      return execvp(path, argv);
    case CALL_EXECVE:
      break;
  }
  return execve(path, argv, va_arg(args, char* const*));
}

INTERCEPT_EXPORT int execl(const char* path, const char* arg, ...) {
  va_list args;
  va_start(args, arg);
  int result = exec_list(CALL_EXECV, path, arg, args);
  va_end(args);
  return result;
}

INTERCEPT_EXPORT int execlp(const char* file, const char* arg, ...) {
  va_list args;
  va_start(args, arg);
  int result = exec_list(CALL_EXECVP, file, arg, args);
  va_end(args);
  return result;
}

INTERCEPT_EXPORT int execle(const char* path, const char* arg, ...) {
  va_list args;
  va_start(args, arg);
  int result = exec_list(CALL_EXECVE, path, arg, args);
  va_end(args);
  return result;
}

// execveat and fexecve name the program by a descriptor; the wrapper gets a
// path for it (fd-path.c).
static int exec_at(const char* wrapper, int dirfd, const char* path, char* const argv[],
                   char* const envp[], int flags) {
  int err = executable_error_at(dirfd, path, flags);
  if (err == 0 && lacks_exec_format(dirfd, path, flags)) err = ENOEXEC;
  if (err == 0) {
    struct fd_path named;
    err = name_file_at(dirfd, path, flags, &named);
    if (err == 0) {
      int result = names_wrapper(named.path, wrapper)
                       ? real_calls()->execve(named.path, argv, envp)
                       : exec_through_wrapper(wrapper, named.path, argv, envp);
      restore_fd_path(&named);
      return result;
    }
  }
  errno = err;
  return -1;
}

INTERCEPT_EXPORT int execveat(int dirfd, const char* path, char* const argv[], char* const envp[],
                              int flags) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->execveat(dirfd, path, argv, envp, flags);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
    errno = EINVAL;
    return -1;
  }
  return exec_at(wrapper, dirfd, path, argv, envp, flags);
}

INTERCEPT_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->fexecve(fd, argv, envp);
  if (fd < 0) {  // EINVAL, as glibc reports it
    errno = EINVAL;
    return -1;
  }
  return exec_at(wrapper, fd, "", argv, envp, AT_EMPTY_PATH);
}

// posix_spawn's file actions run before the exec, so a chdir among them
// changes what a relative path names; the check from here would look in the
// wrong directory and is left to the exec (inside the wrapper). __used is
// glibc's count of recorded actions.
static int checkable_here(const char* path, const posix_spawn_file_actions_t* actions) {
  return path[0] == '/' || actions == NULL || actions->__used == 0;
}

static int spawn_path(pid_t* pid, const char* wrapper, const char* path,
                      const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                      char* const argv[], char* const envp[]) {
  if (names_wrapper(path, wrapper)) {
    return real_calls()->posix_spawn(pid, path, actions, attr, argv, envp);
  }
  if (checkable_here(path, actions)) {
    int err = executable_error(path);
    if (err != 0) return err;
    // glibc's posix_spawn has no /bin/sh fallback: ENOEXEC is the answer.
    if (lacks_exec_format(AT_FDCWD, path, 0)) return ENOEXEC;
  }
  return spawn_through_wrapper(pid, wrapper, path, actions, attr, argv, envp);
}

INTERCEPT_EXPORT int posix_spawn(pid_t* pid, const char* path,
                                 const posix_spawn_file_actions_t* actions,
                                 const posix_spawnattr_t* attr, char* const argv[],
                                 char* const envp[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->posix_spawn(pid, path, actions, attr, argv, envp);
  return spawn_path(pid, wrapper, path, actions, attr, argv, envp);
}

INTERCEPT_EXPORT int posix_spawnp(pid_t* pid, const char* file,
                                  const posix_spawn_file_actions_t* actions,
                                  const posix_spawnattr_t* attr, char* const argv[],
                                  char* const envp[]) {
  const char* wrapper = routing_wrapper();
  if (wrapper == NULL) return real_calls()->posix_spawnp(pid, file, actions, attr, argv, envp);
  char buffer[SEARCH_BUFFER_SIZE];
  const char* found;
  int err = search_path(file, buffer, &found);
  if (err != 0) return err;
  return spawn_path(pid, wrapper, found, actions, attr, argv, envp);
}
