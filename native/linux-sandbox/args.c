// Parses the command line into a plan. Every value is its own argv element,
// taken verbatim (paths may hold any byte but NUL), and must be absolute.
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

static const char* const usage =
    "usage: cordon-linux-sandbox [--writable-root PATH]... [--read-only-subpath PATH]... [--pin PATH]...\n"
    "                            [--allow-network] [--best-effort landlock|seccomp|read-only-subpaths|file-metadata]...\n"
    "                            [--simulate-landlock-abi N] [--exec-socket PATH] [--allow-unix-socket PATH]...\n"
    "                            -- COMMAND [ARG]...";

static const char* value_of(int argc, char** argv, int* i) {
  if (*i + 1 >= argc) fail("usage", "%s needs a value\n%s", argv[*i], usage);
  *i += 1;
  return argv[*i];
}

static const char* absolute_path(const char* flag, const char* value) {
  if (value[0] != '/') fail("usage", "%s must be an absolute path, got \"%s\"", flag, value);
  return value;
}

static enum protection protection_named(const char* name) {
  for (int p = 0; p < PROTECTION_COUNT; p++) {
    if (strcmp(name, protection_name((enum protection)p)) == 0) return (enum protection)p;
  }
  fail("usage", "--best-effort: unknown protection \"%s\" (landlock, seccomp, read-only-subpaths or file-metadata)", name);
}

static int landlock_abi_named(const char* text) {
  char* end = NULL;
  long abi = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || abi < 0 || abi > 1000) {
    fail("usage", "--simulate-landlock-abi needs a number from 0, got \"%s\"", text);
  }
  return (int)abi;
}

void parse_args(int argc, char** argv, struct plan* plan) {
  memset(plan, 0, sizeof *plan);
  plan->simulated_landlock_abi = -1;
  // No list can be longer than argc; one allocation each keeps parsing simple.
  plan->writable_roots = calloc((size_t)argc, sizeof(char*));
  plan->read_only_subpaths = calloc((size_t)argc, sizeof(char*));
  plan->pins = calloc((size_t)argc, sizeof(char*));
  plan->allowed_unix_sockets = calloc((size_t)argc, sizeof(char*));
  if (!plan->writable_roots || !plan->read_only_subpaths || !plan->pins || !plan->allowed_unix_sockets) {
    fail("launcher", "out of memory");
  }

  int i = 1;
  for (; i < argc; i++) {
    const char* arg = argv[i];
    if (strcmp(arg, "--") == 0) break;
    if (strcmp(arg, "--writable-root") == 0) {
      plan->writable_roots[plan->writable_root_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--read-only-subpath") == 0) {
      plan->read_only_subpaths[plan->read_only_subpath_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--pin") == 0) {
      plan->pins[plan->pin_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--allow-network") == 0) {
      plan->allow_network = true;
    } else if (strcmp(arg, "--best-effort") == 0) {
      plan->best_effort[protection_named(value_of(argc, argv, &i))] = true;
    } else if (strcmp(arg, "--exec-socket") == 0) {
      plan->exec_socket = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--allow-unix-socket") == 0) {
      plan->allowed_unix_sockets[plan->allowed_unix_socket_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--simulate-landlock-abi") == 0) {
      plan->simulated_landlock_abi = landlock_abi_named(value_of(argc, argv, &i));
    } else {
      fail("usage", "unknown option \"%s\"\n%s", arg, usage);
    }
  }
  if (i + 1 >= argc) fail("usage", "no command after --\n%s", usage);
  plan->command = &argv[i + 1];
}
