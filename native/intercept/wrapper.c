// Whether this process routes its execs, and through which wrapper.
//
// EXEC_WRAPPER is read from the process's own environment at each call, by
// scanning environ: getenv may be replaced by the program (bash supplies its
// own, which allocates), and the call may happen in a vfork child.
#define _GNU_SOURCE
#include <string.h>
#include <sys/auxv.h>

#include "intercept.h"

extern char** environ;

const char* environment_value(const char* name) {
  size_t length = strlen(name);
  if (environ == NULL) return NULL;
  for (char** entry = environ; *entry != NULL; entry++) {
    if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=') return *entry + length + 1;
  }
  return NULL;
}

// Set once by the constructor, before any thread exists; read-only after.
static int process_is_wrapper;

// The wrapper itself must exec the approved program directly. A process is
// the wrapper when the file the kernel was asked to run (AT_EXECFN: for a
// script wrapper, the script, not its interpreter) is $EXEC_WRAPPER.
__attribute__((constructor)) static void recognise_wrapper(void) {
  const char* wrapper = environment_value("EXEC_WRAPPER");
  const char* started_as = (const char*)getauxval(AT_EXECFN);
  process_is_wrapper = wrapper != NULL && started_as != NULL && strcmp(wrapper, started_as) == 0;
}

const char* routing_wrapper(void) {
  if (process_is_wrapper) return NULL;
  const char* wrapper = environment_value("EXEC_WRAPPER");
  if (wrapper == NULL || wrapper[0] == '\0') return NULL;
  return wrapper;
}

int names_wrapper(const char* file, const char* wrapper) {
  return strcmp(file, wrapper) == 0;
}
