// The few variables of an exec's environment that the host asked for
// (--exec-env NAME, NAME* for a prefix): read from the stopped process as its
// argv is, and filtered here, so the rest of the environment never leaves the
// supervisor.
#include <stdlib.h>

#include "../exec-wire/wire.h"
#include "supervisor.h"

char** exec_environment(pid_t pid, uint64_t envp, const struct plan* plan, size_t* count) {
  size_t total = 0;
  char** entries = remote_string_array(pid, envp, &total);
  if (entries == NULL) return NULL;
  size_t kept = 0;
  for (size_t i = 0; i < total; i++) {
    if (environment_entry_wanted(entries[i], plan->exec_environment_names, plan->exec_environment_name_count)) {
      entries[kept++] = entries[i];
    } else {
      free(entries[i]);
    }
  }
  *count = kept;
  return entries;
}
