// The launcher's side of the network proxy's ports (SPEC §11): it receives
// the listening sockets made in the sandbox's namespace (proxy-listen.c),
// accepts on each in a thread, connects every accepted connection to the
// host proxy's Unix socket for that port, and moves bytes both ways (splice,
// through a pipe), one thread per direction, passing each end-of-stream on
// as a half-close.
// Nothing is decided here: the host's proxy judges every request.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox.h"

#define RELAY_BUFFER_BYTES (64 * 1024)
#define THREAD_STACK_BYTES (256 * 1024)

struct listener {
  int fd;
  const char* socket_path;
};

// One connection: the command's end and the host proxy's end.
struct connection {
  int ends[2];
  atomic_int directions_left;
};

struct direction {
  struct connection* connection;
  int from;
  int to;
};

static pthread_attr_t thread_attributes;

static void close_or_warn(int fd) {
  if (close(fd) == -1) warn("network proxy: close: %s", strerror(errno));
}

// A peer that is already gone has nothing left to shut down.
static void shutdown_or_warn(int fd, int how) {
  if (shutdown(fd, how) == -1 && errno != ENOTCONN) warn("network proxy: shutdown: %s", strerror(errno));
}

static void connection_release(struct connection* connection) {
  if (atomic_fetch_sub(&connection->directions_left, 1) != 1) return;
  close_or_warn(connection->ends[0]);
  close_or_warn(connection->ends[1]);
  free(connection);
}

static bool write_all(int fd, const char* bytes, size_t length) {
  while (length > 0) {
    ssize_t written = send(fd, bytes, length, MSG_NOSIGNAL);
    if (written == -1 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes += written;
    length -= (size_t)written;
  }
  return true;
}

// Moves bytes from one socket to the other through a pipe, without copying
// them into this process (splice). Returns 1 at a clean end of stream, -1 on
// failure; EINVAL (a kernel that cannot splice these sockets) falls back.
static int splice_all(int from, int to) {
  int pipe_ends[2];
  if (pipe2(pipe_ends, O_CLOEXEC) == -1) return -1;
  int result = 0;
  for (;;) {
    ssize_t got = splice(from, NULL, pipe_ends[1], NULL, RELAY_BUFFER_BYTES, SPLICE_F_MOVE);
    if (got == -1 && errno == EINTR) continue;
    if (got == 0) {
      result = 1;
      break;
    }
    if (got == -1) {
      result = errno == EINVAL ? 0 : -1;
      break;
    }
    while (got > 0) {
      ssize_t moved = splice(pipe_ends[0], NULL, to, NULL, (size_t)got, SPLICE_F_MOVE);
      if (moved == -1 && errno == EINTR) continue;
      if (moved <= 0) {
        result = -1;
        got = -1;
        break;
      }
      got -= moved;
    }
    if (got == -1) break;
  }
  close_or_warn(pipe_ends[0]);
  close_or_warn(pipe_ends[1]);
  return result;
}

// The same with a buffer, where splice cannot be used.
static int copy_all(int from, int to) {
  char* buffer = malloc(RELAY_BUFFER_BYTES);
  if (buffer == NULL) return -1;
  int result = -1;
  for (;;) {
    ssize_t got = recv(from, buffer, RELAY_BUFFER_BYTES, 0);
    if (got == -1 && errno == EINTR) continue;
    if (got == 0) result = 1;
    if (got <= 0 || !write_all(to, buffer, (size_t)got)) break;
  }
  free(buffer);
  return result;
}

static void* copy_direction(void* argument) {
  struct direction* direction = argument;
  int result = splice_all(direction->from, direction->to);
  if (result == 0) result = copy_all(direction->from, direction->to);
  // End of stream goes on as a half-close; a failure ends both directions.
  shutdown_or_warn(direction->to, SHUT_WR);
  if (result != 1) shutdown_or_warn(direction->from, SHUT_RDWR);
  connection_release(direction->connection);
  free(direction);
  return NULL;
}

static int connect_to_host_proxy(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return -1;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof address.sun_path) {
    close_or_warn(fd);
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(address.sun_path, path);
  int result;
  do result = connect(fd, (struct sockaddr*)&address, sizeof address);
  while (result == -1 && errno == EINTR);
  if (result == -1) {
    int error = errno;
    close_or_warn(fd);
    errno = error;
    return -1;
  }
  return fd;
}

static void start_direction(struct connection* connection, int from, int to) {
  struct direction* direction = malloc(sizeof *direction);
  pthread_t thread;
  if (direction != NULL) {
    *direction = (struct direction){.connection = connection, .from = from, .to = to};
    if (pthread_create(&thread, &thread_attributes, copy_direction, direction) == 0) return;
    free(direction);
  }
  shutdown_or_warn(from, SHUT_RDWR);
  shutdown_or_warn(to, SHUT_RDWR);
  connection_release(connection);
}

static void* accept_loop(void* argument) {
  const struct listener* listener = argument;
  for (;;) {
    int client = accept4(listener->fd, NULL, NULL, SOCK_CLOEXEC);
    if (client == -1) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        if (errno != EINTR && errno != ECONNABORTED) usleep(10000);
        continue;
      }
      warn("network proxy: accept: %s", strerror(errno));
      return NULL;
    }
    int proxy = connect_to_host_proxy(listener->socket_path);
    struct connection* connection = proxy == -1 ? NULL : malloc(sizeof *connection);
    if (connection == NULL) {
      if (proxy == -1) warn("network proxy: cannot reach the host's proxy: %s", strerror(errno));
      close_or_warn(client);
      if (proxy != -1) close_or_warn(proxy);
      continue;
    }
    connection->ends[0] = client;
    connection->ends[1] = proxy;
    atomic_init(&connection->directions_left, 2);
    start_direction(connection, client, proxy);
    start_direction(connection, proxy, client);
  }
}

void proxy_forward_start(const struct plan* plan, int channel) {
  int fds[MAX_PROXY_FORWARDS];
  int got = descriptors_receive(channel, fds, plan->proxy_forward_count);
  if (close(channel) == -1) fail("network-proxy", "close: %s", strerror(errno));
  // None come when the sandbox has no network namespace (refused, or downgraded to no network at all).
  if (got == 0) return;
  if (got != 1) fail("network-proxy", "the listening sockets did not come: %s", strerror(errno));
  if (pthread_attr_init(&thread_attributes) != 0 || pthread_attr_setdetachstate(&thread_attributes, PTHREAD_CREATE_DETACHED) != 0 ||
      pthread_attr_setstacksize(&thread_attributes, THREAD_STACK_BYTES) != 0) {
    fail("network-proxy", "pthread attributes");
  }
  static struct listener listeners[MAX_PROXY_FORWARDS];
  for (size_t i = 0; i < plan->proxy_forward_count; i++) {
    listeners[i] = (struct listener){.fd = fds[i], .socket_path = plan->proxy_forwards[i].socket_path};
    pthread_t thread;
    int error = pthread_create(&thread, &thread_attributes, accept_loop, &listeners[i]);
    if (error != 0) fail("network-proxy", "pthread_create: %s", strerror(error));
  }
}
