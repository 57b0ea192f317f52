// How the launcher reports what it could not do: one line on stderr,
// `cordon-linux-sandbox: <what>: <why>`, and status 125 before the command runs.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sandbox.h"

const char* protection_name(enum protection protection) {
  switch (protection) {
    case PROTECTION_LANDLOCK:
      return "landlock";
    case PROTECTION_SECCOMP:
      return "seccomp";
    case PROTECTION_READ_ONLY_SUBPATHS:
      return "read-only-subpaths";
    case PROTECTION_FILE_METADATA:
      return "file-metadata";
    case PROTECTION_TERMINAL:
      return "terminal";
    case PROTECTION_NETWORK_NAMESPACE:
      return "network-namespace";
    case PROTECTION_COUNT:
      break;
  }
  return "unknown";
}

static void report(const char* prefix, const char* what, const char* format, va_list args) {
  fprintf(stderr, "cordon-linux-sandbox: %s%s: ", prefix, what);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
}

void fail(const char* what, const char* format, ...) {
  va_list args;
  va_start(args, format);
  report("", what, format, args);
  va_end(args);
  exit(EXIT_LAUNCHER_FAILURE);
}

void protection_unavailable(const struct plan* plan, enum protection protection, const char* format, ...) {
  va_list args;
  va_start(args, format);
  bool best_effort = plan->best_effort[protection];
  report(best_effort ? "warning: " : "", protection_name(protection), format, args);
  va_end(args);
  if (best_effort) {
    fprintf(stderr, "cordon-linux-sandbox: warning: continuing without full %s protection (best-effort)\n",
            protection_name(protection));
    return;
  }
  exit(EXIT_LAUNCHER_FAILURE);
}

void warn(const char* format, ...) {
  va_list args;
  va_start(args, format);
  report("warning", "", format, args);
  va_end(args);
}
