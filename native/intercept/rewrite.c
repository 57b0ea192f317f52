// Builds the wrapper's argument vector without allocating: the caller
// provides a stack array of routed_length(count) slots.
#include <errno.h>

#include "intercept.h"

int count_arguments(char* const argv[], size_t* count) {
  size_t n = 0;
  if (argv != NULL) {
    while (argv[n] != NULL) {
      if (++n > MAX_ROUTED_ARGS) return E2BIG;
    }
  }
  *count = n;
  return 0;
}

size_t routed_length(size_t count) {
  // wrapper, file, argv0 (added when argv is empty), the rest, NULL
  return (count == 0 ? 1 : count) + 3;
}

void build_routed_argv(char* routed[], const char* wrapper, const char* file, char* const argv[],
                       size_t count) {
  size_t at = 0;
  routed[at++] = (char*)wrapper;
  routed[at++] = (char*)file;
  // Linux runs a program given an empty argv with argv = {""}; the wrapper
  // always needs an argv0 slot, so it gets that same "".
  if (count == 0) routed[at++] = (char*)"";
  for (size_t i = 0; i < count; i++) routed[at++] = argv[i];
  routed[at] = NULL;
}
