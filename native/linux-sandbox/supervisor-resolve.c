// What an exec will really run, looked up the way the kernel will look it up
// for that process: from its root and cwd, symlinks followed, then through
// `#!` lines (as deep as the kernel goes) to the program that reads the
// script, and an ELF's PT_INTERP when it is not the system's loader.
//
// Every path is looked up as the process would (supervisor-lookup.c). A file
// is opened for reading (its #! line, its ELF header) only once an O_PATH
// descriptor shows a regular file that the process may execute: never a
// FIFO, a device, or a file the process could not run.
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

// The kernel reads this much of a file to pick its format (BINPRM_BUF_SIZE)
// and follows at most this many #! interpreters (fs/exec.c, depth > 5).
#define FORMAT_BYTES 256
#define MAX_SCRIPT_DEPTH 4

// The loaders a distribution installs; a PT_INTERP naming one of them is
// the ordinary case, not something to show the host.
static const char* const system_loaders[] = {
    "/lib64/ld-linux-x86-64.so.2",
    "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    "/usr/lib64/ld-linux-x86-64.so.2",
    "/lib/ld-musl-x86_64.so.1",
    "/lib/ld-linux-aarch64.so.1",
    "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
    "/usr/lib/ld-linux-aarch64.so.1",
    "/lib/ld-musl-aarch64.so.1",
};

static bool has_prefix(const char* text, const char* prefix) { return strncmp(text, prefix, strlen(prefix)) == 0; }

