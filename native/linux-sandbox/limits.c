// Resource limits of the whole run (SPEC §12): every process of the run
// counts against one budget of processes and memory, so no command can take
// the host down. Mechanisms, best first:
//   a cgroup v2 leaf under the launcher's own cgroup (pids.max, memory.max,
//     memory.swap.max = 0, memory.oom.group = 1);
//   cgroup v1 pids and memory hierarchies, a child of the launcher's own
//     cgroup in each (pids.max; memory.limit_in_bytes and, where swap is
//     accounted, memory.memsw.limit_in_bytes);
//   pids only: RLIMIT_NPROC in the run's own user namespace, where the kernel
//     counts the processes of each user per namespace, so the count is the run's;
//   setrlimit for CPU seconds, file size and open files (per process).
// The cgroup is made before the sandbox's first process starts, which moves
// itself into it before anything else; it is removed after the run (by the
// janitor when the launcher is killed). Never at the root of a hierarchy: a
// host that is itself confined stays confined.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

// What limits_prepare made for this run.
static struct run_limits {
  char* cgroups[2];  // made for this run, removed after it
  size_t cgroup_count;
  int join_fds[2];  // their join_file, for the sandbox's first process to join
  // v2: cgroup.procs. v1: tasks, which moves only the writing thread (the
  // sandbox's first process has no other): the kernel then skips the global
  // lock that a whole-process move takes, and with it an RCU grace period
  // (about 10 ms on a busy host).
  const char* join_file;
  const char* pids_cgroup;
  const char* memory_cgroup;
  const char* memory_events;  // the file with the "oom_kill" counter
  bool nproc_fallback;  // pids by RLIMIT_NPROC in the run's user namespace
} run_state = {.join_fds = {-1, -1}};

static const char* const limit_names[LIMIT_COUNT] = {"pids", "memory", "cpu", "file-size", "open-files"};

const char* limit_name(enum limit limit) { return limit_names[limit]; }

// The hierarchies a run's cgroups may go in: the unified one (v2), or the v1
// hierarchy of each controller.
enum hierarchy { UNIFIED, PIDS_V1, MEMORY_V1, HIERARCHY_COUNT };
static const char* const v1_controllers[HIERARCHY_COUNT] = {NULL, "pids", "memory"};

// Where each hierarchy is mounted and the launcher's own cgroup in it
// (malloc'd, or NULL). The kernel builds both files anew on every read (the
// mount table is the dearer one), so each is read once for all of them.
struct hierarchies {
  char* mount[HIERARCHY_COUNT];
  char* own[HIERARCHY_COUNT];
};

// `*slot`, if still unset, becomes a copy of `text`: the first line that names a hierarchy wins.
static void keep_first(char** slot, const char* text) {
  if (*slot == NULL) *slot = strdup(text);
}

// The v1 hierarchies whose controller is named in the comma-separated `names` (modified) get `text`.
static void keep_for_controllers(char** slots, char* names, const char* text) {
  for (char* name = strtok(names, ","); name != NULL; name = strtok(NULL, ",")) {
    for (int h = PIDS_V1; h < HIERARCHY_COUNT; h++) {
      if (strcmp(name, v1_controllers[h]) == 0) keep_first(&slots[h], text);
    }
  }
}

static void find_mounts(struct hierarchies* found) {
  FILE* mounts = fopen("/proc/self/mountinfo", "re");
  if (mounts == NULL) return;
  char* line = NULL;
  size_t size = 0;
  while (getline(&line, &size, mounts) != -1) {
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
    char mount_point[PATH_MAX], fstype[64], super_options[512];
    const char* separator = strstr(line, " - ");
    if (separator == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mount_point) != 1 ||
        sscanf(separator, " - %63s %*s %511s", fstype, super_options) != 2) {
      continue;
    }
    if (strcmp(fstype, "cgroup2") == 0) keep_first(&found->mount[UNIFIED], mount_point);
    if (strcmp(fstype, "cgroup") == 0) keep_for_controllers(found->mount, super_options, mount_point);
  }
  free(line);
  fclose(mounts);
}

