// Becomes the command: looks it up in PATH like execvp(3), keeps argv[0] as
// given, and calls the raw execve system call, because an exec interposer
// preloaded into this launcher would otherwise route the exec through the
// approval wrapper a second time.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

extern char** environ;

// The statuses a shell reports for a command it cannot run.
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127

static void raw_execve(const char* file, char** argv) { syscall(SYS_execve, file, argv, environ); }

void exec_command(char** command) {
  const char* name = command[0];
  int error = ENOENT;
  if (strchr(name, '/') != NULL) {
    raw_execve(name, command);
    error = errno;
  } else if (*name != '\0') {
    const char* search = getenv("PATH");
    if (search == NULL) search = "/usr/local/bin:/usr/bin:/bin";
    bool denied = false;
    for (const char* entry = search;; entry++) {
      const char* end = strchrnul(entry, ':');
      size_t length = (size_t)(end - entry);
      char file[PATH_MAX];
      // An empty entry means the current directory.
      int written = length == 0 ? snprintf(file, sizeof file, "%s", name)
                                : snprintf(file, sizeof file, "%.*s/%s", (int)length, entry, name);
      if (written > 0 && (size_t)written < sizeof file) {
        raw_execve(file, command);
        if (errno == EACCES) {
          denied = true;
        } else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) {
          error = errno;
          break;
        }
      }
      if (*end == '\0') break;
      entry = end;
    }
    if (error == ENOENT && denied) error = EACCES;
  }
  fprintf(stderr, "cordon-linux-sandbox: %s: %s\n", name, strerror(error));
  exit(error == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
}
