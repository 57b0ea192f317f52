// cordon-exec-wrapper <file> <argv0> <args...>
//
// Started in place of every exec in a confined shell. It asks the exec server
// (CORDON_EXEC_SOCKET) whether `file` may run with this argv in this cwd; on
// "run" it becomes that program (same pid, argv0 and environment untouched,
// so nested shells stay confined); on "deny" it exits 126; on any failure it
// exits 125 having run nothing.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "../exec-wire/wire.h"

extern char** environ;

// Exit statuses: the program was refused, or cordon itself failed.
#define EXIT_DENIED 126
#define EXIT_CORDON_FAILURE 125

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fputs("cordon: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(EXIT_CORDON_FAILURE);
}

// The variables of this environment the host asked to see (CORDON_EXEC_ENVIRONMENT:
// names separated by ':', NAME* for a prefix), as pointers into environ; NULL when it asked for none.
static const char** wanted_environment(size_t* count) {
  *count = 0;
  const char* asked = getenv("CORDON_EXEC_ENVIRONMENT");
  if (asked == NULL) return NULL;
  char* names_text = strdup(asked);
  size_t name_count = 0, entry_count = 0;
  for (const char* p = asked; *p != '\0'; p++) name_count += *p == ':';
  for (char** e = environ; *e != NULL; e++) entry_count++;
  const char** names = calloc(name_count + 1, sizeof *names);
  const char** wanted = calloc(entry_count + 1, sizeof *wanted);
  if (names_text == NULL || names == NULL || wanted == NULL) fail("out of memory");
  name_count = 0;
  for (char *rest = names_text, *name; (name = strsep(&rest, ":")) != NULL;) {
    if (*name != '\0') names[name_count++] = name;
  }
  for (char** e = environ; *e != NULL; e++) {
    if (environment_entry_wanted(*e, names, name_count)) wanted[(*count)++] = *e;
  }
  free(names);
  free(names_text);
  return wanted;
}

// Asks the server; returns its answer or exits 125.
static struct exec_response ask(const char* socket_path, const char* file, char* const* argv, int argc) {
  char* cwd = getcwd(NULL, 0);
  if (cwd == NULL) fail("cannot read the working directory: %s", strerror(errno));
  char request_id[UUID_TEXT_SIZE];
  if (uuid_generate(request_id) != 0) fail("cannot generate a request id: %s", strerror(errno));
  // Codex's members, and the variables the host asked for: what else a
  // wrapper inside the sandbox could add (the resolved program, its pid) the
  // host could not trust anyway.
  size_t environment_count;
  const char** environment = wanted_environment(&environment_count);
  struct exec_request request = {
      .request_id = request_id,
      .file = file,
      .argv = (const char* const*)argv,
      .argc = (size_t)argc,
      .cwd = cwd,
      .has_environment = environment != NULL,
      .environment = environment,
      .environment_count = environment_count,
  };
  struct exec_response response;
  char error[512];
  if (ask_exec_server(socket_path, &request, &response, error, sizeof error) != 0) fail("%s", error);
  free(environment);
  free(cwd);
  return response;
}

int main(int argc, char** argv) {
  // The package's self-test before it hands this executable to a shell; a real
  // invocation always has at least a file and an argv0.
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    if (printf("cordon-exec-wrapper %s\n", CORDON_VERSION) < 0 || fflush(stdout) != 0) return EXIT_CORDON_FAILURE;
    return 0;
  }
  if (argc < 3) fail("usage: cordon-exec-wrapper <file> <argv0> [args...]");
  const char* file = argv[1];
  char* const* program_argv = argv + 2;
  const char* socket_path = getenv("CORDON_EXEC_SOCKET");
  if (socket_path == NULL || socket_path[0] == '\0') {
    fail("CORDON_EXEC_SOCKET is not set, so %s cannot be approved; refusing to run it", file);
  }

  struct exec_response response = ask(socket_path, file, program_argv, argc - 2);
  if (!response.run) {
    fprintf(stderr, "cordon: execution denied: %s\n", response.reason ? response.reason : "no reason given");
    return EXIT_DENIED;
  }
  free(response.reason);

#ifdef __linux__
  // The raw system call: a preloaded exec interposer would otherwise route
  // this already approved exec through the wrapper again.
  syscall(SYS_execve, file, program_argv, environ);
#else
  execve(file, program_argv, environ);
#endif
  // As shells do: 127 when there is no such program, 126 when it cannot run.
  int err = errno;
  fprintf(stderr, "cordon: cannot execute %s: %s\n", file, strerror(err));
  return err == ENOENT ? 127 : 126;
}
