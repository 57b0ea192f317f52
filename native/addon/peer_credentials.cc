// peerCredentials(fd): who is on the other end of a connected Unix socket.
// The exec bridge refuses peers of another uid; the kernel's answer is the
// only trustworthy one (a peer could lie about itself in the request).
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "primitives.h"

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "peerCredentials(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Object result = Napi::Object::New(env);
#ifdef __linux__
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    ThrowErrno(env, "getsockopt(SO_PEERCRED)", errno);
    return env.Undefined();
  }
  result.Set("uid", Napi::Number::New(env, cred.uid));
  result.Set("gid", Napi::Number::New(env, cred.gid));
  result.Set("pid", Napi::Number::New(env, cred.pid));
#else
  uid_t uid;
  gid_t gid;
  if (getpeereid(fd, &uid, &gid) != 0) {
    ThrowErrno(env, "getpeereid", errno);
    return env.Undefined();
  }
  result.Set("uid", Napi::Number::New(env, uid));
  result.Set("gid", Napi::Number::New(env, gid));
#ifdef LOCAL_PEERPID
  pid_t pid = 0;
  socklen_t len = sizeof(pid);
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) != 0) {
    ThrowErrno(env, "getsockopt(LOCAL_PEERPID)", errno);
    return env.Undefined();
  }
  result.Set("pid", Napi::Number::New(env, pid));
#else
  result.Set("pid", env.Null());
#endif
#endif
  return result;
}