static char* joined(const char* base, const char* path) {
  if (path[0] == '/' || base == NULL) return strdup(path);
  size_t length = strlen(base) + strlen(path) + 2;
  char* result = malloc(length);
  if (result == NULL) return NULL;
  snprintf(result, length, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", path);
  return result;
}

// memfd files and deleted or never-linked (O_TMPFILE) files have no name on disk.
static bool is_anonymous(int fd, const struct stat* st) {
  if (st->st_nlink == 0) return true;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char* path = link_target(link);
  bool anonymous = path == NULL || has_prefix(path, "/memfd:") || strstr(path, " (deleted)") != NULL;
  free(path);
  return anonymous;
}

// The file behind an O_PATH fd that runnable() accepted, opened for
// reading; -1 with errno. Non-blocking and without taking a terminal all
// the same: nothing here may wait on what the process chose.
static int open_readable(int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  return open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

// pread, with EINTR retried.
static ssize_t read_at(int fd, void* out, size_t size, off_t offset) {
  ssize_t got;
  do {
    got = pread(fd, out, size, offset);
  } while (got == -1 && errno == EINTR);
  return got;
}

// The interpreter a #! line names (as written), or NULL when the file does
// not start with one; the kernel's parsing: blanks skipped, the name ends
// at a blank or the end of the first line (within FORMAT_BYTES).
static char* script_interpreter(const char* head, size_t length) {
  if (length < 2 || head[0] != '#' || head[1] != '!') return NULL;
  size_t start = 2;
  while (start < length && (head[start] == ' ' || head[start] == '\t')) start++;
  size_t end = start;
  while (end < length && head[end] != ' ' && head[end] != '\t' && head[end] != '\n' && head[end] != '\0') end++;
  return end > start ? strndup(head + start, end - start) : NULL;
}

// The PT_INTERP of an ELF file open for reading as `fd` (as written), or
// NULL when it has none.
static char* elf_interpreter(int fd, const unsigned char* head, size_t length) {
  if (length < sizeof(Elf64_Ehdr) || memcmp(head, ELFMAG, SELFMAG) != 0 || head[EI_CLASS] != ELFCLASS64) return NULL;
  Elf64_Ehdr header;
  memcpy(&header, head, sizeof header);
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 || header.e_phnum > 4096) return NULL;
  size_t table_size = (size_t)header.e_phnum * sizeof(Elf64_Phdr);
  Elf64_Phdr* table = malloc(table_size);
  if (table == NULL) return NULL;
  char* interpreter = NULL;
  if (read_at(fd, table, table_size, (off_t)header.e_phoff) == (ssize_t)table_size) {
    for (size_t i = 0; i < header.e_phnum; i++) {
      if (table[i].p_type != PT_INTERP) continue;
      if (table[i].p_filesz < 2 || table[i].p_filesz > PATH_MAX) break;
      interpreter = calloc(1, table[i].p_filesz + 1);
      if (interpreter != NULL &&
          read_at(fd, interpreter, table[i].p_filesz, (off_t)table[i].p_offset) != (ssize_t)table[i].p_filesz) {
        free(interpreter);
        interpreter = NULL;
      }
      break;
    }
  }
  free(table);
  return interpreter;
}

static bool is_system_loader(const char* interpreter) {
  for (size_t i = 0; i < sizeof system_loaders / sizeof system_loaders[0]; i++) {
    if (strcmp(interpreter, system_loaders[i]) == 0) return true;
  }
  return false;
}

// Checks the kernel makes before it runs anything (a regular file the
// process may execute, on a mount that allows it), so that a lookup that
// must fail (execvp trying each PATH entry) is answered without asking, and
// nothing else is ever opened for reading.
static int runnable(const struct process_identity* who, int fd) {
  struct stat st;
  if (fstat(fd, &st) == -1) return errno;
  if (S_ISLNK(st.st_mode)) return ELOOP;
  if (S_ISDIR(st.st_mode)) return EACCES;
  if (!S_ISREG(st.st_mode)) return EACCES;
  return access_as_process(who, fd, X_OK);
}

// The interpreter, or the file itself, looked up from the process's
// working directory (what the kernel's open_exec does), checked runnable;
// the O_PATH fd, -EXDEV when it cannot be looked up exactly, or -errno.
static int open_runnable(const struct process_identity* who, const char* path) {
  struct lookup found;
  int error = lookup_as_process(who, AT_FDCWD, path, true, &found);
  if (error != 0) return -error;
  error = runnable(who, found.fd);
  if (error != 0) {
    close_or_warn(found.fd);
    return -error;
  }
  return found.fd;
}

void free_exec_target(struct exec_target* target) {
  free(target->file);
  free(target->executable);
  free(target->interpreter);
  memset(target, 0, sizeof *target);
}

// The file named by execveat's arguments, for the request: as given, or
// joined to the directory `dirfd` names, or the descriptor itself (AT_EMPTY_PATH).
static char* named_file(pid_t pid, int dirfd, const char* path, int flags) {
  char number[32];
  if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
    snprintf(number, sizeof number, "/proc/self/fd/%d", dirfd);
    return strdup(number);
  }
  if (path[0] == '/' || dirfd == AT_FDCWD) return strdup(path);
  snprintf(number, sizeof number, "fd/%d", dirfd);
  char* base = proc_link(pid, number);
  if (base == NULL) return NULL;
  char* file = joined(base, path);
  free(base);
  return file;
}

