// No capabilities: the bounding, ambient, inheritable, permitted and
// effective sets are emptied and the securebits locked, so that neither
// root (a uid 0 caller without a user namespace) nor root inside a user
// namespace keeps or regains any through exec. A caller with no capability
// at all (no user namespace, not root) may lack the right to change the
// bounding set and the securebits; it has nothing to lose there, and
// no_new_privs keeps exec from granting anything.
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define LOCKED_SECUREBITS                                                                             \
  (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |  \
   SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static bool has_any_capability(struct __user_cap_data_struct* data) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  if (syscall(SYS_capget, &header, data) == -1) fail("capabilities", "capget: %s", strerror(errno));
  return (data[0].permitted | data[1].permitted | data[0].effective | data[1].effective) != 0;
}

void capabilities_drop(void) {
  struct __user_cap_data_struct data[2];
  int securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
  if (securebits == -1) fail("capabilities", "reading the securebits: %s", strerror(errno));
  bool locked = (securebits & LOCKED_SECUREBITS) == LOCKED_SECUREBITS;  // a sandbox within a sandbox
  // Root gains every capability through exec unless the securebits say no.
  bool privileged = has_any_capability(data) || (geteuid() == 0 && !locked);
  if (!locked && prctl(PR_SET_SECUREBITS, LOCKED_SECUREBITS, 0, 0, 0) == -1 && (privileged || errno != EPERM)) {
    fail("capabilities", "locking the securebits: %s", strerror(errno));
  }
  // Every capability the kernel knows, up to cap_last_cap: EINVAL past it.
  for (unsigned long cap = 0;; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break;
    if (errno == EPERM && !privileged) break;
    fail("capabilities", "dropping capability %lu from the bounding set: %s", cap, strerror(errno));
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 && errno != EINVAL) {
    fail("capabilities", "clearing the ambient set: %s", strerror(errno));
  }
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &header, data) == -1) fail("capabilities", "capset: %s", strerror(errno));
}
