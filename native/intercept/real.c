// The libc functions behind the interposer. They are looked up once, when
// the library is loaded, because dlsym takes locks and may allocate: neither
// is allowed in the vfork children that exec.
#define _GNU_SOURCE
#include <dlfcn.h>

#include "intercept.h"

static struct real_calls calls;

// dlsym returns void*; POSIX guarantees it converts to a function pointer.
#define RESOLVE(name) (*(void**)&calls.name = dlsym(RTLD_NEXT, #name))

__attribute__((constructor)) static void resolve_real_calls(void) {
  RESOLVE(execve);
  RESOLVE(execv);
  RESOLVE(execvp);
  RESOLVE(execvpe);
  RESOLVE(execveat);
  RESOLVE(fexecve);
  RESOLVE(posix_spawn);
  RESOLVE(posix_spawnp);
  RESOLVE(system);
  RESOLVE(popen);
  RESOLVE(pclose);
}

const struct real_calls* real_calls(void) {
  if (calls.execve == NULL) resolve_real_calls();
  return &calls;
}
