// The primitives the addon exposes, one per source file.
#ifndef CORDON_PRIMITIVES_H
#define CORDON_PRIMITIVES_H

#include <napi.h>

#include <string>

// Throws a JS Error carrying `errno` and `syscall`; the TS loader adds the
// errno name (`code`, e.g. "EACCES").
void ThrowErrno(Napi::Env env, const char* syscall, int err);

// Reads one directory entry name (a string or a Buffer, one path component)
// into `out`; false with a TypeError thrown when it is anything else.
bool ReadEntryName(Napi::Env env, Napi::Value value, std::string* out);

Napi::Value Execve(const Napi::CallbackInfo& info);
Napi::Value LandlockAbi(const Napi::CallbackInfo& info);
Napi::Value PeerCredentials(const Napi::CallbackInfo& info);
Napi::Value DarwinUserCacheDir(const Napi::CallbackInfo& info);
Napi::Value OpenAt(const Napi::CallbackInfo& info);
Napi::Value UnlinkAt(const Napi::CallbackInfo& info);
Napi::Value ReadDirectory(const Napi::CallbackInfo& info);
Napi::Value Pipe(const Napi::CallbackInfo& info);

#endif