static void find_own(struct hierarchies* found) {
  FILE* groups = fopen("/proc/self/cgroup", "re");
  if (groups == NULL) return;
  char* line = NULL;
  size_t size = 0;
  while (getline(&line, &size, groups) != -1) {
    // ID:CONTROLLERS:PATH; the unified hierarchy is "0::PATH".
    line[strcspn(line, "\n")] = '\0';
    char* controllers = strchr(line, ':');
    char* path = controllers ? strchr(controllers + 1, ':') : NULL;
    if (path == NULL) continue;
    *path++ = '\0';
    controllers++;
    if (strcmp(line, "0") == 0 && *controllers == '\0') keep_first(&found->own[UNIFIED], path);
    keep_for_controllers(found->own, controllers, path);
  }
  free(line);
  fclose(groups);
}

static void forget_hierarchies(struct hierarchies* found) {
  for (int h = 0; h < HIERARCHY_COUNT; h++) {
    free(found->mount[h]);
    free(found->own[h]);
  }
}

static bool write_text(const char* dir, const char* file, const char* text) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) return false;
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd == -1) return false;
  ssize_t written = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return written == (ssize_t)strlen(text);
}

// A counter "KEY N" in `dir`/`file` (pids.events "max", memory.events or
// memory.oom_control "oom_kill"); 0 when absent.
static unsigned long long counter(const char* dir, const char* file, const char* key) {
  char path[PATH_MAX];
  if (dir == NULL || snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) return 0;
  FILE* stream = fopen(path, "re");
  if (stream == NULL) return 0;
  char name[64];
  unsigned long long value, found = 0;
  while (fscanf(stream, "%63s %llu", name, &value) == 2) {
    if (strcmp(name, key) == 0) found = value;
  }
  fclose(stream);
  return found;
}

// Makes the run's cgroup below the launcher's own in hierarchy `mount`+`own`;
// the directory, malloc'd, or NULL with errno.
static char* make_cgroup(const char* mount, const char* own) {
  if (mount == NULL || own == NULL) {
    errno = ENOENT;
    return NULL;
  }
  char* dir = NULL;
  if (asprintf(&dir, "%s%s/cordon-run-%d", mount, strcmp(own, "/") == 0 ? "" : own, (int)getpid()) == -1) return NULL;
  if (mkdir(dir, 0755) == -1) {
    int saved = errno;
    free(dir);
    errno = saved;
    return NULL;
  }
  return dir;
}

static void add_cgroup(struct run_limits* run, char* dir) {
  run->cgroups[run->cgroup_count++] = dir;
}

static bool set_number(const char* dir, const char* file, unsigned long long value) {
  char text[32];
  snprintf(text, sizeof text, "%llu", value);
  return write_text(dir, file, text);
}

// cgroup v2: one leaf with every controller asked for.
static bool prepare_v2(const struct plan* plan, const struct hierarchies* found, struct run_limits* run) {
  const char* mount = found->mount[UNIFIED];
  const char* own = found->own[UNIFIED];
  bool ready = false;
  if (mount != NULL && own != NULL) {
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s%s", mount, strcmp(own, "/") == 0 ? "" : own);
    // The parent must hand its controllers down; in a non-root cgroup that
    // holds processes the kernel refuses (EBUSY), and v2 is not usable here.
    bool delegated = (plan->limits[LIMIT_PIDS] == 0 || write_text(parent, "cgroup.subtree_control", "+pids")) &&
                     (plan->limits[LIMIT_MEMORY] == 0 || write_text(parent, "cgroup.subtree_control", "+memory"));
    char* dir = delegated ? make_cgroup(mount, own) : NULL;
    if (dir != NULL) {
      add_cgroup(run, dir);
      ready = (plan->limits[LIMIT_PIDS] == 0 || set_number(dir, "pids.max", plan->limits[LIMIT_PIDS])) &&
              (plan->limits[LIMIT_MEMORY] == 0 ||
               (set_number(dir, "memory.max", plan->limits[LIMIT_MEMORY]) && write_text(dir, "memory.swap.max", "0") &&
                write_text(dir, "memory.oom.group", "1")));
      if (ready) {
        run->join_file = "cgroup.procs";
        run->pids_cgroup = dir;
        run->memory_cgroup = dir;
        run->memory_events = "memory.events";
      }
    }
  }
  return ready;
}

