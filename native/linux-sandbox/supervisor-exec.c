// One execve/execveat: what the stopped process asks to run, resolved, put
// to the exec server, and answered. Only an explicit "run" continues the
// call; a deny, and every failure to find out or to ask, fails it with EACCES.
// In a session, a program whose run the host said holds for all its execs
// (a kept decision) continues without asking, once its record is on the way.
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "../exec-wire/wire.h"
#include "supervisor.h"

// What the process asked for, read from its memory.
struct exec_call {
  char* path;
  char** argv;
  size_t argc;
  char* cwd;
  int dirfd;
  int flags;
  // The variables the host asked for (supervisor-environ.c); none when it asked for none.
  char** environment;
  size_t environment_count;
};

static void free_call(struct exec_call* call) {
  free(call->path);
  free_string_array(call->argv, call->argc);
  free(call->cwd);
  free_string_array(call->environment, call->environment_count);
}

// 0, or the errno to fail the exec with.
static int read_call(const struct notification* n, struct exec_call* call) {
  const struct seccomp_data* data = &n->request->data;
  pid_t pid = (pid_t)n->request->pid;
  bool at = data->nr == SYS_execveat;
  *call = (struct exec_call){.dirfd = at ? (int)data->args[0] : AT_FDCWD, .flags = at ? (int)data->args[4] : 0};
  call->path = remote_string(pid, at ? data->args[1] : data->args[0], PATH_MAX - 1);
  if (call->path == NULL || !notification_valid(n)) return call->path == NULL ? errno : ESRCH;
  call->argv = remote_string_array(pid, at ? data->args[2] : data->args[1], &call->argc);
  if (call->argv == NULL || !notification_valid(n)) return call->argv == NULL ? errno : ESRCH;
  call->cwd = proc_link(pid, "cwd");
  if (call->cwd == NULL || !notification_valid(n)) return call->cwd == NULL ? errno : ESRCH;
  if (n->plan->exec_environment_name_count > 0) {
    call->environment = exec_environment(pid, at ? data->args[3] : data->args[2], n->plan, &call->environment_count);
    if (call->environment == NULL || !notification_valid(n)) return call->environment == NULL ? errno : ESRCH;
  }
  return 0;
}

static void deny(const struct notification* n, const struct exec_call* call, const char* reason) {
  tell_denied(n, call->argv, call->argc, reason);
  answer_error(n, EACCES);
}

// The names the host judged the program by (supervisor-kept.c): the path as
// given (after the working directory when it is relative), the executable
// and the interpreter, each NUL-terminated; malloc'd, NULL when out of memory.
static char* program_names(const struct exec_call* call, const struct exec_target* target, size_t* length) {
  const char* parts[] = {target->file[0] == '/' ? "" : call->cwd, target->file, target->executable ? target->executable : "",
                         target->interpreter ? target->interpreter : ""};
  size_t total = 0;
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) total += strlen(parts[i]) + 1;
  char* names = malloc(total);
  if (names == NULL) return NULL;
  char* at = names;
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) at = stpcpy(at, parts[i]) + 1;
  *length = total;
  return names;
}

// The host decides argument lists of at most this many bytes (MAX_ARGV_BYTES
// in src/bridge/limits.ts) and refuses longer ones, so an exec past it is
// asked even for a kept program; so is one with larger variables, whose
// record the host could not read.
#define KEPT_MAX_BYTES (256 * 1024)

static size_t strings_bytes(char* const* strings, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; i++) total += strlen(strings[i]) + 1;
  return total;
}

// Asks the host (in the session, or on a connection of its own); a kept
// decision is answered here and only recorded. 0 with `response` filled, or
// -1 with a message in `error`.
static int decide(const struct notification* n, struct exec_request* request, const struct exec_call* call,
                  const struct exec_target* target, struct exec_response* response, char* error, size_t error_size) {
  if (n->session == NULL) return ask_exec_server(n->plan->exec_socket, request, response, error, error_size);
  struct program_identity identity = target->identity;
  bool small = strings_bytes(call->argv, call->argc) <= KEPT_MAX_BYTES &&
               strings_bytes(call->environment, call->environment_count) <= KEPT_MAX_BYTES;
  char* names = target->anonymous || !small ? NULL : program_names(call, target, &identity.names_length);
  int result;
  if (names != NULL && kept_holds(n->kept, &identity, names)) {
    request->record = true;
    result = session_record(n->session, request, error, error_size);
    response->run = result == 0;
  } else {
    result = session_ask(n->session, request, response, error, error_size);
    if (result == 0 && response->run && response->keep_for_program && names != NULL) kept_add(n->kept, &identity, names);
  }
  free(names);
  return result;
}

void handle_exec(const struct notification* n) {
  struct exec_call call;
  struct exec_target target = {0};
  int error = read_call(n, &call);
  if (error == EPERM || error == EACCES || error == ENOMEM) {
    // The supervisor could not look: refuse, and say so.
    char problem[128];
    snprintf(problem, sizeof problem, "cannot read the exec from the process (%s)", strerror(error));
    deny(n, &call, problem);
    free_call(&call);
    return;
  }
  if (error == 0) error = resolve_exec_target((pid_t)n->request->pid, call.dirfd, call.path, call.flags, &target);
  if (error == 0 && !notification_valid(n)) error = ESRCH;
  if (error != 0) {
    // What the kernel would answer itself (no such file, not executable, a
    // bad pointer), or the process is gone: nothing runs, nothing to ask.
    answer_error(n, error);
    free_call(&call);
    free_exec_target(&target);
    return;
  }

  char request_id[UUID_TEXT_SIZE];
  struct exec_response response = {0};
  char problem[600];
  int asked = -1;
  if (uuid_generate(request_id) != 0) {
    snprintf(problem, sizeof problem, "cannot generate a request id: %s", strerror(errno));
  } else {
    struct exec_request request = {
        .request_id = request_id,
        .file = target.file,
        .argv = (const char* const*)call.argv,
        .argc = call.argc,
        .cwd = call.cwd,
        .has_details = true,
        .executable = target.executable,
        .interpreter = target.interpreter,
        .anonymous = target.anonymous,
        .pid = (long)n->request->pid,
        .has_environment = n->plan->exec_environment_name_count > 0,
        .environment = (const char* const*)call.environment,
        .environment_count = call.environment_count,
    };
    char error_text[512];
    asked = decide(n, &request, &call, &target, &response, error_text, sizeof error_text);
    if (asked != 0) snprintf(problem, sizeof problem, "the exec server could not be asked (%s)", error_text);
  }
  if (asked != 0) {
    deny(n, &call, problem);
  } else if (response.run) {
    answer_continue(n);
  } else if (response.abort) {
    // The run is killed and the exec left unanswered: the process never
    // returns from it, and the kernel kills the rest of the run while the
    // shell waits for it, so nothing runs after the refused exec (a built-in
    // would need no exec to be asked about).
    supervisor_end_run(n->plan);
  } else {
    deny(n, &call, response.reason != NULL ? response.reason : "no reason given");
  }
  free(response.reason);
  free_call(&call);
  free_exec_target(&target);
}
