// darwinUserCacheDir(): confstr(_CS_DARWIN_USER_CACHE_DIR) on macOS.
// Seatbelt profiles grant access to it (many macOS tools write caches there);
// elsewhere there is no such directory and the answer is null.
#include <errno.h>
#include <unistd.h>

#include <string>

#include "primitives.h"

Napi::Value DarwinUserCacheDir(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifdef __APPLE__
  char buffer[1024];
  size_t needed = confstr(_CS_DARWIN_USER_CACHE_DIR, buffer, sizeof(buffer));
  if (needed == 0) {
    ThrowErrno(env, "confstr(_CS_DARWIN_USER_CACHE_DIR)", errno);
    return env.Undefined();
  }
  if (needed > sizeof(buffer)) {
    ThrowErrno(env, "confstr(_CS_DARWIN_USER_CACHE_DIR)", ENAMETOOLONG);
    return env.Undefined();
  }
  return Napi::String::New(env, std::string(buffer));
#else
  (void)info;
  return env.Null();
#endif
}
