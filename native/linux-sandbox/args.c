// Parses the command line into a plan. Every value is its own argv element,
// taken verbatim (paths may hold any byte but NUL), and must be absolute.
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

static const char* const usage =
    "usage: cordon-linux-sandbox [--writable-root PATH]... [--read-only-subpath PATH]... [--read-only-path PATH]...\n"
    "                            [--readable-root PATH]...\n"
    "                            [--pin PATH]... [--allow-network] [--proxy-forward PORT=SOCKET]... [--pass-fd N]... [--exec-socket PATH [--exec-socket-id DEV:INO]]\n"
    "                            [--allow-unix-socket PATH]... [--best-effort PROTECTION]...\n"
    "                            [--simulate-landlock-abi N] [--simulate-no-namespaces] -- COMMAND [ARG]...\n"
    "protections: landlock, seccomp, read-only-subpaths, file-metadata, terminal, network-namespace";

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
  fail("usage", "--best-effort: unknown protection \"%s\"\n%s", name, usage);
}

static long number_named(const char* flag, const char* text, long minimum, long maximum) {
  char* end = NULL;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < minimum || value > maximum) {
    fail("usage", "%s needs a number from %ld to %ld, got \"%s\"", flag, minimum, maximum, text);
  }
  return value;
}

static void add_proxy_forward(struct plan* plan, const char* value) {
  const char* equals = strchr(value, '=');
  if (equals == NULL || equals == value || equals - value > 5) fail("usage", "--proxy-forward needs PORT=SOCKET, got \"%s\"", value);
  char port[6] = {0};
  memcpy(port, value, (size_t)(equals - value));
  if (plan->proxy_forward_count == MAX_PROXY_FORWARDS) fail("usage", "at most %d --proxy-forward", MAX_PROXY_FORWARDS);
  struct proxy_forward* forward = &plan->proxy_forwards[plan->proxy_forward_count++];
  forward->port = (int)number_named("--proxy-forward", port, 1, 65535);
  forward->socket_path = absolute_path("--proxy-forward", equals + 1);
}

void parse_args(int argc, char** argv, struct plan* plan) {
  memset(plan, 0, sizeof *plan);
  plan->simulated_landlock_abi = -1;
  // No list can be longer than argc; one allocation each keeps parsing simple.
  size_t n = (size_t)argc;
  plan->writable_roots = calloc(n, sizeof(char*));
  plan->read_only_subpaths = calloc(n, sizeof(char*));
  plan->read_only_paths = calloc(n, sizeof(char*));
  plan->pins = calloc(n, sizeof(char*));
  plan->pass_fds = calloc(n, sizeof(int));
  plan->allowed_unix_sockets = calloc(n, sizeof(char*));
  plan->readable_roots = calloc(n, sizeof(char*));
  if (!plan->writable_roots || !plan->read_only_subpaths || !plan->read_only_paths || !plan->pins || !plan->pass_fds ||
      !plan->allowed_unix_sockets || !plan->readable_roots) {
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
    } else if (strcmp(arg, "--read-only-path") == 0) {
      plan->read_only_paths[plan->read_only_path_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--pin") == 0) {
      plan->pins[plan->pin_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--readable-root") == 0) {
      plan->readable_roots[plan->readable_root_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--allow-network") == 0) {
      plan->allow_network = true;
    } else if (strcmp(arg, "--proxy-forward") == 0) {
      add_proxy_forward(plan, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--pass-fd") == 0) {
      plan->pass_fds[plan->pass_fd_count++] = (int)number_named(arg, value_of(argc, argv, &i), 3, INT_MAX);
    } else if (strcmp(arg, "--exec-socket") == 0) {
      plan->exec_socket = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--exec-socket-id") == 0) {
      plan->exec_socket_id = value_of(argc, argv, &i);
    } else if (strcmp(arg, "--allow-unix-socket") == 0) {
      plan->allowed_unix_sockets[plan->allowed_unix_socket_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--best-effort") == 0) {
      plan->best_effort[protection_named(value_of(argc, argv, &i))] = true;
    } else if (strcmp(arg, "--simulate-landlock-abi") == 0) {
      plan->simulated_landlock_abi = (int)number_named(arg, value_of(argc, argv, &i), 0, 1000);
    } else if (strcmp(arg, "--simulate-no-namespaces") == 0) {
      plan->simulate_no_namespaces = true;
    } else {
      fail("usage", "unknown option \"%s\"\n%s", arg, usage);
    }
  }
  if (i + 1 >= argc) fail("usage", "no command after --\n%s", usage);
  if (plan->allow_network && plan->proxy_forward_count > 0) {
    fail("usage", "--proxy-forward needs the sandbox's own network namespace, not --allow-network");
  }
  plan->command = &argv[i + 1];
}
