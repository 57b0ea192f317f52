// cordon-linux-sandbox: confines one command (SPEC §4) and then becomes it.
//
//   cordon-linux-sandbox [--writable-root PATH]... [--read-only-subpath PATH]...
//                        [--pin PATH]... [--allow-network]
//                        [--best-effort landlock|seccomp|read-only-subpaths|file-metadata]...
//                        [--simulate-landlock-abi N] [--exec-socket PATH]
//                        [--allow-unix-socket PATH]... -- COMMAND [ARG]...
//
// The TypeScript side decides every path; this program only enforces. Each
// part lives in its own file; this header is the plan they share.
#ifndef CORDON_LINUX_SANDBOX_H
#define CORDON_LINUX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

// The status of a launcher failure (bad arguments, a protection that cannot be
// applied): nothing of the command has run.
#define EXIT_LAUNCHER_FAILURE 125

// The protections the caller can downgrade one by one from "required" (the
// default: refuse to run without it) to "best-effort" (warn and run without it).
enum protection {
  PROTECTION_LANDLOCK,            // writes only under the writable roots
  PROTECTION_SECCOMP,             // network cut-off, io_uring, ptrace, mount calls
  PROTECTION_READ_ONLY_SUBPATHS,  // .git and protected names bound read-only
  // Modes, owners, times and extended attributes outside the writable roots,
  // which Landlock does not confine: the mount tree made read-only but for
  // the writable roots, or (no writable root) denied by seccomp.
  PROTECTION_FILE_METADATA,
  PROTECTION_COUNT
};

struct plan {
  const char** writable_roots;
  size_t writable_root_count;
  const char** read_only_subpaths;
  size_t read_only_subpath_count;
  // Directories bound onto themselves so that they cannot be renamed away
  // (taking the read-only binds below them along), outermost first.
  const char** pins;
  size_t pin_count;
  bool allow_network;
  bool best_effort[PROTECTION_COUNT];
  // Lowers the probed Landlock ABI (fault tests); -1 when not simulating.
  int simulated_landlock_abi;
  // The exec server every execve/execveat is decided by (supervisor.h); NULL: none.
  const char* exec_socket;
  // With the network off, the only pathname Unix sockets the command may
  // reach (canonical paths, matched exactly).
  const char** allowed_unix_sockets;
  size_t allowed_unix_socket_count;
  char** command;
};

// args.c
void parse_args(int argc, char** argv, struct plan* plan);

// report.c
const char* protection_name(enum protection protection);
__attribute__((noreturn, format(printf, 2, 3))) void fail(const char* what, const char* format, ...);
__attribute__((format(printf, 1, 2))) void warn(const char* format, ...);
// A protection cannot be applied: exits 125, or (best-effort) warns and returns.
__attribute__((format(printf, 3, 4))) void protection_unavailable(const struct plan* plan, enum protection protection,
                                                                  const char* format, ...);

// paths.c
bool path_is_within(const char* path, const char* root);
bool path_is_in_writable_root(const struct plan* plan, const char* path);

// landlock.c
// The Landlock ABI to enforce (0: none), after checking it is enough.
int landlock_usable_abi(const struct plan* plan);
void landlock_apply(const struct plan* plan, int abi);

// seccomp.c
// Installs the filter; returns its user-notification listener (exec
// approvals, Unix socket mediation), or -1 when nothing is notified.
int seccomp_apply(const struct plan* plan);

// mounts.c
void mounts_apply(const struct plan* plan);

// placeholders.c
struct placeholder {
  const char* path;
  int fd;        // share-locked while the command runs
  bool created;  // by this launcher, so it may remove it
};
// Makes sure each missing read-only subpath inside a writable root exists as
// an empty directory, so it can be bound read-only, and holds every such
// directory while the command runs; returns how many it holds.
size_t placeholders_create(const struct plan* plan, struct placeholder* out);
void placeholders_remove(struct placeholder* placeholders, size_t count);

// supervise.c
// Runs `child` to completion, forwarding signals; returns its wait status.
int supervise(pid_t child, const sigset_t* original_mask);
__attribute__((noreturn)) void exit_like(int wait_status);
void block_forwarded_signals(sigset_t* original_mask);

// exec.c
__attribute__((noreturn)) void exec_command(char** command);

#endif
