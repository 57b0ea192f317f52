// Which network namespace a socket belongs to, as the supervisor asks it to
// decide where a connect or send may go (supervisor-socket.c).
//
// The sandbox's own namespace (made when the policy has no network) holds
// only what the command made there: its loopback, its abstract names, the
// Unix sockets it bound. A socket file is the sandbox's own when a socket of
// that namespace is bound to it. That is asked of the kernel with a
// NETLINK_SOCK_DIAG dump of the namespace's Unix sockets (UDIAG_SHOW_VFS:
// the device and inode each is bound to), from a netlink socket created
// inside the namespace: a helper process joins it (and, for an
// unprivileged launcher, the user namespace that owns it), creates the
// socket, hands it back and exits. It is created once and kept, as every
// process of the sandbox shares the one namespace (the filter refuses
// setns and new namespaces).
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/unix_diag.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor.h"

// Large enough for a dump's batch of messages (the kernel fills one page or more).
#define DUMP_BUFFER_SIZE 32768

static pthread_mutex_t diag_lock = PTHREAD_MUTEX_INITIALIZER;
static int diag_socket = -1;
static struct stat diag_namespace;  // the namespace diag_socket was created in

static bool same_file(const struct stat* a, const struct stat* b) { return a->st_dev == b->st_dev && a->st_ino == b->st_ino; }

// The network namespace of the notified process, when it is not the
// launcher's own (the sandbox has one); checked to be that process's.
static bool sandbox_namespace(const struct notification* n, struct stat* out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)n->request->pid);
  struct stat ours;
  if (stat(path, out) == -1 || stat("/proc/self/ns/net", &ours) == -1) return false;
  return notification_valid(n) && !same_file(out, &ours);
}

bool socket_in_sandbox_network(const struct notification* n, int socket_copy) {
  struct stat sandbox, theirs;
  if (!sandbox_namespace(n, &sandbox)) return false;
  // EPERM for a socket of a namespace the launcher has no say in: the host's, for an unprivileged launcher.
  int namespace_fd = ioctl(socket_copy, SIOCGSKNS);
  if (namespace_fd == -1) return false;
  bool same = fstat(namespace_fd, &theirs) == 0 && same_file(&theirs, &sandbox);
  close_or_warn(namespace_fd);
  return same;
}

// In the helper process: joins the namespaces and sends back a diag socket. Only async-signal-safe calls.
static void create_inside(int channel, int user_namespace, int net_namespace) {
  if (user_namespace != -1 && setns(user_namespace, CLONE_NEWUSER) == -1) _exit(1);
  if (setns(net_namespace, CLONE_NEWNET) == -1) _exit(1);
  int created = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (created == -1) _exit(1);
  _exit(descriptors_send(channel, &created, 1, 0) == 1 ? 0 : 1);
}

static int receive_descriptor(int channel) {
  int fd;
  return descriptors_receive(channel, &fd, 1) == 1 ? fd : -1;
}

static int open_namespace(pid_t pid, const char* name) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, name);
  return open(path, O_RDONLY | O_CLOEXEC);
}

// A diag socket in the notified process's network namespace; -1 when none can be made.
static int create_diag_socket(const struct notification* n) {
  pid_t pid = (pid_t)n->request->pid;
  int net_namespace = open_namespace(pid, "net");
  int user_namespace = open_namespace(pid, "user");
  struct stat theirs, ours;
  int result = -1;
  int channel[2] = {-1, -1};
  if (net_namespace == -1 || user_namespace == -1 || !notification_valid(n)) goto done;
  // Joining one's own user namespace is an error: only a different one is joined.
  if (fstat(user_namespace, &theirs) == -1 || stat("/proc/self/ns/user", &ours) == -1) goto done;
  if (same_file(&theirs, &ours)) {
    close_or_warn(user_namespace);
    user_namespace = -1;
  }
  if (fstat(net_namespace, &diag_namespace) == -1) goto done;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) == -1) goto done;
  pid_t helper = fork();
  if (helper == -1) goto done;
  if (helper == 0) create_inside(channel[1], user_namespace, net_namespace);
  close_or_warn(channel[1]);
  channel[1] = -1;
  result = receive_descriptor(channel[0]);
  int status;
  while (waitpid(helper, &status, __WALL) == -1 && errno == EINTR) continue;
done:
  for (int i = 0; i < 2; i++) {
    if (channel[i] != -1) close_or_warn(channel[i]);
  }
  if (net_namespace != -1) close_or_warn(net_namespace);
  if (user_namespace != -1) close_or_warn(user_namespace);
  if (result == -1) warn("supervisor: cannot ask the sandbox's network namespace about its sockets: %s", strerror(errno));
  return result;
}

static bool bound_here(const struct unix_diag_vfs* vfs, const struct stat* file) {
  // The kernel's own device number (MAJOR << 20 | MINOR), not stat's encoding.
  return vfs->udiag_vfs_ino == file->st_ino && vfs->udiag_vfs_dev >> 20 == major(file->st_dev) &&
         (vfs->udiag_vfs_dev & 0xfffff) == minor(file->st_dev);
}

// Whether the dump on diag_socket names `file`; -1 when the dump failed.
static int dump_names(const struct stat* file, uint32_t sequence) {
  struct {
    struct nlmsghdr header;
    struct unix_diag_req request;
  } query = {
      .header = {.nlmsg_len = sizeof query, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                 .nlmsg_seq = sequence},
      .request = {.sdiag_family = AF_UNIX, .udiag_states = UINT32_MAX, .udiag_show = UDIAG_SHOW_VFS},
  };
  if (send(diag_socket, &query, sizeof query, 0) != (ssize_t)sizeof query) return -1;
  static char buffer[DUMP_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
  int found = 0;
  for (;;) {
    ssize_t got = recv(diag_socket, buffer, sizeof buffer, 0);
    if (got == -1 && errno == EINTR) continue;
    if (got <= 0) return -1;
    size_t left = (size_t)got;
    for (struct nlmsghdr* header = (struct nlmsghdr*)buffer; NLMSG_OK(header, left); header = NLMSG_NEXT(header, left)) {
      if (header->nlmsg_seq != sequence) continue;
      if (header->nlmsg_type == NLMSG_DONE) return found;
      if (header->nlmsg_type == NLMSG_ERROR) return -1;
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg))) continue;
      struct unix_diag_msg* message = NLMSG_DATA(header);
      unsigned int attributes_left = header->nlmsg_len - NLMSG_LENGTH(sizeof *message);
      for (struct rtattr* attribute = (struct rtattr*)(message + 1); RTA_OK(attribute, attributes_left);
           attribute = RTA_NEXT(attribute, attributes_left)) {
        if (attribute->rta_type == UNIX_DIAG_VFS && RTA_PAYLOAD(attribute) >= sizeof(struct unix_diag_vfs) &&
            bound_here(RTA_DATA(attribute), file)) {
          found = 1;
        }
      }
    }
  }
}

bool bound_in_sandbox_network(const struct notification* n, const struct stat* file) {
  struct stat sandbox;
  // The dump carries 32-bit inode numbers: a larger one could match another file.
  if (!S_ISSOCK(file->st_mode) || file->st_ino > UINT32_MAX || !sandbox_namespace(n, &sandbox)) return false;
  static uint32_t sequence;
  int found = -1;
  pthread_mutex_lock(&diag_lock);
  if (diag_socket == -1) diag_socket = create_diag_socket(n);
  if (diag_socket != -1 && same_file(&diag_namespace, &sandbox)) found = dump_names(file, ++sequence);
  pthread_mutex_unlock(&diag_lock);
  return found == 1;
}
