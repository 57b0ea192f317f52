// readDirectory(dirFd): the names in an open directory (without "." and ".."),
// as Buffers, exactly as the kernel has them. Reading through a descriptor
// lists the directory that was opened, whatever its path names by now.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "primitives.h"

Napi::Value ReadDirectory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "readDirectory(dirFd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // closedir() closes the descriptor it was given: hand it a copy, and start from the first entry.
  int fd = fcntl(info[0].As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    ThrowErrno(env, "fcntl(F_DUPFD_CLOEXEC)", errno);
    return env.Undefined();
  }
  if (lseek(fd, 0, SEEK_SET) < 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, "lseek", err);
    return env.Undefined();
  }
  DIR* dir = fdopendir(fd);
  if (dir == NULL) {
    int err = errno;
    close(fd);
    ThrowErrno(env, "fdopendir", err);
    return env.Undefined();
  }
  Napi::Array names = Napi::Array::New(env);
  uint32_t count = 0;
  for (;;) {
    errno = 0;
    struct dirent* entry = readdir(dir);
    if (entry == NULL) break;
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    names.Set(count++, Napi::Buffer<char>::Copy(env, entry->d_name, strlen(entry->d_name)));
  }
  int err = errno;
  closedir(dir);
  if (err != 0) {
    ThrowErrno(env, "readdir", err);
    return env.Undefined();
  }
  return names;
}
