// Which file an exec would run, and the errno it would fail with, decided
// before the wrapper takes the exec over: once the wrapper runs, the caller
// can no longer see execve fail, and callers rely on those failures (shells
// and libuv try each PATH candidate with execve until one does not fail
// with ENOENT).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "intercept.h"

// What glibc's execvp uses when PATH is unset (confstr(_CS_PATH)).
#define DEFAULT_SEARCH_PATH "/bin:/usr/bin"

// statfs sets this in f_flags when the other bits are the mount flags; the
// kernel defines it, glibc's headers do not.
#ifndef ST_VALID
#define ST_VALID 0x0020
#endif

// The checks execve makes: the file exists, is a regular file, carries
// execute permission for the effective ids, and is not on a noexec mount.
static int executable_error_of(int dirfd, const char* path, int stat_flags) {
  struct stat info;
  if (fstatat(dirfd, path, &info, stat_flags) != 0) return errno;
  if (S_ISLNK(info.st_mode)) return ELOOP;  // only seen with AT_SYMLINK_NOFOLLOW
  if (!S_ISREG(info.st_mode)) return EACCES;
  int access_flags = AT_EACCESS | (stat_flags & AT_EMPTY_PATH);
  if (faccessat(dirfd, path, X_OK, access_flags) != 0) return errno;
  struct statfs mount;
  int opened = -1;
  int status;
  if (path[0] == '\0') {
    status = fstatfs(dirfd, &mount);
  } else if (path[0] == '/' || dirfd == AT_FDCWD) {
    status = statfs(path, &mount);
  } else {
    opened = openat(dirfd, path, O_PATH | O_CLOEXEC);
    status = opened < 0 ? -1 : fstatfs(opened, &mount);
  }
  int err = status == 0 ? 0 : errno;
  if (opened >= 0) close(opened);
  if (err != 0) return err;
  if ((mount.f_flags & ST_VALID) && (mount.f_flags & ST_NOEXEC)) return EACCES;
  return 0;
}

int executable_error(const char* path) {
  return executable_error_of(AT_FDCWD, path, 0);
}

int executable_error_at(int dirfd, const char* path, int flags) {
  return executable_error_of(dirfd, path, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
}

int search_path(const char* file, char buffer[SEARCH_BUFFER_SIZE], const char** found) {
  *found = NULL;
  if (file[0] == '\0') return ENOENT;
  if (strchr(file, '/') != NULL) {
    *found = file;
    return 0;
  }
  size_t file_length = strnlen(file, NAME_MAX + 1);
  if (file_length > NAME_MAX) return ENAMETOOLONG;

  const char* path = environment_value("PATH");
  if (path == NULL) path = DEFAULT_SEARCH_PATH;

  int got_eacces = 0;
  int last_error = ENOENT;
  for (const char* element = path;;) {
    const char* end = strchrnul(element, ':');
    size_t element_length = (size_t)(end - element);
    // Like glibc, an element too long for the buffer is skipped.
    if (element_length <= PATH_MAX) {
      // An empty element means the current directory: the bare name.
      memcpy(buffer, element, element_length);
      size_t at = element_length;
      if (element_length > 0) buffer[at++] = '/';
      memcpy(buffer + at, file, file_length + 1);

      int err = executable_error(buffer);
      switch (err) {
        case 0:
          *found = buffer;
          return 0;
        case EACCES:
          // A candidate we may not run: keep looking, but report EACCES
          // rather than ENOENT if nothing better turns up.
          got_eacces = 1;
          last_error = err;
          break;
        case ENOENT:
        case ESTALE:
        case ENOTDIR:
        case ENODEV:
        case ETIMEDOUT:
          last_error = err;
          break;
        default:
          // Something other than "not here": execvp gives up with it.
          return err;
      }
    }
    if (*end == '\0') break;
    element = end + 1;
  }
  return got_eacces ? EACCES : last_error;
}
