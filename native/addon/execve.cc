// execve(file, argv, env): replaces the current process image.
// Node 20 has no process.execve, and the wrapper mode of the CLI must become
// the approved program in place (same pid, same fds) once the host says "run".
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

#include <string>
#include <vector>

#include "primitives.h"

static bool ReadStringArray(Napi::Env env, Napi::Value value, const char* what,
                            std::vector<std::string>* out) {
  if (!value.IsArray()) {
    Napi::TypeError::New(env, std::string(what) + " must be an array of strings")
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) {
      Napi::TypeError::New(env, std::string(what) + " must be an array of strings")
          .ThrowAsJavaScriptException();
      return false;
    }
    std::string s = item.As<Napi::String>().Utf8Value();
    if (s.find('\0') != std::string::npos) {
      Napi::TypeError::New(env, std::string(what) + " must not contain NUL bytes")
          .ThrowAsJavaScriptException();
      return false;
    }
    out->push_back(s);
  }
  return true;
}

static std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(&s[0]);
  pointers.push_back(nullptr);
  return pointers;
}

// Node ignores SIGPIPE and may block signals in this thread; ignored
// dispositions and the mask survive execve, so the new program would inherit
// them. Restore the defaults a freshly started program expects.
static void ResetSignals() {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);  // fails harmlessly for the few numbers it rejects
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Node opens stdio close-on-exec and may switch it to non-blocking mode; the
// new program must inherit 0, 1 and 2 as an ordinary program would.
static int PrepareStdio() {
  for (int fd = 0; fd <= 2; fd++) {
    int fd_flags = fcntl(fd, F_GETFD);
    if (fd_flags == -1) {
      if (errno == EBADF) continue;  // not open: nothing to hand over
      return -1;
    }
    if (fcntl(fd, F_SETFD, fd_flags & ~FD_CLOEXEC) == -1) return -1;
    int status_flags = fcntl(fd, F_GETFL);
    if (status_flags == -1) return -1;
    if ((status_flags & O_NONBLOCK) && fcntl(fd, F_SETFL, status_flags & ~O_NONBLOCK) == -1) return -1;
  }
  return 0;
}

Napi::Value Execve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsString()) {
    Napi::TypeError::New(env, "execve(file: string, argv: string[], env: string[])")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string file = info[0].As<Napi::String>().Utf8Value();
  if (file.find('\0') != std::string::npos) {
    Napi::TypeError::New(env, "file must not contain NUL bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::string> argv, envp;
  if (!ReadStringArray(env, info[1], "argv", &argv)) return env.Undefined();
  if (!ReadStringArray(env, info[2], "env", &envp)) return env.Undefined();
  std::vector<char*> argv_ptrs = Pointers(argv);
  std::vector<char*> envp_ptrs = Pointers(envp);

  // Check before touching signal state, so a failure leaves Node intact.
  if (access(file.c_str(), X_OK) != 0) {
    ThrowErrno(env, "execve", errno);
    return env.Undefined();
  }
  if (PrepareStdio() != 0) {
    ThrowErrno(env, "fcntl", errno);
    return env.Undefined();
  }
  ResetSignals();
#ifdef __linux__
  // The raw system call: with the exec interposer preloaded, libc's execve
  // would route this (already approved) exec through the wrapper again.
  syscall(SYS_execve, file.c_str(), argv_ptrs.data(), envp_ptrs.data());
#else
  execve(file.c_str(), argv_ptrs.data(), envp_ptrs.data());
#endif
  int err = errno;
  ThrowErrno(env, "execve", err);
  return env.Undefined();
}
