// Landlock: reads and execution everywhere; writes only under the writable
// roots, /dev/null and the terminal: the private devpts instance and
// /dev/shm of the sandbox's own /dev, or without one, only the terminals the
// command was given on descriptors 0 to 2. Every filesystem access right the
// ABI knows is handled, so nothing the kernel can restrict is left open.
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

// The system headers may predate the newer ABIs; the values are kernel ABI.
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#define ACCESS_FS_REFER (1ULL << 13)       // ABI 2
#define ACCESS_FS_TRUNCATE (1ULL << 14)    // ABI 3
#define ACCESS_FS_IOCTL_DEV (1ULL << 15)   // ABI 5
#define ACCESS_NET_BIND_TCP (1ULL << 0)    // ABI 4
#define ACCESS_NET_CONNECT_TCP (1ULL << 1) // ABI 4
#define RULE_NET_PORT 2                    // ABI 4
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)  // ABI 6
#define SCOPE_SIGNAL (1ULL << 1)                // ABI 6

// Before ABI 3 truncate(2) and O_TRUNC are not handled, so a file outside the
// writable roots could still be emptied: confinement of writes needs 3.
#define MINIMUM_ABI 3

// The newest ruleset layout; older kernels accept it while the fields they do
// not know are zero.
struct ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

// A landlock_net_port_attr.
struct net_port_rule {
  uint64_t allowed_access;
  uint64_t port;
};

#define ACCESS_FS_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
// The rights that apply to a file that is not a directory.
#define ACCESS_FS_FILE \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | ACCESS_FS_TRUNCATE | ACCESS_FS_IOCTL_DEV)
// Device nodes made inside a writable root would open the devices themselves
// (a disk, memory) to a privileged command; writable roots never grant them.
#define ACCESS_FS_MAKE_DEVICE (LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)
#define ACCESS_FS_TERMINAL \
  (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | ACCESS_FS_TRUNCATE | ACCESS_FS_IOCTL_DEV)

static uint64_t handled_fs_access(int abi) {
  uint64_t access = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: bits 0 to 12
  if (abi >= 2) access |= ACCESS_FS_REFER;
  if (abi >= 3) access |= ACCESS_FS_TRUNCATE;
  if (abi >= 5) access |= ACCESS_FS_IOCTL_DEV;
  return access;
}

static int probe_abi(const char** reason) {
  long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi > 0) return (int)abi;
  *reason = errno == ENOSYS       ? "the kernel was built without Landlock"
            : errno == EOPNOTSUPP ? "Landlock is disabled at boot (lsm= does not list it)"
                                  : strerror(errno);
  return 0;
}

int landlock_usable_abi(const struct plan* plan) {
  const char* reason = NULL;
  int abi = probe_abi(&reason);
  if (plan->simulated_landlock_abi >= 0 && plan->simulated_landlock_abi < abi) {
    abi = plan->simulated_landlock_abi;
    reason = "simulated: no Landlock";
  }
  // Reads are confined by Landlock alone where there is no mount namespace:
  // restricted reads never run without it, whatever the level of writes.
  if (abi == 0 && plan->readable_root_count > 0) {
    fail("restricted-reads",
         "they need Landlock's READ_FILE, READ_DIR and EXECUTE rights (ABI 1), which this host does not provide (%s)",
         reason);
  }
  if (abi == 0) {
    protection_unavailable(plan, PROTECTION_LANDLOCK, "Landlock is not available (%s)", reason);
  } else if (abi < MINIMUM_ABI) {
    protection_unavailable(plan, PROTECTION_LANDLOCK,
                           "the kernel's Landlock ABI is %d; confining writes needs ABI %d or newer", abi,
                           MINIMUM_ABI);
  }
  return abi;
}

// Grants `access` beneath the file `fd` (named `path`), and closes `fd`.
// Rights a file cannot carry are dropped for files; a symbolic link grants
// nothing (a readable link's target is listed on its own).
static void allow_fd(int ruleset, int fd, const char* path, uint64_t access, uint64_t handled) {
  struct stat st;
  if (fstat(fd, &st) == -1) fail(protection_name(PROTECTION_LANDLOCK), "stat %s: %s", path, strerror(errno));
  if (S_ISLNK(st.st_mode)) {
    if (close(fd) == -1) fail(protection_name(PROTECTION_LANDLOCK), "close: %s", strerror(errno));
    return;
  }
  if (!S_ISDIR(st.st_mode)) access &= ACCESS_FS_FILE;
  struct landlock_path_beneath_attr rule = {.allowed_access = access & handled, .parent_fd = fd};
  if (syscall(__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == -1) {
    fail(protection_name(PROTECTION_LANDLOCK), "landlock_add_rule %s: %s", path, strerror(errno));
  }
  if (close(fd) == -1) fail(protection_name(PROTECTION_LANDLOCK), "close: %s", strerror(errno));
}

// Grants `access` beneath `path`. A path that does not exist grants nothing.
static void allow(int ruleset, const char* path, uint64_t access, uint64_t handled) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    fail(protection_name(PROTECTION_LANDLOCK), "open %s: %s", path, strerror(errno));
  }
  allow_fd(ruleset, fd, path, access, handled);
}

