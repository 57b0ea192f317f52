// The exec supervisor (SPEC §5): the launcher's unsandboxed parent answers
// the seccomp user notifications of the sandboxed command. Its invariants
// (exact resolution, nothing read or written that the process could not,
// no CONTINUE on arguments in memory but exec's) are set out in supervisor.c.
//
//   execve / execveat   read path, argv and cwd from the stopped process,
//                       resolve what the kernel will run (symlinks, #!,
//                       PT_INTERP, anonymous files), ask the exec server at
//                       plan->exec_socket (wire format: native/exec-wire/wire.h)
//                       and answer: run -> SECCOMP_USER_NOTIF_FLAG_CONTINUE;
//                       deny, or any failure to ask -> EACCES, with
//                         cordon: execution denied: <argv joined by spaces>: <reason>
//                       written to the process's stderr.
//   connect, sendto, sendmsg, sendmmsg (network off)
//                       always performed by the supervisor itself on a copy
//                       of the process's socket (pidfd_getfd), never
//                       continued, so nothing can be swapped after the check
//                       (supervisor-socket.c): a socket file only when it is
//                       one of plan->allowed_unix_sockets or bound in the
//                       sandbox's own network namespace; abstract names and
//                       IP addresses only from sockets of that namespace.
//   chmod, chown, utimensat, setxattr, ... (writable roots)
//                       metadata changes by path, or on a descriptor above 2:
//                       looked up as the process would and made here, as the
//                       process; EPERM through a magic link or on a mount
//                       outside the sandbox's namespace.
//
// The command learns nothing of the exec socket: only this process, outside
// the sandbox, ever connects to it.
//
// What the supervisor cannot see, by design of the kernel interface:
//   - after CONTINUE the kernel reads the path and argv again, so a sibling
//     thread that rewrites them, or a rename of the file, after approval runs
//     something else (the sandbox still confines it);
//   - what a program does without exec: `source`, an interpreter given a
//     script as an argument (`sh script`, `python x.py`: asked as sh/python
//     with the script in argv), a renamed copy of a binary (judged by its new
//     name), code loaded with dlopen, mmap'd executable memory;
//   - a binfmt_misc handler the host registered (qemu-user, wine, Java):
//     the file is asked about, its handler is not named;
//   - a path through a procfs magic link that is not the process's own
//     (another process's /proc/<pid>/exe, ns/, map_files/, a /proc reached
//     from outside the sandbox), or through one below a working directory
//     inside /proc: asked about as anonymous, with no executable;
//   - the process's Landlock domain and security-module labels: the lookup
//     runs with its ids and groups but under the supervisor's own, and the
//     kernel applies the process's again when it runs an approved exec;
//   - a process it may not read (another user's, which the sandbox cannot
//     start): the exec is refused.
#ifndef CORDON_SUPERVISOR_H
#define CORDON_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sandbox.h"

// Starts answering the notifications of `listener_fd` (the filter's
// SECCOMP_FILTER_FLAG_NEW_LISTENER descriptor) on threads of its own and
// returns; the caller keeps waiting for the command. 0, or -1 with errno.
int supervisor_start(int listener_fd, const struct plan* plan);

// ---- shared by the supervisor's parts ----

struct session;
struct kept;

// One notification being answered, owned by the thread that answers it.
struct notification {
  int listener;
  const struct plan* plan;
  // The run's session with the host and its kept decisions (--exec-session); NULL: one connection per exec.
  struct session* session;
  struct kept* kept;
  struct seccomp_notif* request;  // the kernel's notification (as large as the kernel says)
  size_t response_size;
};

// supervisor-notification.c: answers (each at most once per notification).
// Whether the notification is still pending: the process has not died and
// its pid was not reused. Every read from the process is checked with it.
bool notification_valid(const struct notification* n);
void answer_error(const struct notification* n, int error);
// Kills every process of the run (an abort): PID 1 of the sandbox takes its
// namespace along; without one, the command's process group goes, and the
// launcher kills the rest when the command has ended.
void supervisor_end_run(const struct plan* plan);
void answer_value(const struct notification* n, long value);
void answer_continue(const struct notification* n);
// Closes a descriptor the supervisor opened; a failure is only reported, as
// nothing about the answer depends on it.
void close_or_warn(int fd);

