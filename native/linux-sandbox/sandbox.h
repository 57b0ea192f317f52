// cordon-linux-sandbox: confines one command (SPEC §4).
//
//   cordon-linux-sandbox [--writable-root PATH]... [--read-only-subpath PATH]...
//                        [--read-only-path PATH]... [--pin PATH]... [--readable-root PATH]...
//                        [--allow-network] [--proxy-forward PORT=SOCKET]...
//                        [--pass-fd N]... [--exec-socket PATH [--exec-socket-id DEV:INO]] [--exec-env NAME]...
//                        [--allow-unix-socket PATH]...
//                        [--best-effort PROTECTION]... [--simulate-landlock-abi N]
//                        [--simulate-no-namespaces] [--limit NAME=VALUE]... [--limit-if-possible NAME=VALUE]...
//                        [--report-fd N] -- COMMAND [ARG]...
//   cordon-linux-sandbox --supervise-only --exec-socket PATH [--exec-socket-id DEV:INO] [--pass-fd N]...
//                        [--limit NAME=VALUE]... [--limit-if-possible NAME=VALUE]... [--report-fd N] -- COMMAND [ARG]...
//
// With --supervise-only (a danger-full-access or external-sandbox policy)
// nothing is confined: no namespace, Landlock, capability drop or filter
// rule but the one that puts every exec to the supervisor (and
// no_new_privs, which that filter needs); lifetimes hold as always, and so do
// the run's resource limits.
//
// The TypeScript side decides every path; this program only enforces. Each
// part lives in its own file; this header is the plan they share.
#ifndef CORDON_LINUX_SANDBOX_H
#define CORDON_LINUX_SANDBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// The status of a launcher failure (bad arguments, a protection that cannot be
// applied): nothing of the command has run.
#define EXIT_LAUNCHER_FAILURE 125

// The protections the caller can downgrade one by one from "required" (the
// default: refuse to run without it) to "best-effort" (warn and run without it).
enum protection {
  PROTECTION_LANDLOCK,            // writes only under the writable roots
  PROTECTION_SECCOMP,             // the system call filter (seccomp.c)
  PROTECTION_READ_ONLY_SUBPATHS,  // .git, protected names and cordon's own files bound read-only
  // Modes, owners, times and extended attributes outside the writable roots,
  // which Landlock does not confine: the mount tree made read-only but for
  // the writable roots, and (read-only policy) denied by seccomp as well.
  PROTECTION_FILE_METADATA,
  // Only the terminal the command was given: a private /dev with its own
  // devpts instance, so no other /dev/pts/N can be opened (mount namespace).
  PROTECTION_TERMINAL,
  // Without network, abstract Unix socket names and network devices stay
  // inside the sandbox (network namespace).
  PROTECTION_NETWORK_NAMESPACE,
  PROTECTION_COUNT
};

// The run's resource limits (limits.c), by the names the caller gives them.
enum limit { LIMIT_PIDS, LIMIT_MEMORY, LIMIT_CPU, LIMIT_FILE_SIZE, LIMIT_OPEN_FILES, LIMIT_COUNT };

// The network proxy's ports inside the sandbox (SPEC §11): 127.0.0.1:port
// there is carried to the host proxy's Unix socket at socket_path.
#define MAX_PROXY_FORWARDS 4
struct proxy_forward {
  int port;
  const char* socket_path;
};

