// The launcher's order of work. Three processes, each with one job:
//
//   P  the launcher itself: stays outside the sandbox, dies with the host,
//      forwards signals, hosts the exec supervisor, removes placeholders;
//   I  PID 1 of the sandbox's PID namespace: sets up the mounts, starts the
//      command and reaps everything; when the command ends, I ends and the
//      kernel kills whatever is left in the namespace;
//   C  the command: a new session, no capabilities, Landlock, seccomp, exec.
//
// Where the host allows no namespace, I is left out: P forks C directly and,
// as a subreaper, kills and reaps every descendant after C ends. Every check
// that can refuse happens before anything of the command runs.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"
#include "supervisor.h"

// C, from the process that started it (I, or P without a PID namespace).
// With --supervise-only, steps 3 and 4 are left out and step 5 installs only
// the exec rule.
void command_run(const struct plan* plan, const struct namespaces* namespaces, pid_t parent, int listener_channel,
                 int landlock_abi) {
  // 1. A new session (no controlling terminal); dies with its parent.
  lifetime_detach_command(parent);
  // 2. no_new_privs: no setuid program gains privileges; Landlock and seccomp need it.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) fail("no-new-privs", "prctl: %s", strerror(errno));
  // 3. Landlock: writes only under the writable roots.
  if (!plan->supervise_only) landlock_apply(plan, namespaces, landlock_abi);
  // 4. No capabilities, securebits locked.
  if (!plan->supervise_only) capabilities_drop();
  // 5. seccomp; its listener goes to the launcher's supervisor. Before it, the
  // per-process resource limits (setrlimit is one of the calls it keeps).
  limits_apply_rlimits(plan, namespaces);
  uint64_t secret = 0;
  int listener = plan->supervise_only ? seccomp_apply_exec_only() : seccomp_apply(plan, namespaces, &secret);
  if (listener != -1) listener_send(listener_channel, listener, secret);
  // 6. Only stdio and the descriptors the caller passed.
  descriptors_close(plan);
  // 7. Becomes the command (argv[0] kept; the supervisor is asked about this exec too).
  exec_command(plan->command);
}

// One line on the caller's report descriptor; the run's result does not depend on it.
static void report_limit_exceeded(const struct plan* plan, const char* limit) {
  if (plan->report_fd == -1 || limit == NULL) return;
  if (dprintf(plan->report_fd, "limit-exceeded %s\n", limit) < 0) warn("writing the report: %s", strerror(errno));
}

// --supervise-only: the command's process, in no namespace of its own.
static pid_t fork_unconfined(struct namespaces* out) {
  memset(out, 0, sizeof *out);
  pid_t child = fork();
  if (child == -1) fail("launcher", "fork: %s", strerror(errno));
  return child;
}

int main(int argc, char** argv) {
  pid_t host = getppid();
  // 1. The plan, and whether Landlock can enforce it.
  struct plan plan;
  parse_args(argc, argv, &plan);
  int landlock_abi = plan.supervise_only ? 0 : landlock_usable_abi(&plan);
  // The exec socket, pinned before anything of the run exists: a missing or
  // replaced socket is refused while there is nothing to undo.
  if (plan.exec_socket != NULL) exec_socket_pin(&plan);
  // 2. The launcher dies with the host; it adopts every orphan of the run.
  lifetime_tie_to_host(host);
  lifetime_become_subreaper();
  // 3. Placeholders for protected names that are missing (no path followed).
  struct placeholder* placeholders = calloc(plan.read_only_subpath_count + 1, sizeof *placeholders);
  if (placeholders == NULL) fail("launcher", "out of memory");
  size_t placeholder_count = placeholders_create(&plan, placeholders);
  // The run's cgroups (resource limits), before anything of the run exists.
  limits_prepare(&plan);
  // 4. The sandbox's first process, in every namespace the host allows; it
  // reports how the command ended on one channel, the command hands over the
  // seccomp listener on the other.
  int status_channel[2], listener_channel[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, status_channel) == -1 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, listener_channel) == -1) {
    fail("launcher", "socketpair: %s", strerror(errno));
  }
  // The network proxy's listening sockets come from the sandbox's first process.
  int proxy_channel[2] = {-1, -1};
  if (plan.proxy_forward_count > 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, proxy_channel) == -1) {
    fail("launcher", "socketpair: %s", strerror(errno));
  }
  sigset_t original_mask;
  block_forwarded_signals(&original_mask);
  struct namespaces namespaces;
  pid_t launcher = getpid();
  pid_t sandbox = plan.supervise_only ? fork_unconfined(&namespaces) : namespaces_clone(&plan, &namespaces);
  if (sandbox == 0) {
    limits_join();
    if (close(status_channel[0]) == -1 || close(listener_channel[0]) == -1) fail("launcher", "close: %s", strerror(errno));
    if (proxy_channel[0] != -1 && close(proxy_channel[0]) == -1) fail("launcher", "close: %s", strerror(errno));
    if (namespaces.pid) {
      init_run(&plan, &namespaces, status_channel[1], listener_channel[1], proxy_channel[1], &original_mask, landlock_abi);
    }
    // No namespace, so no proxy port: the command has no network at all.
    if (proxy_channel[1] != -1 && close(proxy_channel[1]) == -1) fail("launcher", "close: %s", strerror(errno));
    if (!plan.supervise_only) namespaces_check(&plan, &namespaces, landlock_abi);
    if (sigprocmask(SIG_SETMASK, &original_mask, NULL) == -1) fail("launcher", "sigprocmask: %s", strerror(errno));
    command_run(&plan, &namespaces, launcher, listener_channel[1], landlock_abi);
  }
  if (close(status_channel[1]) == -1 || close(listener_channel[1]) == -1) fail("launcher", "close: %s", strerror(errno));
  limits_release_join();
  // Only the sandbox's first process may hold the proxy channel's writing end, so that its end is seen.
  if (proxy_channel[1] != -1 && close(proxy_channel[1]) == -1) fail("launcher", "close: %s", strerror(errno));
  // 5. Without a mount namespace nothing holds the placeholders (the launch
  // is refused, or read-only subpaths were downgraded): they go at once.
  if (!namespaces.mount) {
    placeholders_remove(placeholders, placeholder_count);
    placeholder_count = 0;
  }
  int launcher_channels[2] = {status_channel[0], listener_channel[0]};
  janitor_start(placeholders, placeholder_count, sandbox, launcher_channels);
  // 6. The exec supervisor answers the filter's notifications; the network
  // proxy's ports inside are carried to the host's proxy.
  if (proxy_channel[0] != -1) proxy_forward_start(&plan, proxy_channel[0]);
  if (seccomp_notifies(&plan)) {
    int listener = listener_receive(listener_channel[0]);
    plan.run_pid = sandbox;
    if (listener != -1 && supervisor_start(listener, &plan) == -1) {
      fail("supervisor", "cannot start: %s", strerror(errno));
    }
  }
  // 7. Waits for the run, forwarding signals; then nothing of it is left.
  int status = supervise(sandbox, &original_mask, true, false);
  if (namespaces.pid) {
    // I passes on how the command ended (PID 1 cannot die of a signal itself).
    init_status_receive(status_channel[0], &status);
  } else {
    lifetime_kill_descendants();
  }
  // 8. No placeholder or cgroup stays behind; the launcher says which limit
  // the kernel enforced, if any, and ends as the command did.
  report_limit_exceeded(&plan, limits_exceeded(&plan, status));
  limits_finish();
  placeholders_remove(placeholders, placeholder_count);
  janitor_dismiss();
  exit_like(status);
}
