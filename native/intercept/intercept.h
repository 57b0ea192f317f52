// Shared declarations of the exec interposer (libcordon_intercept.so).
// Everything here may run in a vfork child: no malloc, no locks, no stdio,
// nothing but the stack and system calls.
#ifndef CORDON_INTERCEPT_H
#define CORDON_INTERCEPT_H

#include <limits.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>

#define INTERCEPT_EXPORT __attribute__((visibility("default")))

// The shell glibc runs for system(), popen() and execvp's fallback.
#define SHELL_PATH "/bin/sh"

// real.c: the libc functions this library stands in front of, found once
// with dlsym(RTLD_NEXT) when the library is loaded.
struct real_calls {
  int (*execve)(const char* path, char* const argv[], char* const envp[]);
  int (*execv)(const char* path, char* const argv[]);
  int (*execvp)(const char* file, char* const argv[]);
  int (*execvpe)(const char* file, char* const argv[], char* const envp[]);
  int (*execveat)(int dirfd, const char* path, char* const argv[], char* const envp[], int flags);
  int (*fexecve)(int fd, char* const argv[], char* const envp[]);
  int (*posix_spawn)(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                     const posix_spawnattr_t* attr, char* const argv[], char* const envp[]);
  int (*posix_spawnp)(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                      const posix_spawnattr_t* attr, char* const argv[], char* const envp[]);
  int (*system)(const char* command);
  FILE* (*popen)(const char* command, const char* mode);
  int (*pclose)(FILE* stream);
};

// Never NULL after the first call; resolves the symbols if the constructor
// has not run yet (an exec from another library's constructor).
const struct real_calls* real_calls(void);

// wrapper.c: whether, and through what, this process routes its execs.
// The value of `name` in this process's own environment (environ), or NULL.
const char* environment_value(const char* name);
// $EXEC_WRAPPER when it is set, non-empty, and this process is not the
// wrapper itself; NULL when execs must behave exactly like libc's.
const char* routing_wrapper(void);
// Whether exec'ing `file` means starting the wrapper (never wrapped twice).
int names_wrapper(const char* file, const char* wrapper);

// resolve.c: which file an exec would run, and the errno it would fail with.
// Room for one PATH element (at most PATH_MAX), a slash, a file name and NUL.
#define SEARCH_BUFFER_SIZE (PATH_MAX + 1 + NAME_MAX + 1)
// 0 when execve(path) would find an executable regular file, else the errno
// execve would fail with.
int executable_error(const char* path);
// The same for a file named relative to a directory descriptor, with
// execveat's flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH).
int executable_error_at(int dirfd, const char* path, int flags);
// execvp's search: sets *found to `file` itself (it has a slash) or to the
// first executable candidate built in `buffer` from $PATH (default
// "/bin:/usr/bin"); returns 0, or the errno execvp would report.
int search_path(const char* file, char buffer[SEARCH_BUFFER_SIZE], const char** found);

// format.c: whether execve would fail with ENOEXEC (neither ELF nor "#!",
// and no binfmt_misc handler that might take it); dirfd/flags as for
// executable_error_at. Unknown (unreadable) counts as runnable.
int lacks_exec_format(int dirfd, const char* path, int flags);

// rewrite.c: the wrapper's argv, [wrapper, file, argv0, args..., NULL].
// Bound on the caller's argv: the routed copy lives on the stack.
#define MAX_ROUTED_ARGS 131072
// Counts argv (NULL counts as empty); E2BIG beyond MAX_ROUTED_ARGS, else 0.
int count_arguments(char* const argv[], size_t* count);
// Slots `routed` must have for an argv of `count` arguments.
size_t routed_length(size_t count);
void build_routed_argv(char* routed[], const char* wrapper, const char* file, char* const argv[],
                       size_t count);

// fd-path.c: names an open descriptor (or a path relative to one) so that
// the wrapper, a new program, can open the same file again.
#define FD_PATH_SIZE (PATH_MAX + 1)
struct fd_path {
  char path[FD_PATH_SIZE];
  // A descriptor whose close-on-exec flag was cleared so that its
  // /proc/self/fd name survives into the wrapper, or -1.
  int kept_open_fd;
};
// Fills `out` for `path` relative to `dirfd` (path "" with AT_EMPTY_PATH: the
// descriptor itself); returns 0 or an errno.
int name_file_at(int dirfd, const char* path, int flags, struct fd_path* out);
// Undoes name_file_at's close-on-exec change after a failed exec.
void restore_fd_path(const struct fd_path* named);

// route.c: the routed exec shared by every exec entry point: replaces the
// process with `wrapper file argv0 args...`; returns -1 with errno on failure.
int exec_through_wrapper(const char* wrapper, const char* file, char* const argv[],
                         char* const envp[]);
// The same for posix_spawn: starts `wrapper file argv0 args...`; returns 0 or
// an error number, as posix_spawn does.
int spawn_through_wrapper(pid_t* pid, const char* wrapper, const char* file,
                          const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                          char* const argv[], char* const envp[]);

#endif
