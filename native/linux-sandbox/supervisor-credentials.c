// Who the stopped process is, and acting as it: its filesystem ids, groups
// and pids (from /proc/<pid>/status), and a supervisor thread that takes on
// those ids with no capability in effect, so that every permission the
// kernel checks on a lookup or a change (search, execute, owner) is the
// process's, not the supervisor's.
//
// Credentials are per thread in the kernel; only libc's wrappers spread them
// to every thread, so the raw calls here change the calling thread alone and
// the other supervisor threads go on with their own.
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor.h"

#define STATUS_BYTES 16384

// The last number of a status line's value ("NStgid:\t812\t3" -> 3), the
// pid in the process's own namespace; -1 when malformed.
static long last_number(const char* value) {
  long number = -1;
  const char* p = value;
  while (*p != '\0' && *p != '\n') {
    while (*p == ' ' || *p == '\t') p++;
    if (*p < '0' || *p > '9') break;
    char* end;
    number = strtol(p, &end, 10);
    p = end;
  }
  return number;
}

// The `index`th number of a status line's value ("Uid:\t0\t0\t0\t0").
static long nth_number(const char* value, int index) {
  const char* p = value;
  for (int i = 0;; i++) {
    while (*p == ' ' || *p == '\t') p++;
    if (*p < '0' || *p > '9') return -1;
    char* end;
    long number = strtol(p, &end, 10);
    if (i == index) return number;
    p = end;
  }
}

static const char* field(const char* status, const char* name) {
  size_t length = strlen(name);
  for (const char* line = status; line != NULL && *line != '\0';) {
    if (strncmp(line, name, length) == 0 && line[length] == ':') return line + length + 1;
    line = strchr(line, '\n');
    if (line != NULL) line++;
  }
  return NULL;
}

static int parse_groups(const char* value, struct process_identity* out) {
  size_t capacity = 16;
  out->groups = malloc(capacity * sizeof *out->groups);
  if (out->groups == NULL) return -1;
  const char* p = value;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    if (*p < '0' || *p > '9') return 0;
    char* end;
    unsigned long group = strtoul(p, &end, 10);
    p = end;
    if (out->group_count == capacity) {
      capacity *= 2;
      gid_t* grown = realloc(out->groups, capacity * sizeof *grown);
      if (grown == NULL) return -1;
      out->groups = grown;
    }
    out->groups[out->group_count++] = (gid_t)group;
  }
}

// Reads up to `size` - 1 bytes of `path` into `out`, NUL-terminated; 0, or -1 with errno.
static int read_small_file(const char* path, char* out, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) return -1;
  size_t length = 0;
  while (length < size - 1) {
    ssize_t got = read(fd, out + length, size - 1 - length);
    if (got == -1 && errno == EINTR) continue;
    if (got == -1) {
      int error = errno;
      close_or_warn(fd);
      errno = error;
      return -1;
    }
    if (got == 0) break;
    length += (size_t)got;
  }
  out[length] = '\0';
  if (close(fd) == -1) return -1;
  return 0;
}

int read_identity(pid_t pid, struct process_identity* out) {
  memset(out, 0, sizeof *out);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  // On the thread's stack: this runs for every exec, and a heap block this
  // large would be mapped and unmapped each time.
  char status[STATUS_BYTES];
  if (read_small_file(path, status, sizeof status) == -1) return -1;
  const char* uid = field(status, "Uid");
  const char* gid = field(status, "Gid");
  const char* groups = field(status, "Groups");
  const char* host_tgid = field(status, "Tgid");
  const char* tgid = field(status, "NStgid");
  const char* tid = field(status, "NSpid");
  int result = -1;
  errno = EIO;
  if (uid != NULL && gid != NULL && groups != NULL && host_tgid != NULL && tgid != NULL && tid != NULL) {
    long fsuid = nth_number(uid, 3), fsgid = nth_number(gid, 3);
    long process = nth_number(host_tgid, 0), ns_tgid = last_number(tgid), ns_tid = last_number(tid);
    if (fsuid >= 0 && fsgid >= 0 && process > 0 && ns_tgid > 0 && ns_tid > 0 && parse_groups(groups, out) == 0) {
      out->pid = pid;
      out->tgid = (pid_t)process;
      out->fsuid = (uid_t)fsuid;
      out->fsgid = (gid_t)fsgid;
      out->ns_tgid = (pid_t)ns_tgid;
      out->ns_tid = (pid_t)ns_tid;
      result = 0;
    }
  }
  if (result != 0) free_identity(out);
  return result;
}

