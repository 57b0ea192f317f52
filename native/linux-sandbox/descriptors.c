// Every descriptor above 2 is closed before exec, unless the caller passed
// it: a directory or file the host left open would otherwise reach past the
// policy with the access it was opened with.
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "syscalls.h"

static int ascending(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

static void close_range_of(unsigned first, unsigned last) {
  if (first > last) return;
  if (syscall(__NR_close_range, first, last, 0) == -1) fail("launcher", "close_range: %s", strerror(errno));
}

void descriptors_close(const struct plan* plan) {
  qsort(plan->pass_fds, plan->pass_fd_count, sizeof *plan->pass_fds, ascending);
  unsigned next = 3;
  for (size_t i = 0; i < plan->pass_fd_count; i++) {
    unsigned kept = (unsigned)plan->pass_fds[i];
    if (kept < next) continue;  // named twice
    close_range_of(next, kept - 1);
    next = kept + 1;
  }
  close_range_of(next, UINT_MAX);
}
