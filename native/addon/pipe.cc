// pipe(): a close-on-exec pipe, [readFd, writeFd]. A command's stdio made of
// real pipes can be reopened through /dev/stdout and /proc/self/fd, which
// Node's own stdio (socketpairs) cannot.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "primitives.h"

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
#ifdef __linux__
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ThrowErrno(env, "pipe2", errno);
    return env.Undefined();
  }
#else
  // macOS has no pipe2; the descriptors are marked before this call returns to JS, which alone spawns.
  if (pipe(fds) != 0) {
    ThrowErrno(env, "pipe", errno);
    return env.Undefined();
  }
  for (int i = 0; i < 2; i++) {
    if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
      int err = errno;
      close(fds[0]);
      close(fds[1]);
      ThrowErrno(env, "fcntl(FD_CLOEXEC)", err);
      return env.Undefined();
    }
  }
#endif
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, fds[0]));
  result.Set(1u, Napi::Number::New(env, fds[1]));
  return result;
}
