// What an exec will really run, looked up the way the kernel will look it up
// for that process: from its root and cwd, symlinks followed, then through
// `#!` lines (as deep as the kernel goes) to the program that reads the
// script, and an ELF's PT_INTERP when it is not the system's loader.
//
// Paths are opened with openat2(RESOLVE_IN_ROOT) beneath the process's root
// (/proc/<pid>/root), so an absolute symlink inside the sandbox resolves as
// it does for the process, never against the supervisor's own root. That
// lookup refuses to follow procfs' magic links, so /proc/self/..,
// /proc/thread-self/.. and /dev/fd/.. are rewritten to the process's own
// /proc/<pid>/.. entry and opened directly; any other path through a magic
// link is unknown (the exec is then asked about as anonymous).
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

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

// The process's own /proc entry for a path that names it through a link
// only the process can follow: /proc/self, /proc/thread-self, /dev/fd. The
// rewritten path is opened from the supervisor's side, so one that climbs
// out with ".." is not rewritten (it is then looked up in the process's root,
// where the magic link makes it unknown).
static char* own_proc_path(pid_t pid, const char* path) {
  static const char* const prefixes[] = {"/proc/self/", "/proc/thread-self/", "/dev/fd/"};
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
    if (!has_prefix(path, prefixes[i])) continue;
    const char* rest = path + strlen(prefixes[i]);
    if (strstr(rest, "..") != NULL) return NULL;
    size_t length = strlen(rest) + 64;
    char* result = malloc(length);
    if (result == NULL) return NULL;
    // The notified pid is the exec'ing thread's; its /proc entry has the same fd table.
    snprintf(result, length, "/proc/%d/%s%s", (int)pid, i == 2 ? "fd/" : "", rest);
    return result;
  }
  return NULL;
}

int open_as_process(pid_t pid, const char* base, const char* path, bool follow) {
  char* absolute = joined(base, path);
  if (absolute == NULL) return -ENOMEM;
  int fd;
  char* own = own_proc_path(pid, absolute);
  if (own != NULL) {
    fd = open(own, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    fd = fd == -1 ? -errno : fd;
    free(own);
    free(absolute);
    return fd;
  }
  char root_link[64];
  snprintf(root_link, sizeof root_link, "/proc/%d/root", (int)pid);
  int root = open(root_link, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root == -1) {
    free(absolute);
    return -errno;
  }
  struct open_how how = {.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), .resolve = RESOLVE_IN_ROOT};
  // EAGAIN: a rename raced with the lookup of "..": look again.
  for (int attempt = 0; attempt < 16; attempt++) {
    fd = (int)syscall(SYS_openat2, root, absolute, &how, sizeof how);
    if (fd != -1 || errno != EAGAIN) break;
  }
  if (fd == -1) fd = -errno;
  if (close(root) == -1 && fd >= 0) {
    int error = errno;
    close_or_warn(fd);
    fd = -error;
  }
  free(absolute);
  return fd;
}

char* path_of(pid_t pid, int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char* path = link_target(link);
  char* root = path == NULL ? NULL : proc_link(pid, "root");
  if (root == NULL) {
    free(path);
    return NULL;
  }
  // A process chrooted inside the sandbox names its files from its own root.
  size_t root_length = strlen(root);
  if (strcmp(root, "/") != 0 && has_prefix(path, root) && path[root_length] == '/') {
    memmove(path, path + root_length, strlen(path + root_length) + 1);
  }
  free(root);
  return path;
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

// The file behind an O_PATH fd, opened for reading; -1 with errno.
static int open_readable(int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  return open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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

// Checks the kernel makes before it runs anything, so that a lookup that
// must fail (execvp trying each PATH entry) is answered without asking.
static int runnable(const struct stat* st) {
  if (!S_ISREG(st->st_mode)) return EACCES;
  if ((st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) return EACCES;
  return 0;
}

void free_exec_target(struct exec_target* target) {
  free(target->file);
  free(target->executable);
  free(target->interpreter);
  memset(target, 0, sizeof *target);
}

// The file named by execveat's arguments: as given, or joined to the
// directory `dirfd` names, or the descriptor itself (AT_EMPTY_PATH).
static char* named_file(pid_t pid, int dirfd, const char* path, int flags, char** base) {
  *base = NULL;
  char number[32];
  if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
    snprintf(number, sizeof number, "/proc/self/fd/%d", dirfd);
    return strdup(number);
  }
  if (path[0] == '/' || dirfd == AT_FDCWD) return strdup(path);
  snprintf(number, sizeof number, "fd/%d", dirfd);
  *base = proc_link(pid, number);
  if (*base == NULL) return NULL;
  return joined(*base, path);
}

// Follows #! lines from the file open as `fd` (consumed) to the program
// that runs it, then its PT_INTERP. Sets the interpreter, or returns the
// errno the kernel would fail with.
static int find_interpreter(pid_t pid, const char* cwd, int fd, struct exec_target* out) {
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
        int loader_fd = open_as_process(pid, cwd, loader, true);
        char* resolved = loader_fd >= 0 ? path_of(pid, loader_fd) : NULL;
        if (loader_fd >= 0) close_or_warn(loader_fd);
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
    int next = open_as_process(pid, cwd, script, true);
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
    if (chain_end == NULL) {
      error = errno;
      break;
    }
  }
  if (fd >= 0 && close(fd) == -1 && error == 0) error = errno;
  if (error != 0) {
    free(chain_end);
    return error;
  }
  out->interpreter = chain_end;
  return 0;
}

int resolve_exec_target(pid_t pid, const char* cwd, int dirfd, const char* path, int flags, struct exec_target* out) {
  memset(out, 0, sizeof *out);
  char* base = NULL;
  out->file = named_file(pid, dirfd, path, flags, &base);
  if (out->file == NULL) return errno == ENOENT ? EBADF : errno;
  if (path[0] == '\0' && !(flags & AT_EMPTY_PATH)) {
    free(base);
    return ENOENT;
  }
  // AT_EMPTY_PATH runs the descriptor itself, whatever AT_SYMLINK_NOFOLLOW says.
  bool follow = !(flags & AT_SYMLINK_NOFOLLOW) || path[0] == '\0';
  int fd = open_as_process(pid, base != NULL ? base : cwd, out->file, follow);
  free(base);
  if (fd == -EXDEV) {
    // Reached through a link only the process can follow: nothing names it here.
    out->anonymous = true;
    return 0;
  }
  if (fd < 0) return -fd;
  struct stat st;
  if (fstat(fd, &st) == -1) {
    int error = errno;
    close_or_warn(fd);
    return error;
  }
  int refusal = S_ISLNK(st.st_mode) ? ELOOP : runnable(&st);
  if (refusal != 0) {
    close_or_warn(fd);
    return refusal;
  }
  out->anonymous = is_anonymous(fd, &st);
  if (!out->anonymous) {
    out->executable = path_of(pid, fd);
    if (out->executable == NULL) {
      int error = errno;
      close_or_warn(fd);
      return error;
    }
  }
  return find_interpreter(pid, cwd, fd, out);
}