// supervisor-memory.c: reading the stopped process.
// Copies `size` bytes at `address`; 0, or -1 with errno (EFAULT when unmapped).
int remote_read(pid_t pid, uint64_t address, void* out, size_t size);
// A NUL-terminated string of at most `max` bytes (NUL excluded), malloc'd;
// NULL with errno (ENAMETOOLONG past `max`, EFAULT, ENOMEM).
char* remote_string(pid_t pid, uint64_t address, size_t max);
// A NULL-terminated array of strings (argv), within the kernel's limits;
// NULL with errno (E2BIG past them, EFAULT, ENOMEM). *count gets its length.
char** remote_string_array(pid_t pid, uint64_t address, size_t* count);
// remote_string_array keeping only the strings `accepts` says yes to (the
// others are read but never copied); *count gets how many were kept.
char** remote_string_array_matching(pid_t pid, uint64_t address, bool (*accepts)(const char* string, const void* context),
                                    const void* context, size_t* count);
void free_string_array(char** strings, size_t count);
// The target of a symlink, malloc'd; NULL with errno.
char* link_target(const char* link);
// The target of /proc/<pid>/<name>, malloc'd; NULL with errno.
char* proc_link(pid_t pid, const char* name);

// supervisor-credentials.c: who the process is, and acting as it.
struct process_identity {
  pid_t pid;   // the notified thread, as the supervisor numbers it
  pid_t tgid;  // its thread group (process), as the supervisor numbers it
  uid_t fsuid;
  gid_t fsgid;
  gid_t* groups;
  size_t group_count;
  pid_t ns_tgid;  // its pid and thread id as its own PID namespace numbers them
  pid_t ns_tid;
};
// From /proc/<pid>/status; 0, or -1 with errno.
int read_identity(pid_t pid, struct process_identity* out);
void free_identity(struct process_identity* identity);
// What the calling thread changed to act as the process (its own
// credentials are kept per thread, in supervisor-credentials.c).
struct impersonation {
  bool active;
  bool groups_changed;
  bool ids_changed;
};
// The calling thread takes the process's filesystem ids and groups, with no
// capability in effect; 0, or -1 with errno (and nothing changed).
int impersonate(const struct process_identity* who, struct impersonation* saved);
void stop_impersonating(struct impersonation* saved);

// supervisor-lookup.c: paths looked up exactly as the process would.
struct lookup {
  int fd;                   // O_PATH
  bool through_magic_link;  // a procfs magic link was followed, or is what was found
};
// Looks `path` up as the process `who` would: from its root (absolute) or
// from `dirfd` (its descriptor, or AT_FDCWD for its working directory),
// following a final symlink when `follow`. 0, or the errno the kernel would
// give; EXDEV when the path crosses a link the supervisor cannot follow exactly.
int lookup_as_process(const struct process_identity* who, int dirfd, const char* path, bool follow, struct lookup* out);
// lookup_as_process for a path relative to `base` (an absolute path as the
// process names it, or NULL for its working directory). The O_PATH fd, or
// -errno; -EXDEV when the path crosses a link the supervisor cannot follow.
int open_as_process(pid_t pid, const char* base, const char* path, bool follow);
// 0 when the file open as `fd` lies on a mount of the process's own mount
// namespace, EPERM when not (the host's, reached through a descriptor it
// handed in), or the errno of a failure to find out.
int on_process_mount(pid_t pid, int fd);
// Whether the process may `mode` (X_OK...) the file open as `fd`: 0 or an errno.
int access_as_process(const struct process_identity* who, int fd, int mode);
// The absolute path of an fd opened by open_as_process, as the process sees it; malloc'd.
char* path_of(pid_t pid, int fd);

// supervisor-resolve.c: what an exec will really run.
// Which files an exec runs, by device and inode (0 where there is none), and
// the length of the names that go with them (supervisor-kept.c).
struct program_identity {
  dev_t executable_dev;
  ino_t executable_ino;
  dev_t interpreter_dev;
  ino_t interpreter_ino;
  size_t names_length;
};

