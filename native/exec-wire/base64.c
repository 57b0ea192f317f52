// Standard base64 (RFC 4648, padded), for the exact bytes of a string that is
// not valid UTF-8.
#include "wire.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_append(struct buffer* out, const unsigned char* bytes, size_t count) {
  for (size_t i = 0; i < count; i += 3) {
    size_t left = count - i;
    unsigned long group = (unsigned long)bytes[i] << 16;
    if (left > 1) group |= (unsigned long)bytes[i + 1] << 8;
    if (left > 2) group |= bytes[i + 2];
    char quad[4] = {alphabet[(group >> 18) & 63], alphabet[(group >> 12) & 63],
                    left > 1 ? alphabet[(group >> 6) & 63] : '=', left > 2 ? alphabet[group & 63] : '='};
    if (buffer_append(out, quad, sizeof quad) != 0) return -1;
  }
  return 0;
}
