// Turns a failed syscall into a JS exception the TS layer can classify.
#include <string.h>

#include <string>

#include "primitives.h"

void ThrowErrno(Napi::Env env, const char* syscall, int err) {
  std::string message = std::string(syscall) + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
}
