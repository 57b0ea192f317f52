// Reading the stopped process: its memory through process_vm_readv, one page
// at a time where the length is not known (a string may end just before an
// unmapped page), and its /proc links. The caller checks the notification is
// still valid after reading, so a recycled pid cannot pass for the process.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "supervisor.h"

#define PAGE 4096u
// The kernel's limits on an argument list (fs/exec.c): one string at most 32
// pages, and all of argv and envp with their pointers at most 3/4 of the
// 8 MiB default stack. Past them the exec fails with E2BIG anyway.
#define MAX_ARG_STRLEN (32 * PAGE)
#define MAX_ARG_BYTES (6u * 1024 * 1024)

int remote_read(pid_t pid, uint64_t address, void* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    struct iovec local = {(char*)out + done, size - done};
    struct iovec remote = {(void*)(uintptr_t)(address + done), size - done};
    ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (got == -1) return -1;
    if (got == 0) {
      errno = EFAULT;
      return -1;
    }
    done += (size_t)got;
  }
  return 0;
}

// The last page read, so that the many short strings of a long argv, which
// usually lie next to each other, cost one read per page and not per string.
struct page_cache {
  uint64_t address;  // page-aligned; 0 when empty
  char bytes[PAGE];
};

// Copies the bytes from `address` to the end of its page into `out`.
static int read_to_page_end(pid_t pid, uint64_t address, char* out, size_t chunk, struct page_cache* cache) {
  uint64_t page = address - address % PAGE;
  if (cache == NULL) return remote_read(pid, address, out, chunk);
  if (cache->address != page || page == 0) {
    if (remote_read(pid, page, cache->bytes, PAGE) == -1) {
      cache->address = 0;
      return remote_read(pid, address, out, chunk);
    }
    cache->address = page;
  }
  memcpy(out, cache->bytes + (address - page), chunk);
  return 0;
}

// Which strings of an array to keep (NULL: all).
struct wanted_strings {
  bool (*accepts)(const char* string, const void* context);
  const void* context;
};

// A string of the process, malloc'd; NULL with errno, or NULL with errno 0
// and its length in *skipped for one that `wanted` does not accept.
static char* cached_string(pid_t pid, uint64_t address, size_t max, struct page_cache* cache,
                           const struct wanted_strings* wanted, size_t* skipped) {
  // Most strings end in the page they start in: read there first and keep
  // just the string, since every exec reads many (argv, the environment).
  char first[PAGE];
  size_t length = PAGE - (size_t)(address % PAGE);
  if (read_to_page_end(pid, address, first, length, cache) == -1) return NULL;
  char* first_end = memchr(first, '\0', length);
  if (first_end != NULL) {
    size_t size = (size_t)(first_end - first) + 1;
    if (size - 1 > max) {
      errno = ENAMETOOLONG;
      return NULL;
    }
    if (wanted != NULL && !wanted->accepts(first, wanted->context)) {
      *skipped = size - 1;
      errno = 0;
      return NULL;
    }
    char* text = malloc(size);
    if (text != NULL) memcpy(text, first, size);
    return text;
  }
  size_t capacity = 2 * PAGE;
  char* text = malloc(capacity);
  if (text == NULL) return NULL;
  memcpy(text, first, length);
  if (length > max) {
    errno = ENAMETOOLONG;
    goto failed;
  }
  for (;;) {
    size_t chunk = PAGE - (size_t)((address + length) % PAGE);
    if (length + chunk + 1 > capacity) {
      while (length + chunk + 1 > capacity) capacity *= 2;
      char* grown = realloc(text, capacity);
      if (grown == NULL) goto failed;
      text = grown;
    }
    if (read_to_page_end(pid, address + length, text + length, chunk, cache) == -1) goto failed;
    char* end = memchr(text + length, '\0', chunk);
    if (end != NULL) {
      if ((size_t)(end - text) > max) {
        errno = ENAMETOOLONG;
        goto failed;
      }
      return text;
    }
    length += chunk;
    if (length > max) {
      errno = ENAMETOOLONG;
      goto failed;
    }
  }
failed:
  free(text);
  return NULL;
}

char* remote_string(pid_t pid, uint64_t address, size_t max) { return cached_string(pid, address, max, NULL, NULL, NULL); }