struct plan {
  const char** writable_roots;
  size_t writable_root_count;
  const char** read_only_subpaths;
  size_t read_only_subpath_count;
  // cordon's own files: read-only even where they lie under a writable root.
  const char** read_only_paths;
  size_t read_only_path_count;
  // Directories bound onto themselves so that they cannot be renamed away
  // (taking the read-only binds below them along), outermost first.
  const char** pins;
  size_t pin_count;
  // Restricted reads: the only paths the command may read besides the
  // writable roots (none: it reads everywhere). See readable-root.c.
  const char** readable_roots;
  size_t readable_root_count;
  bool allow_network;
  // Without network but through the host's proxy: the only TCP ports the command reaches.
  struct proxy_forward proxy_forwards[MAX_PROXY_FORWARDS];
  size_t proxy_forward_count;
  // Descriptors above 2 the command keeps; every other one is closed.
  int* pass_fds;
  size_t pass_fd_count;
  // The exec bridge's socket: every execve of the sandbox is then put to the
  // exec supervisor (supervisor.h). NULL when absent.
  const char* exec_socket;
  // The socket file the host bound there ("DEV:INO" from --exec-socket-id),
  // so that one put in its place before the launcher pins it is refused.
  const char* exec_socket_id;
  // --exec-session: one connection for the whole run, on which the host may
  // say which decisions the supervisor keeps (supervisor-session.c); cordon's
  // own host only, since a Codex server answers one exec per connection.
  bool exec_session;
  // The environment variables of each exec the supervisor sends the exec
  // server (--exec-env NAME; NAME* is a prefix); none by default.
  const char** exec_environment_names;
  size_t exec_environment_name_count;
  // Pathname Unix sockets the supervisor may connect the command to.
  const char** allowed_unix_sockets;
  size_t allowed_unix_socket_count;
  bool best_effort[PROTECTION_COUNT];
  // Resource limits of the whole run (0: none); each refuses the run when it
  // cannot be enforced, unless it was asked for only where possible.
  unsigned long long limits[LIMIT_COUNT];
  bool limit_best_effort[LIMIT_COUNT];
  // The sandbox's first process (PID 1 of its PID namespace, or the command
  // itself without one), once started: what ending the run kills.
  pid_t run_pid;
  // Where the launcher reports, one line, which limit the kernel enforced ("limit-exceeded NAME"); -1: nowhere.
  int report_fd;
  // Lowers the probed Landlock ABI (fault tests); -1 when not simulating.
  int simulated_landlock_abi;
  // Behaves as on a host that allows no namespace (fault tests).
  bool simulate_no_namespaces;
  // Confines nothing; only the exec supervisor is started (see the top).
  bool supervise_only;
  char** command;
};

