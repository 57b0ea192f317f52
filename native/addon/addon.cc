// The N-API addon: one entry point that registers each primitive.
// Every primitive lives in its own file and does one system job; the policy
// decisions that use them are made in TypeScript.
#include <napi.h>

#include "primitives.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("execve", Napi::Function::New(env, Execve));
  exports.Set("landlockAbi", Napi::Function::New(env, LandlockAbi));
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials));
  exports.Set("darwinUserCacheDir", Napi::Function::New(env, DarwinUserCacheDir));
  exports.Set("openAt", Napi::Function::New(env, OpenAt));
  exports.Set("unlinkAt", Napi::Function::New(env, UnlinkAt));
  exports.Set("readDirectory", Napi::Function::New(env, ReadDirectory));
  exports.Set("pipe", Napi::Function::New(env, Pipe));
  return exports;
}

NODE_API_MODULE(cordon, Init)
