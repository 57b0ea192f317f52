// The few variables of an exec's environment that the host asked for
// (--exec-env NAME, NAME* for a prefix): read from the stopped process as its
// argv is, and filtered here, so the rest of the environment never leaves the
// supervisor.
#include <stdlib.h>

#include "../exec-wire/wire.h"
#include "supervisor.h"

static bool wanted_by_host(const char* entry, const void* plan) {
  const struct plan* p = plan;
  return environment_entry_wanted(entry, p->exec_environment_names, p->exec_environment_name_count);
}

char** exec_environment(pid_t pid, uint64_t envp, const struct plan* plan, size_t* count) {
  return remote_string_array_matching(pid, envp, wanted_by_host, plan, count);
}