void free_identity(struct process_identity* identity) {
  free(identity->groups);
  identity->groups = NULL;
  identity->group_count = 0;
}

static int capabilities(struct __user_cap_data_struct data[2], bool set) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  return (int)syscall(set ? SYS_capset : SYS_capget, &header, data);
}

static bool same_groups(const gid_t* a, size_t a_count, const gid_t* b, size_t b_count) {
  if (a_count != b_count) return false;
  for (size_t i = 0; i < a_count; i++) {
    bool found = false;
    for (size_t j = 0; j < b_count && !found; j++) found = a[i] == b[j];
    if (!found) return false;
  }
  return true;
}

// The thread's filesystem uid or gid, read by setting an impossible one.
static long current_fs_id(long call) { return syscall(call, -1); }

// The calling thread's own credentials, read at its first impersonation:
// only impersonation changes them, and it always gives them back, so every
// later one starts from the same. A thread that could not take them back is
// `damaged`, and impersonates no more (its lookups then fail closed).
struct own_credentials {
  bool known;
  bool damaged;
  uid_t fsuid;
  gid_t fsgid;
  gid_t* groups;
  size_t group_count;
  struct __user_cap_data_struct capabilities[2];
};
static __thread struct own_credentials own;

static int know_own_credentials(void) {
  if (own.damaged) {
    errno = EPERM;
    return -1;
  }
  if (own.known) return 0;
  if (capabilities(own.capabilities, false) == -1) return -1;
  own.fsuid = (uid_t)current_fs_id(SYS_setfsuid);
  own.fsgid = (gid_t)current_fs_id(SYS_setfsgid);
  int count = (int)syscall(SYS_getgroups, 0, NULL);
  if (count < 0) return -1;
  own.groups = malloc(((size_t)count + 1) * sizeof *own.groups);
  if (own.groups == NULL) return -1;
  count = (int)syscall(SYS_getgroups, count, own.groups);
  if (count < 0) {
    free(own.groups);
    own.groups = NULL;
    return -1;
  }
  own.group_count = (size_t)count;
  own.known = true;
  return 0;
}

int impersonate(const struct process_identity* who, struct impersonation* saved) {
  memset(saved, 0, sizeof *saved);
  if (know_own_credentials() == -1) return -1;
  saved->active = true;
  if (!same_groups(who->groups, who->group_count, own.groups, own.group_count)) {
    if (syscall(SYS_setgroups, who->group_count, who->groups) == -1) goto failed;
    saved->groups_changed = true;
  }
  // The process's ids are most often the supervisor's own (the same user
  // outside the sandbox); then only the capabilities change.
  if (who->fsuid != own.fsuid || who->fsgid != own.fsgid) {
    saved->ids_changed = true;
    syscall(SYS_setfsgid, who->fsgid);
    syscall(SYS_setfsuid, who->fsuid);
    // setfsuid/setfsgid report no failure: read back what the thread has now.
    if ((uid_t)current_fs_id(SYS_setfsuid) != who->fsuid || (gid_t)current_fs_id(SYS_setfsgid) != who->fsgid) {
      errno = EPERM;
      goto failed;
    }
  }
  struct __user_cap_data_struct none[2];
  memcpy(none, own.capabilities, sizeof none);
  none[0].effective = none[1].effective = 0;
  if (capabilities(none, true) == -1) goto failed;
  return 0;
failed: {
  int error = errno;
  stop_impersonating(saved);
  errno = error;
  return -1;
}
}

// Capabilities first (setgroups needs CAP_SETGID), the ids, then the
// capabilities again: a filesystem uid going back to 0 raises the
// filesystem capabilities by itself, and the saved set is what counts.
void stop_impersonating(struct impersonation* saved) {
  if (!saved->active) return;
  saved->active = false;
  bool restored = capabilities(own.capabilities, true) == 0 &&
                  (!saved->groups_changed || syscall(SYS_setgroups, own.group_count, own.groups) == 0);
  if (saved->ids_changed) {
    syscall(SYS_setfsgid, own.fsgid);
    syscall(SYS_setfsuid, own.fsuid);
    restored = restored && capabilities(own.capabilities, true) == 0 && (uid_t)current_fs_id(SYS_setfsuid) == own.fsuid &&
               (gid_t)current_fs_id(SYS_setfsgid) == own.fsgid;
  }
  // A thread left with the process's credentials can only do less: it
  // impersonates no more, so every later answer it gives fails closed.
  if (!restored) {
    own.damaged = true;
    warn("supervisor: cannot take back the supervisor's own credentials: %s", strerror(errno));
  }
}
