// UTF-8 validation: JSON carries text, so bytes that are not valid UTF-8 are
// shown replaced and travel exactly in a base64 sibling (request.c).
#include <string.h>

#include "wire.h"

size_t utf8_sequence_length(const unsigned char* s, size_t available) {
  if (available == 0) return 0;
  unsigned char lead = s[0];
  if (lead < 0x80) return 1;
  size_t length;
  unsigned int min, code;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (available < length) return 0;
  for (size_t i = 1; i < length; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    code = (code << 6) | (s[i] & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

bool utf8_valid(const char* s) {
  const unsigned char* bytes = (const unsigned char*)s;
  size_t remaining = strlen(s);
  while (remaining > 0) {
    size_t length = utf8_sequence_length(bytes, remaining);
    if (length == 0) return false;
    bytes += length;
    remaining -= length;
  }
  return true;
}