// Without a private /dev: the terminal devices open on descriptors 0 to 2, by path.
static void allow_given_terminals(int ruleset, uint64_t handled) {
  for (int fd = 0; fd <= 2; fd++) {
    char link[32], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length <= 0) continue;
    target[length] = '\0';
    if (strncmp(target, "/dev/pts/", 9) == 0 || strncmp(target, "/dev/tty", 8) == 0) {
      allow(ruleset, target, ACCESS_FS_TERMINAL, handled);
    }
  }
}

void landlock_apply(const struct plan* plan, const struct namespaces* namespaces, int abi) {
  if (abi == 0) return;  // best-effort without Landlock: already reported
  struct ruleset_attr attr = {.handled_access_fs = handled_fs_access(abi)};
  // No network and no namespace of its own: TCP bind and connect are refused
  // here too, besides seccomp. In its own namespace only loopback is there.
  if (abi >= 4 && !plan->allow_network && !namespaces->network) attr.handled_access_net = ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP;
  // The command may signal only its own sandboxed processes and, without
  // network, reach abstract Unix sockets only inside the sandbox.
  if (abi >= 6) attr.scoped = SCOPE_SIGNAL | (plan->allow_network ? 0 : SCOPE_ABSTRACT_UNIX_SOCKET);

  int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset == -1) fail(protection_name(PROTECTION_LANDLOCK), "landlock_create_ruleset: %s", strerror(errno));
  uint64_t handled = attr.handled_access_fs;
  // Restricted reads: only beneath the readable paths (and the writable roots below).
  if (plan->readable_root_count == 0) allow(ruleset, "/", ACCESS_FS_READ, handled);
  for (size_t i = 0; i < plan->readable_root_count; i++) {
    int fd = readable_root_open(plan->readable_roots[i]);
    if (fd != -1) allow_fd(ruleset, fd, plan->readable_roots[i], ACCESS_FS_READ, handled);
  }
  // In the fresh root every name is a readable path: directories may be listed.
  if (readable_root_entered()) allow(ruleset, "/", LANDLOCK_ACCESS_FS_READ_DIR, handled);
  for (size_t i = 0; i < plan->writable_root_count; i++) {
    allow(ruleset, plan->writable_roots[i], handled & ~ACCESS_FS_MAKE_DEVICE, handled);
  }
  allow(ruleset, "/dev/null", ACCESS_FS_TERMINAL, handled);
  allow(ruleset, "/dev/tty", ACCESS_FS_TERMINAL, handled);
  // Through the proxy: TCP connects only to its ports (in the sandbox's own namespace).
  for (size_t i = 0; attr.handled_access_net != 0 && i < plan->proxy_forward_count; i++) {
    struct net_port_rule rule = {.allowed_access = ACCESS_NET_CONNECT_TCP, .port = (uint64_t)plan->proxy_forwards[i].port};
    if (syscall(__NR_landlock_add_rule, ruleset, RULE_NET_PORT, &rule, 0) == -1) {
      fail(protection_name(PROTECTION_LANDLOCK), "landlock_add_rule (port %d): %s", plan->proxy_forwards[i].port, strerror(errno));
    }
  }
  if (namespaces->mount) {
    allow(ruleset, "/dev/pts", ACCESS_FS_TERMINAL, handled);
    allow(ruleset, "/dev/shm", handled & ~ACCESS_FS_MAKE_DEVICE, handled);
  } else {
    allow(ruleset, "/dev/ptmx", ACCESS_FS_TERMINAL, handled);
    allow_given_terminals(ruleset, handled);
  }
  if (syscall(__NR_landlock_restrict_self, ruleset, 0) == -1) {
    fail(protection_name(PROTECTION_LANDLOCK), "landlock_restrict_self: %s", strerror(errno));
  }
  if (close(ruleset) == -1) fail(protection_name(PROTECTION_LANDLOCK), "close: %s", strerror(errno));
}
