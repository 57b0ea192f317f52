// Which environment variables an exec request carries: only those whose
// names the host asked for, never the whole environment.
#include <string.h>

#include "wire.h"

bool environment_entry_wanted(const char* entry, const char* const* names, size_t name_count) {
  const char* equals = strchr(entry, '=');
  if (equals == NULL) return false;
  size_t length = (size_t)(equals - entry);
  for (size_t i = 0; i < name_count; i++) {
    size_t name_length = strlen(names[i]);
    if (name_length > 0 && names[i][name_length - 1] == '*') {
      if (length >= name_length - 1 && strncmp(entry, names[i], name_length - 1) == 0) return true;
    } else if (length == name_length && strncmp(entry, names[i], length) == 0) {
      return true;
    }
  }
  return false;
}