// Follows #! lines from the file open as `fd` (consumed) to the program
// that runs it, then its PT_INTERP. Sets the interpreter (or, when one
// cannot be looked up exactly, marks the exec anonymous), or returns the
// errno the kernel would fail with.
static int find_interpreter(const struct process_identity* who, int fd, struct exec_target* out) {
  pid_t pid = who->pid;
  char* chain_end = NULL;
  int error = 0;
  for (int depth = 0;; depth++) {
    char head[FORMAT_BYTES];
    int readable = open_readable(fd);
    ssize_t length = readable == -1 ? -1 : read_at(readable, head, sizeof head, 0);
    if (length < 0) {
      error = errno;
      if (readable != -1) close_or_warn(readable);
      break;
    }
    char* script = script_interpreter(head, (size_t)length);
    char* loader = script == NULL ? elf_interpreter(readable, (const unsigned char*)head, (size_t)length) : NULL;
    if (close(readable) == -1) {
      error = errno;
      free(script);
      free(loader);
      break;
    }
    if (script == NULL) {
      if (loader != NULL && !is_system_loader(loader)) {
        int loader_fd = open_runnable(who, loader);
        char* resolved = loader_fd >= 0 ? path_of(pid, loader_fd) : NULL;
        struct stat st;
        // Without its identity, the loader's name alone tells it apart (supervisor-kept.c).
        if (loader_fd >= 0 && fstat(loader_fd, &st) == 0) {
          out->identity.interpreter_dev = st.st_dev;
          out->identity.interpreter_ino = st.st_ino;
        }
        if (loader_fd >= 0) close_or_warn(loader_fd);
        if (loader_fd == -EXDEV) out->anonymous = true;
        free(chain_end);
        chain_end = resolved != NULL ? resolved : strdup(loader);
      }
      free(loader);
      break;
    }
    if (depth == MAX_SCRIPT_DEPTH) {
      free(script);
      error = ELOOP;
      break;
    }
    int next = open_runnable(who, script);
    if (next == -EXDEV) {
      // Reached through a link only the process can follow: the program
      // that would read the script has no name here.
      out->anonymous = true;
      free(chain_end);
      chain_end = script;
      break;
    }
    free(script);
    if (next < 0) {
      error = -next;
      break;
    }
    if (close(fd) == -1) {
      error = errno;
      close_or_warn(next);
      fd = -1;
      break;
    }
    fd = next;
    free(chain_end);
    chain_end = path_of(pid, fd);
    struct stat st;
    if (chain_end == NULL || fstat(fd, &st) == -1) {
      error = errno;
      break;
    }
    out->identity.interpreter_dev = st.st_dev;
    out->identity.interpreter_ino = st.st_ino;
  }
  if (fd >= 0 && close(fd) == -1 && error == 0) error = errno;
  if (error != 0) {
    free(chain_end);
    return error;
  }
  out->interpreter = chain_end;
  return 0;
}

// The file an exec names, O_PATH: the descriptor itself (AT_EMPTY_PATH),
// or the path looked up as the process would. 0, or an errno (EXDEV: not
// looked up exactly).
static int open_named(const struct process_identity* who, int dirfd, const char* path, int flags, int* fd) {
  if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
    char link[64];
    snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)who->pid, dirfd);
    *fd = open(link, O_PATH | O_CLOEXEC);
    return *fd == -1 ? (errno == ENOENT ? EBADF : errno) : 0;
  }
  struct lookup found;
  int error = lookup_as_process(who, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &found);
  *fd = found.fd;
  return error;
}

static int resolve_as(const struct process_identity* who, int dirfd, const char* path, int flags, struct exec_target* out) {
  int fd;
  int error = open_named(who, dirfd, path, flags, &fd);
  if (error == EXDEV) {
    // Reached through a link only the process can follow: nothing names it here.
    out->anonymous = true;
    return 0;
  }
  if (error != 0) return error;
  error = runnable(who, fd);
  if (error != 0) {
    close_or_warn(fd);
    return error;
  }
  struct stat st;
  if (fstat(fd, &st) == -1) {
    error = errno;
    close_or_warn(fd);
    return error;
  }
  out->anonymous = is_anonymous(fd, &st);
  out->identity.executable_dev = st.st_dev;
  out->identity.executable_ino = st.st_ino;
  if (!out->anonymous) {
    out->executable = path_of(who->pid, fd);
    if (out->executable == NULL) {
      error = errno;
      close_or_warn(fd);
      return error;
    }
  }
  return find_interpreter(who, fd, out);
}

int resolve_exec_target(pid_t pid, int dirfd, const char* path, int flags, struct exec_target* out) {
  memset(out, 0, sizeof *out);
  out->file = named_file(pid, dirfd, path, flags);
  if (out->file == NULL) return errno == ENOENT ? EBADF : errno;
  struct process_identity who;
  if (read_identity(pid, &who) == -1) return errno;
  int error = resolve_as(&who, dirfd, path, flags, out);
  free_identity(&who);
  return error;
}
