// openAt(dirFd, name, flags, mode): openat(2) of one entry of an open
// directory, always close-on-exec. With O_NOFOLLOW, a name the host reads or
// writes in a directory cannot be redirected by a symlink planted there.
#include <errno.h>
#include <fcntl.h>

#include <string>

#include "primitives.h"

Napi::Value OpenAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[0].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "openAt(dirFd: number, name: string | Buffer, flags: number, mode: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name;
  if (!ReadEntryName(env, info[1], &name)) return env.Undefined();
  int fd = openat(info[0].As<Napi::Number>().Int32Value(), name.c_str(), info[2].As<Napi::Number>().Int32Value() | O_CLOEXEC,
                  (mode_t)info[3].As<Napi::Number>().Uint32Value());
  if (fd < 0) {
    ThrowErrno(env, "openat", errno);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}
