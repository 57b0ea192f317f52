// Path prefix questions, on canonical absolute paths as the caller passes
// them, and opening such paths without following any symbolic link.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "syscalls.h"

// True when `path` is `root` or lies below it ("/a/bc" is not within "/a/b").
bool path_is_within(const char* path, const char* root) {
  size_t length = strlen(root);
  while (length > 1 && root[length - 1] == '/') length--;
  if (strncmp(path, root, length) != 0) return false;
  if (length == 1) return true;  // the root "/"
  return path[length] == '\0' || path[length] == '/';
}

bool path_is_in_writable_root(const struct plan* plan, const char* path) {
  for (size_t i = 0; i < plan->writable_root_count; i++) {
    if (path_is_within(path, plan->writable_roots[i])) return true;
  }
  return false;
}

// Relative to /, so that RESOLVE_BENEATH keeps the walk below it and
// RESOLVE_NO_SYMLINKS refuses (ELOOP) any link on the way: a link planted by
// a command cannot redirect a launcher that creates or binds something.
int open_no_symlinks(const char* path, int flags) {
  // Opened anew each time: a descriptor of / keeps the mount namespace it was opened in.
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root == -1) return -1;
  while (*path == '/') path++;
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int)syscall(__NR_openat2, root, *path == '\0' ? "." : path, &how, sizeof how);
  int saved = errno;
  if (close(root) == -1) fail("launcher", "close: %s", strerror(errno));
  errno = saved;
  return fd;
}

int open_parent_no_symlinks(const char* path, const char** name) {
  const char* slash = strrchr(path, '/');
  *name = slash + 1;
  char* parent = strndup(path, (size_t)(slash - path));
  if (parent == NULL) fail("launcher", "out of memory");
  int fd = open_no_symlinks(parent, O_PATH | O_DIRECTORY);
  int saved = errno;
  free(parent);
  errno = saved;
  return fd;
}

// True when another writable root holds writable root `i` (of equal roots,
// the first holds the others): a clone of that one brings this one along.
bool writable_root_held_by_another(const struct plan* plan, size_t i) {
  const char* root = plan->writable_roots[i];
  for (size_t j = 0; j < plan->writable_root_count; j++) {
    if (j == i || !path_is_within(root, plan->writable_roots[j])) continue;
    if (j < i || strcmp(root, plan->writable_roots[j]) != 0) return true;
  }
  return false;
}
