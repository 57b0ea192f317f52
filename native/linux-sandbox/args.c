// Parses the command line into a plan. Every value is its own argv element,
// taken verbatim (paths may hold any byte but NUL), and must be absolute.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

static const char* const usage =
    "usage: cordon-linux-sandbox --version\n"
    "       cordon-linux-sandbox [--writable-root PATH]... [--read-only-subpath PATH]... [--read-only-path PATH]...\n"
    "                            [--readable-root PATH]...\n"
    "                            [--pin PATH]... [--allow-network] [--proxy-forward PORT=SOCKET]... [--pass-fd N]...\n"
    "                            [--exec-socket PATH [--exec-socket-id DEV:INO] [--exec-session]] [--exec-env NAME]... [--allow-unix-socket PATH]...\n"
    "                            [--best-effort PROTECTION]... [--simulate-landlock-abi N] [--simulate-no-namespaces]\n"
    "                            [--limit NAME=VALUE]... [--limit-if-possible NAME=VALUE]... [--report-fd N] -- COMMAND [ARG]...\n"
    "       cordon-linux-sandbox --supervise-only --exec-socket PATH [--exec-socket-id DEV:INO] [--exec-session] [--exec-env NAME]...\n"
    "                            [--pass-fd N]... [--limit NAME=VALUE]... [--limit-if-possible NAME=VALUE]... [--report-fd N]\n"
    "                            -- COMMAND [ARG]...\n"
    "protections: landlock, seccomp, read-only-subpaths, file-metadata, terminal, network-namespace\n"
    "limits (whole numbers, bytes and seconds): pids, memory, cpu, file-size, open-files";

static const char* value_of(int argc, char** argv, int* i) {
  if (*i + 1 >= argc) fail("usage", "%s needs a value\n%s", argv[*i], usage);
  *i += 1;
  return argv[*i];
}

static const char* absolute_path(const char* flag, const char* value) {
  if (value[0] != '/') fail("usage", "%s must be an absolute path, got \"%s\"", flag, value);
  return value;
}

