// A fresh /proc and a minimal /dev inside the sandbox's mount namespace.
//
// /proc shows only the sandbox's PID namespace. /dev holds the ordinary
// character devices (null, zero, full, random, urandom, tty) bound from the
// host, a private devpts instance at /dev/pts (new pseudo-terminals work;
// the host's /dev/pts/N do not exist here) with /dev/ptmx pointing into it,
// and a private /dev/shm. The terminal the command was given stays usable
// through its open descriptors 0 to 2.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount-api.h"
#include "sandbox.h"
#include "syscalls.h"


static const char* const host_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
#define HOST_DEVICE_COUNT (sizeof host_devices / sizeof host_devices[0])

static const char* const links[][2] = {
    {"/dev/ptmx", "pts/ptmx"},       {"/dev/fd", "/proc/self/fd"},         {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"}, {"/dev/stderr", "/proc/self/fd/2"},
};
#define LINK_COUNT (sizeof links / sizeof links[0])

static void mount_or_fail(const char* what, const char* source, const char* target, const char* type,
                          unsigned long flags, const char* options) {
  if (mount(source, target, type, flags, options) == -1) {
    fail("namespaces", "mounting %s on %s: %s", what, target, strerror(errno));
  }
}

static void minimal_dev(const struct plan* plan) {
  int host_dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (host_dev == -1) fail("namespaces", "opening /dev: %s", strerror(errno));
  int clones[HOST_DEVICE_COUNT];
  for (size_t i = 0; i < HOST_DEVICE_COUNT; i++) {
    clones[i] = (int)syscall(__NR_open_tree, host_dev, host_devices[i], OPEN_TREE_CLONE | O_CLOEXEC);
    if (clones[i] == -1 && errno != ENOENT) fail("namespaces", "cloning /dev/%s: %s", host_devices[i], strerror(errno));
  }
  if (close(host_dev) == -1) fail("namespaces", "close: %s", strerror(errno));

  unsigned long flags = MS_NOSUID | MS_NOEXEC;
  mount_or_fail("a tmpfs", "tmpfs", "/dev", "tmpfs", flags, "mode=0755,size=64k,nr_inodes=64");
  for (size_t i = 0; i < HOST_DEVICE_COUNT; i++) {
    if (clones[i] == -1) continue;
    char path[32];
    snprintf(path, sizeof path, "/dev/%s", host_devices[i]);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd == -1 || close(fd) == -1) fail("namespaces", "creating %s: %s", path, strerror(errno));
    if (syscall(__NR_move_mount, clones[i], "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) == -1) {
      fail("namespaces", "binding %s: %s", path, strerror(errno));
    }
    if (close(clones[i]) == -1) fail("namespaces", "close: %s", strerror(errno));
  }
  if (mkdir("/dev/pts", 0755) == -1 || mkdir("/dev/shm", 01777) == -1) {
    fail("namespaces", "creating /dev/pts and /dev/shm: %s", strerror(errno));
  }
  mount_or_fail("a private devpts", "devpts", "/dev/pts", "devpts", flags, "newinstance,ptmxmode=0666,mode=0620");
  mount_or_fail("a tmpfs", "tmpfs", "/dev/shm", "tmpfs", flags | MS_NODEV, "mode=1777");
  for (size_t i = 0; i < LINK_COUNT; i++) {
    if (symlink(links[i][1], links[i][0]) == -1) fail("namespaces", "creating %s: %s", links[i][0], strerror(errno));
  }
  // Nothing new can be made in /dev itself (Landlock refuses writes there too).
  if (mount(NULL, "/dev", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, NULL) == -1) {
    protection_unavailable(plan, PROTECTION_TERMINAL, "making /dev read-only: %s", strerror(errno));
  }
}

void devices_mount(const struct plan* plan, const struct namespaces* namespaces) {
  if (!namespaces->mount) return;
  mount_or_fail("a fresh proc", "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  minimal_dev(plan);
}
