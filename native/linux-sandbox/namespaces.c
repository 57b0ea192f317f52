// The sandbox's namespaces: mount, PID and IPC always, network when the
// policy has none, and a user namespace when the caller is not root (it maps
// the caller's uid and gid to themselves, so root inside is no one outside).
// Root needs no user namespace, and so keeps working where they are
// forbidden. Where the host allows none (Docker's default seccomp profile,
// an AppArmor restriction, a kernel without them), the launcher forks
// without namespaces, and namespaces_check refuses what then cannot hold.
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

// Landlock scopes abstract Unix sockets from this ABI on.
#define LANDLOCK_SCOPE_ABI 6

static pid_t clone_with(unsigned long flags) {
  // Like fork(): a raw clone with no new stack returns twice.
  return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

pid_t namespaces_clone(const struct plan* plan, struct namespaces* out) {
  memset(out, 0, sizeof *out);
  out->outer_uid = getuid();
  out->outer_gid = getgid();
  if (!plan->simulate_no_namespaces) {
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (plan->allow_network ? 0 : CLONE_NEWNET);
    pid_t child = -1;
    // Root first without a user namespace (it may be forbidden, or slower).
    if (geteuid() == 0) child = clone_with(flags);
    if (child == -1) {
      child = clone_with(flags | CLONE_NEWUSER);
      out->user = child != -1;
    }
    if (child != -1) {
      out->mount = out->pid = out->ipc = true;
      out->network = !plan->allow_network;
      return child;
    }
  }
  pid_t child = fork();
  if (child == -1) fail("launcher", "fork: %s", strerror(errno));
  return child;
}

static void write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd == -1) fail("namespaces", "opening %s: %s", path, strerror(errno));
  size_t length = strlen(text);
  if (write(fd, text, length) != (ssize_t)length) fail("namespaces", "writing %s: %s", path, strerror(errno));
  if (close(fd) == -1) fail("namespaces", "closing %s: %s", path, strerror(errno));
}

// The loopback interface of the new network namespace starts down.
static void bring_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd == -1) fail("namespaces", "socket: %s", strerror(errno));
  struct ifreq request;
  memset(&request, 0, sizeof request);
  strcpy(request.ifr_name, "lo");
  request.ifr_flags = IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &request) == -1) fail("namespaces", "bringing lo up: %s", strerror(errno));
  if (close(fd) == -1) fail("namespaces", "close: %s", strerror(errno));
}

void namespaces_enter(const struct namespaces* namespaces) {
  if (namespaces->user) {
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)namespaces->outer_uid, (unsigned)namespaces->outer_uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)namespaces->outer_gid, (unsigned)namespaces->outer_gid);
    write_file("/proc/self/gid_map", map);
  }
  if (namespaces->network) bring_loopback_up();
}

void namespaces_check(const struct plan* plan, const struct namespaces* namespaces, int landlock_abi) {
  if (namespaces->mount) return;
  const char* why = plan->simulate_no_namespaces ? "simulated: this host allows no namespace"
                                                 : "this host allows no mount, PID or user namespace";
  bool read_only_tree = !path_is_in_writable_root(plan, "/");
  // cordon's own files need a bind only under a writable root (mounts.c).
  bool binds = plan->read_only_subpath_count > 0 || plan->pin_count > 0;
  for (size_t i = 0; i < plan->read_only_path_count; i++) binds |= path_is_in_writable_root(plan, plan->read_only_paths[i]);
  // Read-only: the seccomp filter refuses every metadata change besides.
  if (read_only_tree && plan->writable_root_count > 0) {
    protection_unavailable(plan, PROTECTION_FILE_METADATA, "cannot make the mount tree read-only: %s", why);
  }
  if (binds) protection_unavailable(plan, PROTECTION_READ_ONLY_SUBPATHS, "cannot bind paths read-only: %s", why);
  protection_unavailable(plan, PROTECTION_TERMINAL, "cannot hide the host's other terminals (/dev/pts): %s", why);
  if (plan->readable_root_count > 0) readable_root_unavailable(why);
  if (!plan->allow_network) {
    // Landlock can keep the command from reaching the host's abstract
    // sockets, but not from binding (squatting) their names.
    protection_unavailable(plan, PROTECTION_NETWORK_NAMESPACE, "abstract Unix socket names%s would be shared with the host: %s",
                           landlock_abi >= LANDLOCK_SCOPE_ABI ? "" : " and sockets", why);
  }
}
