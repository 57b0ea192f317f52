// The network proxy's ports inside the sandbox (SPEC §11), made by PID 1 in
// the sandbox's network namespace: one listening TCP socket on
// 127.0.0.1:PORT for each --proxy-forward, handed to the launcher outside
// (SCM_RIGHTS), which carries each accepted connection to the host proxy's
// Unix socket (proxy-forward.c). The sockets belong to the sandbox's
// namespace wherever they are held, so the host gets no TCP port, and the
// command can reach nothing but these ports and its own loopback.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"

#define LISTEN_BACKLOG 512

static int listen_on_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) fail("network-proxy", "socket: %s", strerror(errno));
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&address, sizeof address) == -1) fail("network-proxy", "bind 127.0.0.1:%d: %s", port, strerror(errno));
  if (listen(fd, LISTEN_BACKLOG) == -1) fail("network-proxy", "listen: %s", strerror(errno));
  return fd;
}

void proxy_listen_send(const struct plan* plan, int channel) {
  int fds[MAX_PROXY_FORWARDS];
  for (size_t i = 0; i < plan->proxy_forward_count; i++) fds[i] = listen_on_loopback(plan->proxy_forwards[i].port);
  if (descriptors_send(channel, fds, plan->proxy_forward_count, 0) != 1) {
    fail("network-proxy", "handing over the listening sockets: %s", strerror(errno));
  }
  for (size_t i = 0; i < plan->proxy_forward_count; i++) {
    if (close(fds[i]) == -1) fail("network-proxy", "close: %s", strerror(errno));
  }
  if (close(channel) == -1) fail("network-proxy", "close: %s", strerror(errno));
}