void free_string_array(char** strings, size_t count) {
  if (strings == NULL) return;
  for (size_t i = 0; i < count; i++) free(strings[i]);
  free(strings);
}

// The pointers of a NULL-terminated array, read a page at a time.
static uint64_t* remote_pointers(pid_t pid, uint64_t address, size_t* count) {
  size_t capacity = 64, length = 0;
  uint64_t* pointers = malloc(capacity * sizeof *pointers);
  if (pointers == NULL) return NULL;
  for (;;) {
    size_t chunk = (PAGE - (size_t)((address + length * sizeof(uint64_t)) % PAGE)) / sizeof(uint64_t);
    if (chunk == 0) chunk = 1;
    if (length + chunk > capacity) {
      while (length + chunk > capacity) capacity *= 2;
      uint64_t* grown = realloc(pointers, capacity * sizeof *pointers);
      if (grown == NULL) goto failed;
      pointers = grown;
    }
    if (remote_read(pid, address + length * sizeof(uint64_t), pointers + length, chunk * sizeof(uint64_t)) == -1) {
      goto failed;
    }
    for (size_t i = 0; i < chunk; i++) {
      if (pointers[length + i] == 0) {
        *count = length + i;
        return pointers;
      }
    }
    length += chunk;
    if (length * sizeof(uint64_t) > MAX_ARG_BYTES) {
      errno = E2BIG;
      goto failed;
    }
  }
failed:
  free(pointers);
  return NULL;
}

static char** read_string_array(pid_t pid, uint64_t address, const struct wanted_strings* wanted, size_t* count) {
  size_t length = 0;
  uint64_t* pointers = NULL;
  // A NULL argv runs with an empty argv[0], as the kernel makes it.
  if (address != 0) {
    pointers = remote_pointers(pid, address, &length);
    if (pointers == NULL) return NULL;
  }
  char** strings = calloc(length > 0 ? length : 1, sizeof *strings);
  if (strings == NULL) goto failed;
  if (length == 0 && wanted != NULL) {
    free(pointers);
    *count = 0;
    return strings;
  }
  if (length == 0) {
    strings[0] = strdup("");
    if (strings[0] == NULL) goto failed;
    free(pointers);
    *count = 1;
    return strings;
  }
  // Every string counts towards the kernel's limit, kept or not.
  size_t total = length * sizeof(uint64_t);
  size_t kept = 0;
  struct page_cache cache = {0};
  for (size_t i = 0; i < length; i++) {
    size_t skipped = 0;
    char* string = cached_string(pid, pointers[i], MAX_ARG_STRLEN - 1, &cache, wanted, &skipped);
    if (string == NULL && errno != 0) {
      if (errno == ENAMETOOLONG) errno = E2BIG;
      free_string_array(strings, kept);
      strings = NULL;
      goto failed;
    }
    total += (string != NULL ? strlen(string) : skipped) + 1;
    // A string longer than its first page is read whole and judged here.
    if (string != NULL && wanted != NULL && !wanted->accepts(string, wanted->context)) {
      free(string);
      string = NULL;
    }
    if (string != NULL) strings[kept++] = string;
    if (total > MAX_ARG_BYTES) {
      free_string_array(strings, kept);
      strings = NULL;
      errno = E2BIG;
      goto failed;
    }
  }
  free(pointers);
  *count = kept;
  return strings;
failed:
  free(pointers);
  free(strings);
  return NULL;
}

char* link_target(const char* link) {
  // Read on the stack and kept at its size: several links are read per exec.
  char target[PATH_MAX + 1];
  ssize_t length = readlink(link, target, sizeof target);
  if (length == -1 || length > PATH_MAX) {
    if (length > PATH_MAX) errno = ENAMETOOLONG;
    return NULL;
  }
  return strndup(target, (size_t)length);
}

char* proc_link(pid_t pid, const char* name) {
  char link[64];
  snprintf(link, sizeof link, "/proc/%d/%s", (int)pid, name);
  return link_target(link);
}

char** remote_string_array(pid_t pid, uint64_t address, size_t* count) {
  return read_string_array(pid, address, NULL, count);
}

char** remote_string_array_matching(pid_t pid, uint64_t address, bool (*accepts)(const char* string, const void* context),
                                    const void* context, size_t* count) {
  struct wanted_strings wanted = {.accepts = accepts, .context = context};
  return read_string_array(pid, address, &wanted, count);
}