// cgroup v1: a child of the launcher's cgroup in hierarchy `h`.
static char* prepare_v1(const struct hierarchies* found, enum hierarchy h, struct run_limits* run) {
  char* dir = make_cgroup(found->mount[h], found->own[h]);
  if (dir != NULL) add_cgroup(run, dir);
  run->join_file = "tasks";
  return dir;
}

static bool prepare_v1_all(const struct plan* plan, const struct hierarchies* found, struct run_limits* run) {
  if (plan->limits[LIMIT_PIDS] != 0) {
    char* dir = prepare_v1(found, PIDS_V1, run);
    if (dir == NULL || !set_number(dir, "pids.max", plan->limits[LIMIT_PIDS])) return false;
    run->pids_cgroup = dir;
  }
  if (plan->limits[LIMIT_MEMORY] != 0) {
    char* dir = prepare_v1(found, MEMORY_V1, run);
    if (dir == NULL || !set_number(dir, "memory.limit_in_bytes", plan->limits[LIMIT_MEMORY])) return false;
    // Swap counts too where the kernel accounts it; otherwise the run may not swap at all.
    char memsw[PATH_MAX];
    snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", dir);
    bool swap_bounded = access(memsw, F_OK) == 0 ? set_number(dir, "memory.memsw.limit_in_bytes", plan->limits[LIMIT_MEMORY])
                                                 : write_text(dir, "memory.swappiness", "0");
    if (!swap_bounded) return false;
    run->memory_cgroup = dir;
    run->memory_events = "memory.oom_control";
  }
  return true;
}

static void remove_cgroups(struct run_limits* run) {
  while (run->cgroup_count > 0) {
    char* dir = run->cgroups[--run->cgroup_count];
    if (rmdir(dir) == -1 && errno != ENOENT) warn("removing the run's cgroup %s: %s", dir, strerror(errno));
    free(dir);
  }
  run->pids_cgroup = run->memory_cgroup = NULL;
}

// A limit that cannot be enforced: refuse (exit 125), or warn once when it was asked for only where possible.
static void unenforceable(const struct plan* plan, enum limit limit, const char* why) {
  if (!plan->limit_best_effort[limit]) {
    fail("limits", "the %s limit cannot be enforced on this host (%s); nothing was run", limit_name(limit), why);
  }
  // The caller says so (once, where it wants); without a report descriptor the launcher does.
  if (plan->report_fd == -1 || dprintf(plan->report_fd, "limit-not-enforced %s %s\n", limit_name(limit), why) < 0) {
    warn("the %s limit cannot be enforced on this host (%s); the run goes on without it", limit_name(limit), why);
  }
}

void limits_prepare(const struct plan* plan) {
  struct run_limits* run = &run_state;
  if (plan->limits[LIMIT_PIDS] == 0 && plan->limits[LIMIT_MEMORY] == 0) return;
  struct hierarchies found = {{NULL}, {NULL}};
  find_mounts(&found);
  find_own(&found);
  if (!prepare_v2(plan, &found, run)) {
    remove_cgroups(run);
    if (!prepare_v1_all(plan, &found, run)) remove_cgroups(run);
  }
  forget_hierarchies(&found);
  // The sandbox's first process joins through these descriptors, whatever namespaces it enters.
  size_t joined = 0;
  for (size_t i = 0; i < run->cgroup_count; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", run->cgroups[i], run->join_file);
    run->join_fds[joined] = open(path, O_WRONLY | O_CLOEXEC);
    if (run->join_fds[joined] == -1) fail("limits", "opening %s: %s", path, strerror(errno));
    joined++;
  }
  if (run->memory_cgroup == NULL && plan->limits[LIMIT_MEMORY] != 0) {
    unenforceable(plan, LIMIT_MEMORY, "no cgroup can be made below the launcher's own");
  }
  if (run->pids_cgroup == NULL && plan->limits[LIMIT_PIDS] != 0) run->nproc_fallback = true;
}

void limits_join(void) {
  const struct run_limits* run = &run_state;
  for (size_t i = 0; i < 2; i++) {
    if (run->join_fds[i] == -1) continue;
    // "0": the writer itself (its only thread), before anything of the command runs.
    if (write(run->join_fds[i], "0", 1) != 1) fail("limits", "joining the run's cgroup: %s", strerror(errno));
    if (close(run->join_fds[i]) == -1) fail("limits", "close: %s", strerror(errno));
  }
}

