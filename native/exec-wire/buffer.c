// A growable byte buffer that refuses to grow past its limit, so neither a
// huge argv nor a hostile reply can make the wrapper allocate without bound.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

void buffer_init(struct buffer* buf, size_t limit) {
  buf->data = NULL;
  buf->length = 0;
  buf->capacity = 0;
  buf->limit = limit;
}

int buffer_append(struct buffer* buf, const char* bytes, size_t count) {
  if (count > buf->limit - buf->length) {
    errno = EMSGSIZE;
    return -1;
  }
  size_t needed = buf->length + count;
  if (needed > buf->capacity) {
    size_t capacity = buf->capacity ? buf->capacity : 256;
    while (capacity < needed) capacity *= 2;
    if (capacity > buf->limit) capacity = buf->limit;
    char* grown = realloc(buf->data, capacity);
    if (grown == NULL) {
      errno = ENOMEM;
      return -1;
    }
    buf->data = grown;
    buf->capacity = capacity;
  }
  memcpy(buf->data + buf->length, bytes, count);
  buf->length = needed;
  return 0;
}

void buffer_free(struct buffer* buf) {
  free(buf->data);
  buffer_init(buf, buf->limit);
}