struct exec_target {
  char* file;         // the path as given (made absolute for execveat's directory descriptor)
  char* executable;   // absolute, symlinks resolved; NULL when unknown or anonymous
  char* interpreter;  // the #! interpreter or a PT_INTERP that is not the system loader; NULL when none
  bool anonymous;     // memfd, deleted file, O_TMPFILE, or not looked up exactly: nothing on disk names it
  struct program_identity identity;  // names_length unset
};
// 0, or the errno the exec would fail with anyway (so nothing need be asked).
int resolve_exec_target(pid_t pid, int dirfd, const char* path, int flags, struct exec_target* out);
void free_exec_target(struct exec_target* target);

// supervisor-exec.c / supervisor-socket.c / supervisor-metadata.c: one
// handler per notified call, called by the loop in supervisor.c.
void handle_exec(const struct notification* n);
void handle_socket_call(const struct notification* n);
// Whether `nr` is a metadata change the filter hands to the supervisor.
bool is_metadata_call(int nr);
void handle_metadata_call(const struct notification* n);

// supervisor-kept.c: the decisions kept for this run, by program.
struct kept* kept_create(void);
// Whether a run was kept for the program with this identity and these names
// (identity->names_length bytes: the path as given, the executable and the
// interpreter, each NUL-terminated).
bool kept_holds(struct kept* table, const struct program_identity* program, const char* names);
void kept_add(struct kept* table, const struct program_identity* program, const char* names);
void kept_forget(struct kept* table);

// supervisor-session.c: one connection to the host for the whole run.
struct exec_request;
struct exec_response;
// Connects and says hello; NULL with a message in `error`.
struct session* session_open(const char* socket_path, struct kept* kept, char* error, size_t error_size);
// The reader thread's body: hands replies to the threads that asked, until the session ends.
void* session_read_replies(void* session);
// Asks and waits for the answer; 0, or -1 with a message in `error`.
int session_ask(struct session* s, const struct exec_request* request, struct exec_response* out, char* error,
                size_t error_size);
// Records an exec answered from a kept decision; 0 once the line is in the
// socket, or -1 with a message in `error`.
int session_record(struct session* s, const struct exec_request* request, char* error, size_t error_size);

// supervisor-environ.c
// The "NAME=VALUE" strings of the exec's environment (its envp at `envp`)
// whose names plan->exec_environment_names asks for, malloc'd (free with
// free_string_array); NULL with errno as remote_string_array.
char** exec_environment(pid_t pid, uint64_t envp, const struct plan* plan, size_t* count);

// supervisor-network.c: which network namespace a socket belongs to.
// Whether the socket `socket_copy` (taken from the process) belongs to the
// sandbox's own network namespace; false where the sandbox has none.
bool socket_in_sandbox_network(const struct notification* n, int socket_copy);
// Whether a socket of the sandbox's own network namespace is bound to the
// socket file `file` (a NETLINK_SOCK_DIAG dump of that namespace); false
// where the sandbox has none, or when that cannot be known.
bool bound_in_sandbox_network(const struct notification* n, const struct stat* file);

// supervisor-send.c: a message read out of the process, sent from here.
struct outgoing {
  char* data;
  size_t length;
  char* control;  // the process's control messages, its descriptors replaced by copies
  size_t control_length;
  int* passed;  // those copies, closed by outgoing_free
  size_t passed_count;
};
// Reads the data (`vectors` iovecs at `at`, or one buffer when `vectors` is
// SIZE_MAX) and the control messages of a send on a socket of `family`.
// 0, or the errno the send fails with.
int outgoing_read(const struct notification* n, int family, int type, uint64_t at, size_t vectors, size_t length,
                  uint64_t control_at, size_t control_length, struct outgoing* out);
void outgoing_free(struct outgoing* message);
// Sends `message` on `socket_copy`, to `to` (NULL: no address) as the
// process would: the result, or -1 with errno. A broken pipe also raises
// SIGPIPE in the process unless `flags` has MSG_NOSIGNAL.
ssize_t outgoing_send(const struct notification* n, int socket_copy, const struct outgoing* message,
                      const void* to, socklen_t to_length, int flags);

// supervisor-deny.c
// Writes "cordon: execution denied: <command>: <reason>" to the process's stderr.
void tell_denied(const struct notification* n, char* const* argv, size_t argc, const char* reason);

// A pidfd for the notified process, checked to be that process; -1 with errno.
int notified_pidfd(const struct notification* n);

#endif
