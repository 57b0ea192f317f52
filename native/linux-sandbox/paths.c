// Path prefix questions, on canonical absolute paths as the caller passes them.
#include <string.h>

#include "sandbox.h"

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
