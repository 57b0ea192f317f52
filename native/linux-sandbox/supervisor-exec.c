// One execve/execveat: what the stopped process asks to run, resolved, put
// to the exec server, and answered. Only an explicit "run" continues the
// call; a deny, and every failure to find out or to ask, fails it with EACCES.
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
    asked = ask_exec_server(n->plan->exec_socket, &request, &response, error_text, sizeof error_text);
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
