// The exec supervisor: answers the seccomp notifications of the sandbox
// (execve/execveat, and without network the pathname AF_UNIX sends) from the
// launcher's unsandboxed parent process (SPEC §5).
#ifndef CORDON_LINUX_SANDBOX_SUPERVISOR_H
#define CORDON_LINUX_SANDBOX_SUPERVISOR_H

#include "sandbox.h"

// Starts answering the notifications of `listener_fd` on a thread of its own.
// Returns 0, or -1 with errno set.
int supervisor_start(int listener_fd, const struct plan* plan);

#endif
