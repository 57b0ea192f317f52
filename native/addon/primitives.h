// The primitives the addon exposes, one per source file.
#ifndef CORDON_PRIMITIVES_H
#define CORDON_PRIMITIVES_H

#include <napi.h>

// Throws a JS Error carrying `errno` and `syscall`; the TS loader adds the
// errno name (`code`, e.g. "EACCES").
void ThrowErrno(Napi::Env env, const char* syscall, int err);

Napi::Value Execve(const Napi::CallbackInfo& info);
Napi::Value LandlockAbi(const Napi::CallbackInfo& info);
Napi::Value PeerCredentials(const Napi::CallbackInfo& info);
Napi::Value DarwinUserCacheDir(const Napi::CallbackInfo& info);

#endif
