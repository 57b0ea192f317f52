// The exec_request line (the members and their order are documented in wire.h).
#include <stdio.h>
#include <string.h>

#include "wire.h"

static int append_text(struct buffer* out, const char* text) { return buffer_append(out, text, strlen(text)); }

static bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Length of the next character that can be copied as it is: a valid UTF-8
// sequence that JSON does not escape; 0 when the next byte needs handling.
static size_t plain_length(const unsigned char* p, size_t remaining) {
  size_t length = utf8_sequence_length(p, remaining);
  return length == 1 && needs_escape(*p) ? 0 : length;
}

// A JSON string literal of `s`: quotes, backslashes and control characters
// escaped, every byte that is not part of valid UTF-8 replaced by U+FFFD.
static int append_json_string(struct buffer* out, const char* s) {
  if (buffer_append(out, "\"", 1) != 0) return -1;
  const unsigned char* p = (const unsigned char*)s;
  size_t remaining = strlen(s);
  while (remaining > 0) {
    size_t run = 0;
    for (size_t length; run < remaining && (length = plain_length(p + run, remaining - run)) > 0;) run += length;
    if (run > 0) {
      if (buffer_append(out, (const char*)p, run) != 0) return -1;
      p += run, remaining -= run;
      continue;
    }
    char escaped[7];
    if (utf8_sequence_length(p, remaining) == 0) {
      snprintf(escaped, sizeof escaped, "\xEF\xBF\xBD");
    } else if (*p == '"' || *p == '\\') {
      snprintf(escaped, sizeof escaped, "\\%c", *p);
    } else {
      snprintf(escaped, sizeof escaped, "\\u%04x", *p);
    }
    if (append_text(out, escaped) != 0) return -1;
    p++, remaining--;
  }
  return buffer_append(out, "\"", 1);
}

static int append_member(struct buffer* out, const char* name, const char* value) {
  if (buffer_append(out, ",\"", 2) != 0 || append_text(out, name) != 0 || append_text(out, "\":") != 0) return -1;
  return append_json_string(out, value);
}

static int append_b64_member(struct buffer* out, const char* name, const char* value) {
  if (buffer_append(out, ",\"", 2) != 0 || append_text(out, name) != 0 || append_text(out, "\":\"") != 0) return -1;
  if (base64_append(out, (const unsigned char*)value, strlen(value)) != 0) return -1;
  return buffer_append(out, "\"", 1);
}

// A JSON array of strings: each as text, or (b64) each as the base64 of its exact bytes.
static int append_list(struct buffer* out, const char* name, const char* const* strings, size_t count, bool b64) {
  if (buffer_append(out, ",\"", 2) != 0 || append_text(out, name) != 0 || append_text(out, "\":[") != 0) return -1;
  for (size_t i = 0; i < count; i++) {
    if (i > 0 && buffer_append(out, ",", 1) != 0) return -1;
    if (b64) {
      if (buffer_append(out, "\"", 1) != 0) return -1;
      if (base64_append(out, (const unsigned char*)strings[i], strlen(strings[i])) != 0) return -1;
      if (buffer_append(out, "\"", 1) != 0) return -1;
    } else if (append_json_string(out, strings[i]) != 0) {
      return -1;
    }
  }
  return buffer_append(out, "]", 1);
}

static bool all_utf8(const char* const* strings, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (!utf8_valid(strings[i])) return false;
  }
  return true;
}

int build_exec_request(struct buffer* out, const struct exec_request* r) {
  if (append_text(out, r->record ? "{\"type\":\"exec_record\"" : "{\"type\":\"exec_request\"") != 0) return -1;
  if (append_member(out, "request_id", r->request_id) != 0) return -1;
  if (append_member(out, "file", r->file) != 0) return -1;
  if (append_list(out, "argv", r->argv, r->argc, false) != 0) return -1;
  if (append_member(out, "cwd", r->cwd) != 0) return -1;
  if (r->has_details) {
    if (r->executable != NULL && append_member(out, "executable", r->executable) != 0) return -1;
    if (r->interpreter != NULL) {
      if (append_member(out, "interpreter", r->interpreter) != 0) return -1;
    } else if (append_text(out, ",\"interpreter\":null") != 0) {
      return -1;
    }
    char tail[64];
    snprintf(tail, sizeof tail, ",\"anonymous\":%s,\"pid\":%ld", r->anonymous ? "true" : "false", r->pid);
    if (append_text(out, tail) != 0) return -1;
  }
  if (r->has_environment && append_list(out, "environment", r->environment, r->environment_count, false) != 0) return -1;
  if (!utf8_valid(r->file) && append_b64_member(out, "file_b64", r->file) != 0) return -1;
  if (!utf8_valid(r->cwd) && append_b64_member(out, "cwd_b64", r->cwd) != 0) return -1;
  if (!all_utf8(r->argv, r->argc) && append_list(out, "argv_b64", r->argv, r->argc, true) != 0) return -1;
  if (r->has_environment && !all_utf8(r->environment, r->environment_count) &&
      append_list(out, "environment_b64", r->environment, r->environment_count, true) != 0) {
    return -1;
  }
  return append_text(out, "}\n");
}