// A variable name, or a prefix of names ending in '*': not empty, no '='.
static const char* variable_name(const char* flag, const char* value) {
  if (value[0] == '\0' || value[0] == '*' || strchr(value, '=') != NULL) {
    fail("usage", "%s needs a variable name (or a prefix ending in *), got \"%s\"", flag, value);
  }
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

// --limit NAME=VALUE: a limit of the run, VALUE a whole number from 1.
static void limit_named(struct plan* plan, const char* flag, const char* text, bool best_effort) {
  const char* equals = strchr(text, '=');
  for (int l = 0; equals != NULL && l < LIMIT_COUNT; l++) {
    const char* name = limit_name((enum limit)l);
    if (strlen(name) != (size_t)(equals - text) || strncmp(text, name, strlen(name)) != 0) continue;
    char* end = NULL;
    errno = 0;
    unsigned long long value = strtoull(equals + 1, &end, 10);
    if (equals[1] < '0' || equals[1] > '9' || *end != '\0' || errno != 0 || value == 0) {
      fail("usage", "%s %s: the value must be a whole number from 1\n%s", flag, text, usage);
    }
    plan->limits[l] = value;
    plan->limit_best_effort[l] = best_effort;
    return;
  }
  fail("usage", "%s: unknown limit \"%s\"\n%s", flag, text, usage);
}

// --supervise-only confines nothing: it only puts every exec to the
// supervisor, so a path or a protection given with it would promise what
// does not hold.
static void check_supervise_only(struct plan* plan) {
  if (plan->exec_socket == NULL) fail("usage", "--supervise-only needs --exec-socket\n%s", usage);
  size_t paths = plan->writable_root_count + plan->read_only_subpath_count + plan->read_only_path_count +
                 plan->pin_count + plan->readable_root_count + plan->allowed_unix_socket_count;
  bool downgraded = false;
  for (int p = 0; p < PROTECTION_COUNT; p++) downgraded |= plan->best_effort[p];
  if (paths > 0 || downgraded || plan->allow_network || plan->simulated_landlock_abi >= 0 || plan->simulate_no_namespaces) {
    fail("usage", "--supervise-only takes no paths, protections or simulations: it confines nothing\n%s", usage);
  }
  // Nothing is confined, the network included.
  plan->allow_network = true;
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
  // The package's self-test before it runs this executable (a prebuilt one
  // may be corrupt or from another release): the name and the version.
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    if (printf("cordon-linux-sandbox %s\n", CORDON_VERSION) < 0 || fflush(stdout) != 0) exit(1);
    exit(0);
  }
  memset(plan, 0, sizeof *plan);
  plan->simulated_landlock_abi = -1;
  plan->report_fd = -1;
  // No list can be longer than argc; one allocation each keeps parsing simple.
  size_t n = (size_t)argc;
  plan->writable_roots = calloc(n, sizeof(char*));
  plan->read_only_subpaths = calloc(n, sizeof(char*));
  plan->read_only_paths = calloc(n, sizeof(char*));
  plan->pins = calloc(n, sizeof(char*));
  plan->pass_fds = calloc(n, sizeof(int));
  plan->allowed_unix_sockets = calloc(n, sizeof(char*));
  plan->readable_roots = calloc(n, sizeof(char*));
  plan->exec_environment_names = calloc(n, sizeof(char*));
  if (!plan->writable_roots || !plan->read_only_subpaths || !plan->read_only_paths || !plan->pins || !plan->pass_fds ||
      !plan->allowed_unix_sockets || !plan->readable_roots || !plan->exec_environment_names) {
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
    } else if (strcmp(arg, "--exec-session") == 0) {
      plan->exec_session = true;
    } else if (strcmp(arg, "--exec-env") == 0) {
      plan->exec_environment_names[plan->exec_environment_name_count++] = variable_name(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--allow-unix-socket") == 0) {
      plan->allowed_unix_sockets[plan->allowed_unix_socket_count++] = absolute_path(arg, value_of(argc, argv, &i));
    } else if (strcmp(arg, "--best-effort") == 0) {
      plan->best_effort[protection_named(value_of(argc, argv, &i))] = true;
    } else if (strcmp(arg, "--simulate-landlock-abi") == 0) {
      plan->simulated_landlock_abi = (int)number_named(arg, value_of(argc, argv, &i), 0, 1000);
    } else if (strcmp(arg, "--limit") == 0 || strcmp(arg, "--limit-if-possible") == 0) {
      limit_named(plan, arg, value_of(argc, argv, &i), strcmp(arg, "--limit-if-possible") == 0);
    } else if (strcmp(arg, "--report-fd") == 0) {
      plan->report_fd = (int)number_named(arg, value_of(argc, argv, &i), 3, INT_MAX);
    } else if (strcmp(arg, "--simulate-no-namespaces") == 0) {
      plan->simulate_no_namespaces = true;
    } else if (strcmp(arg, "--supervise-only") == 0) {
      plan->supervise_only = true;
    } else {
      fail("usage", "unknown option \"%s\"\n%s", arg, usage);
    }
  }
  for (size_t p = 0; p < plan->pass_fd_count; p++) {
    if (plan->pass_fds[p] == plan->report_fd) fail("usage", "--report-fd %d is the launcher's own; it cannot be passed on", plan->report_fd);
  }
  if (i + 1 >= argc) fail("usage", "no command after --\n%s", usage);
  if (plan->supervise_only) check_supervise_only(plan);
  if (plan->exec_session && plan->exec_socket == NULL) fail("usage", "--exec-session needs --exec-socket\n%s", usage);
  if (plan->allow_network && plan->proxy_forward_count > 0) {
    fail("usage", "--proxy-forward needs the sandbox's own network namespace, not --allow-network");
  }
  plan->command = &argv[i + 1];
}
