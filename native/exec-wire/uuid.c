// A fresh request id per exec: a random (version 4) UUID from the kernel's
// random source, so replies cannot be replayed across requests.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __linux__
#include <sys/random.h>
#endif

#include "wire.h"

static int random_bytes(unsigned char* out, size_t count) {
#ifdef __linux__
  size_t filled = 0;
  while (filled < count) {
    ssize_t got = getrandom(out + filled, count - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    filled += (size_t)got;
  }
#else
  arc4random_buf(out, count);
#endif
  return 0;
}

int uuid_generate(char out[UUID_TEXT_SIZE]) {
  unsigned char b[16];
  if (random_bytes(b, sizeof b) != 0) return -1;
  b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
  int written = snprintf(out, UUID_TEXT_SIZE,
                         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
  return written == UUID_TEXT_SIZE - 1 ? 0 : -1;
}
