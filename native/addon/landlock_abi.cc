// landlockAbi(): the kernel's Landlock ABI version, or 0 and why there is none.
// The Linux launcher enforces Landlock; this probe lets TypeScript decide up
// front whether a policy can be enforced here, and say why not.
#include <errno.h>
#include <string.h>

#include "primitives.h"

#ifdef __linux__
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

Napi::Value LandlockAbi(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
#if defined(__linux__) && defined(SYS_landlock_create_ruleset)
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0,
                     LANDLOCK_CREATE_RULESET_VERSION);
  if (abi > 0) {
    result.Set("abi", Napi::Number::New(env, static_cast<double>(abi)));
    result.Set("reason", env.Null());
    return result;
  }
  int err = errno;
  const char* reason = err == ENOSYS       ? "the kernel was built without Landlock"
                       : err == EOPNOTSUPP ? "Landlock is disabled at boot (lsm= does not list it)"
                                           : strerror(err);
  result.Set("abi", Napi::Number::New(env, 0));
  result.Set("reason", Napi::String::New(env, reason));
#else
  result.Set("abi", Napi::Number::New(env, 0));
  result.Set("reason", Napi::String::New(env, "Landlock exists only on Linux"));
#endif
  return result;
}