// The namespaces the sandbox got (namespaces.c): each one absent is made up
// for another way or refused by name.
struct namespaces {
  bool user;
  bool mount;
  bool pid;
  bool ipc;
  bool network;
  // The caller's ids outside, which a user namespace maps to themselves.
  uid_t outer_uid;
  gid_t outer_gid;
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
bool writable_root_held_by_another(const struct plan* plan, size_t i);
// Opens `path` (absolute) with `flags` from /, following no symbolic link on
// the way (the last component too: O_PATH|O_NOFOLLOW returns the link itself).
int open_no_symlinks(const char* path, int flags);
// Opens the directory that holds `path` that way; `name` is set to its last component.
int open_parent_no_symlinks(const char* path, const char** name);

// lifetime.c: nothing outlives the run, and the launcher dies with the host.
void lifetime_tie_to_host(pid_t host);
void lifetime_become_subreaper(void);
// Kills and reaps every process left below the (subreaper) launcher.
void lifetime_kill_descendants(void);
// The command's side: a new session, no controlling terminal, dies with `parent`.
void lifetime_detach_command(pid_t parent);

// namespaces.c
// Like fork(), but the child starts in every namespace the host allows.
pid_t namespaces_clone(const struct plan* plan, struct namespaces* out);
// In the child: maps the ids, brings loopback up.
void namespaces_enter(const struct namespaces* namespaces);
// Refuses (or warns) for each protection that needs a namespace the host denied.
void namespaces_check(const struct plan* plan, const struct namespaces* namespaces, int landlock_abi);

// readable-root.c
// An O_PATH descriptor of a readable path, opened without following symbolic
// links (but in /proc), or -1 when there is nothing there to grant.
int readable_root_open(const char* path);
// Puts the command in a fresh root holding only the readable paths and the
// writable roots; called inside the private mount namespace.
void readable_root_enter(const struct plan* plan);
bool readable_root_entered(void);
// Records that there is no mount namespace for the fresh root.
void readable_root_unavailable(const char* reason);

// limits.c: the run's budget; its state (the run's cgroups) is the launcher's, one per run.
const char* limit_name(enum limit limit);
// In the launcher, before the sandbox's first process starts: makes the run's cgroups.
void limits_prepare(const struct plan* plan);
// In the sandbox's first process: moves itself into them.
void limits_join(void);
// In the launcher, once that process has started: the descriptors it joined by are not needed there.
void limits_release_join(void);
// In the command, before exec: the per-process limits (and RLIMIT_NPROC where it stands in for pids).
void limits_apply_rlimits(const struct plan* plan, const struct namespaces* namespaces);
// The limit the kernel enforced on the run (evidence: the cgroup's counters, SIGXCPU, SIGXFSZ), or NULL.
const char* limits_exceeded(const struct plan* plan, int wait_status);
// Whether there are cgroups to remove after the run.
bool limits_have_cgroups(void);
// After the run (or, from the janitor, after the launcher was killed): removes the run's cgroups.
void limits_finish(void);

// placeholders.c
struct placeholder {
  int parent_fd;  // the directory holding it, opened without following links
  const char* name;
  int fd;  // share-locked while the command runs
  bool created;  // by this launcher, so it may remove it
};
// Makes sure each missing read-only subpath inside a writable root exists as
// an empty directory, so that it can be bound read-only, and holds every such
// directory while the command runs; returns how many it holds.
size_t placeholders_create(const struct plan* plan, struct placeholder* out);
void placeholders_remove(struct placeholder* placeholders, size_t count);

// janitor.c: removes the placeholders when the launcher is killed outright.
// `launcher_channels`: the launcher's two ends of its channels, which the janitor must not hold.
// It also removes the run's cgroups (limits.c).
void janitor_start(struct placeholder* placeholders, size_t count, pid_t sandbox, const int launcher_channels[2]);
void janitor_dismiss(void);

// mounts.c (in the sandbox's mount namespace)
void mounts_apply(const struct plan* plan, const struct namespaces* namespaces);

// devices.c (in the sandbox's mount namespace): a fresh /proc, a minimal /dev.
void devices_mount(const struct plan* plan, const struct namespaces* namespaces);

// landlock.c
// The Landlock ABI to enforce (0: none), after checking it is enough.
int landlock_usable_abi(const struct plan* plan);
void landlock_apply(const struct plan* plan, const struct namespaces* namespaces, int abi);

// capabilities.c
void capabilities_drop(void);

// seccomp.c
// Every call that changes a file's mode, owner, times, flags or extended
// attributes: refused under a read-only policy, made by the supervisor otherwise.
extern const int metadata_calls[];
extern const size_t metadata_call_count;
// Whether the filter asks the supervisor about some calls (then it has a listener).
bool seccomp_notifies(const struct plan* plan);
// Installs the filter; returns the listener descriptor, or -1 when there is
// none. `secret` is set to what lets the listener's hand-over through.
int seccomp_apply(const struct plan* plan, const struct namespaces* namespaces, uint64_t* secret);
// --supervise-only: a filter whose only rule puts execve and execveat to the
// supervisor; returns its listener. Refuses (exit 125) where it cannot be installed.
int seccomp_apply_exec_only(void);

// exec-socket.c
// Opens the exec socket once (O_PATH), checks it is the host's (a socket, the
// inode --exec-socket-id names), and points plan->exec_socket
// at that descriptor (/proc/self/fd/N): renaming or replacing the file later,
// from inside a sandbox whose writable roots hold it, changes nothing.
void exec_socket_pin(struct plan* plan);

// descriptor-passing.c: descriptors over a socket pair (SCM_RIGHTS, one byte).
// Sends `count` (1 to 8) descriptors; `tag` is the raw sendmsg's fourth
// argument, which the filter may check (0 where none does). Async-signal-safe.
// 1, or -1 with errno.
ssize_t descriptors_send(int channel, const int* fds, size_t count, unsigned long tag);
// Receives exactly `count` descriptors, close-on-exec: 1 when they came, 0
// when the channel ended first, -1 with errno (EPROTO for anything else).
int descriptors_receive(int channel, int* fds, size_t count);

// listener.c: the filter's listener travels from the command to the launcher.
void listener_send(int channel, int listener, uint64_t secret);
// -1 when none comes (the channel's writers all closed it).
int listener_receive(int channel);

// descriptors.c
void descriptors_close(const struct plan* plan);

// proxy-listen.c (PID 1, in the sandbox's network namespace): listens on each
// proxy port and hands the sockets over `channel`, then closes it.
void proxy_listen_send(const struct plan* plan, int channel);

// proxy-forward.c (the launcher): receives those sockets and carries every
// connection to the host proxy's Unix socket, in threads of its own.
void proxy_forward_start(const struct plan* plan, int channel);

// init.c: PID 1 of the sandbox's PID namespace.
// `status_channel`: to the launcher; `listener_channel`: the command's, passed on;
// `proxy_channel`: the proxy's listening sockets go there (-1 without a proxy).
__attribute__((noreturn)) void init_run(const struct plan* plan, const struct namespaces* namespaces, int status_channel,
                                        int listener_channel, int proxy_channel, const sigset_t* original_mask,
                                        int landlock_abi);
// Reads the command's wait status that init sent; false when none came.
bool init_status_receive(int channel, int* wait_status);

// main.c: the confined command, from the process that started it.
__attribute__((noreturn)) void command_run(const struct plan* plan, const struct namespaces* namespaces,
                                           pid_t parent, int listener_channel, int landlock_abi);

// supervise.c
// Runs `child` to completion, forwarding signals; returns its wait status.
// `reap_all`: also reaps every other child meanwhile (PID 1 of a namespace).
int supervise(pid_t child, const sigset_t* original_mask, bool from_terminal_too, bool reap_all);
__attribute__((noreturn)) void exit_like(int wait_status);
void block_forwarded_signals(sigset_t* original_mask);

// exec.c
__attribute__((noreturn)) void exec_command(char** command);

#endif
