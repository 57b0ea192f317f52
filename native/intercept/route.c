// Hands one exec (or spawn) to the wrapper: the program actually started is
// $EXEC_WRAPPER with argv [wrapper, file, argv0, args...] and the caller's
// environment, so the wrapper can ask whether `file` may run and then become
// it with the original argv.
#include <errno.h>

#include "intercept.h"

int exec_through_wrapper(const char* wrapper, const char* file, char* const argv[],
                         char* const envp[]) {
  size_t count;
  int err = count_arguments(argv, &count);
  if (err != 0) {
    errno = err;
    return -1;
  }
  char* routed[routed_length(count)];
  build_routed_argv(routed, wrapper, file, argv, count);
  return real_calls()->execve(wrapper, routed, envp);
}

int spawn_through_wrapper(pid_t* pid, const char* wrapper, const char* file,
                          const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                          char* const argv[], char* const envp[]) {
  size_t count;
  int err = count_arguments(argv, &count);
  if (err != 0) return err;
  char* routed[routed_length(count)];
  build_routed_argv(routed, wrapper, file, argv, count);
  return real_calls()->posix_spawn(pid, wrapper, actions, attr, routed, envp);
}