void limits_release_join(void) {
  struct run_limits* run = &run_state;
  for (size_t i = 0; i < 2; i++) {
    if (run->join_fds[i] != -1 && close(run->join_fds[i]) == -1) warn("close: %s", strerror(errno));
    run->join_fds[i] = -1;
  }
}

static void lower(int resource, rlim_t soft, rlim_t hard, enum limit limit) {
  struct rlimit value = {.rlim_cur = soft, .rlim_max = hard};
  struct rlimit now;
  if (getrlimit(resource, &now) == 0 && now.rlim_max != RLIM_INFINITY && now.rlim_max < hard) {
    // Never raise: a lower limit the host set stays.
    value.rlim_max = now.rlim_max;
    if (value.rlim_cur > value.rlim_max) value.rlim_cur = value.rlim_max;
  }
  if (setrlimit(resource, &value) == -1) fail("limits", "setrlimit(%s): %s", limit_name(limit), strerror(errno));
}

void limits_apply_rlimits(const struct plan* plan, const struct namespaces* namespaces) {
  const struct run_limits* run = &run_state;
  const unsigned long long* limits = plan->limits;
  // SIGXCPU at the limit, which says why the run ended; SIGKILL a second later if it is caught.
  if (limits[LIMIT_CPU] != 0) lower(RLIMIT_CPU, limits[LIMIT_CPU], limits[LIMIT_CPU] + 1, LIMIT_CPU);
  if (limits[LIMIT_FILE_SIZE] != 0) lower(RLIMIT_FSIZE, limits[LIMIT_FILE_SIZE], limits[LIMIT_FILE_SIZE], LIMIT_FILE_SIZE);
  if (limits[LIMIT_OPEN_FILES] != 0) lower(RLIMIT_NOFILE, limits[LIMIT_OPEN_FILES], limits[LIMIT_OPEN_FILES], LIMIT_OPEN_FILES);
  if (!run->nproc_fallback) return;
  // The kernel counts RLIMIT_NPROC per user and user namespace, and does not
  // apply it to the host's root: only in a user namespace of the run's own is
  // it the run's budget (PID 1 of the sandbox counts too).
  if (!namespaces->user) {
    unenforceable(plan, LIMIT_PIDS, "no cgroup can be made below the launcher's own, and the run has no user namespace of its own");
    return;
  }
  rlim_t processes = limits[LIMIT_PIDS] + (namespaces->pid ? 1 : 0);
  lower(RLIMIT_NPROC, processes, processes, LIMIT_PIDS);
}

// The command died of `signal`, or is a shell that reports a child that did (128 + signal).
static bool ended_by(int wait_status, int signal) {
  return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) == signal : WEXITSTATUS(wait_status) == 128 + signal;
}

const char* limits_exceeded(const struct plan* plan, int wait_status) {
  const struct run_limits* run = &run_state;
  if (plan->limits[LIMIT_MEMORY] != 0 && counter(run->memory_cgroup, run->memory_events, "oom_kill") > 0) return "memory";
  if (plan->limits[LIMIT_CPU] != 0 && ended_by(wait_status, SIGXCPU)) return "cpu";
  if (plan->limits[LIMIT_FILE_SIZE] != 0 && ended_by(wait_status, SIGXFSZ)) return "file-size";
  if (plan->limits[LIMIT_PIDS] != 0 && counter(run->pids_cgroup, "pids.events", "max") > 0) return "pids";
  return NULL;
}

bool limits_have_cgroups(void) { return run_state.cgroup_count > 0; }

void limits_finish(void) {
  struct run_limits* run = &run_state;
  // The processes of the run are gone, but the kernel may take a moment to
  // empty the cgroup: retry, from 50 µs doubling up to about 2 s in all.
  useconds_t pause = 50;
  for (int tries = 0; tries < 16; tries++) {
    bool busy = false;
    for (size_t i = 0; i < run->cgroup_count; i++) busy |= rmdir(run->cgroups[i]) == -1 && errno == EBUSY;
    if (!busy) break;
    usleep(pause);
    if (pause < 200000) pause *= 2;
  }
  remove_cgroups(run);
}
