// Whether the kernel would refuse to run a file with ENOEXEC: it is neither
// an ELF binary nor a "#!" script. Callers handle that failure themselves
// (bash runs such a file as a shell script, execvp hands it to /bin/sh), but
// only if they see it: once the wrapper has taken the exec over, they cannot.
// When binfmt_misc has handlers registered, any format might run, so the
// answer is "it would run" and the wrapper meets the outcome.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "intercept.h"

#define BINFMT_MISC_DIR "/proc/sys/fs/binfmt_misc"

// Entries of the binfmt_misc directory other than its two control files are
// registered handlers. Unreadable or unmounted: none.
static int binfmt_misc_has_handlers(void) {
  int dir = open(BINFMT_MISC_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return 0;
  char buffer[1024] __attribute__((aligned(8)));
  int found = 0;
  ssize_t length;
  while (!found && (length = getdents64(dir, buffer, sizeof buffer)) > 0) {
    for (ssize_t at = 0; at < length && !found;) {
      struct dirent64* entry = (struct dirent64*)(buffer + at);
      const char* name = entry->d_name;
      found = strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && strcmp(name, "register") != 0 &&
              strcmp(name, "status") != 0;
      at += entry->d_reclen;
    }
  }
  close(dir);
  return found;
}

// Reads the first bytes of the file without moving any file offset; -1 when
// they cannot be read from here (an execute-only file, an O_PATH descriptor).
static ssize_t read_header(int dirfd, const char* path, int flags, unsigned char* header, size_t size) {
  if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) return pread(dirfd, header, size, 0);
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
  if (fd < 0) return -1;
  ssize_t got = pread(fd, header, size, 0);
  close(fd);
  return got;
}

int lacks_exec_format(int dirfd, const char* path, int flags) {
  unsigned char header[4];
  ssize_t got = read_header(dirfd, path, flags, header, sizeof header);
  // Unreadable here: the exec itself (in the wrapper) decides.
  if (got < 0) return 0;
  if (got >= 4 && memcmp(header, "\177ELF", 4) == 0) return 0;
  if (got >= 2 && memcmp(header, "#!", 2) == 0) return 0;
  return !binfmt_misc_has_handlers();
}
