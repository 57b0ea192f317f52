// unlinkAt(dirFd, name, removeDirectory): unlinkat(2) of one entry of an open
// directory. It never follows a symlink (the link itself goes), and
// removeDirectory removes only an empty directory, so nothing outside the
// directory the descriptor names can be deleted through it.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "primitives.h"

Napi::Value UnlinkAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[2].IsBoolean()) {
    Napi::TypeError::New(env, "unlinkAt(dirFd: number, name: string | Buffer, removeDirectory: boolean)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name;
  if (!ReadEntryName(env, info[1], &name)) return env.Undefined();
  int flags = info[2].As<Napi::Boolean>().Value() ? AT_REMOVEDIR : 0;
  if (unlinkat(info[0].As<Napi::Number>().Int32Value(), name.c_str(), flags) != 0) {
    ThrowErrno(env, "unlinkat", errno);
    return env.Undefined();
  }
  return env.Undefined();
}
