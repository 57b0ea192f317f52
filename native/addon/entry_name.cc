// One name inside a directory, as the descriptor-relative primitives take it:
// a single component (no '/', not "." or ".."), so that a call on a directory
// descriptor can never reach past that directory.
#include <string.h>

#include "primitives.h"

bool ReadEntryName(Napi::Env env, Napi::Value value, std::string* out) {
  if (value.IsBuffer()) {
    Napi::Buffer<char> bytes = value.As<Napi::Buffer<char>>();
    out->assign(bytes.Data(), bytes.Length());
  } else if (value.IsString()) {
    *out = value.As<Napi::String>().Utf8Value();
  } else {
    Napi::TypeError::New(env, "a directory entry name must be a string or a Buffer").ThrowAsJavaScriptException();
    return false;
  }
  if (out->empty() || *out == "." || *out == ".." || out->find('/') != std::string::npos || out->find('\0') != std::string::npos) {
    Napi::TypeError::New(env, "a directory entry name must be one path component").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}
