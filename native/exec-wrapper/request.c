// The exec_request line:
//   {"type":"exec_request","request_id":"..","file":"..","argv":[..],"cwd":".."}\n
#include <stdio.h>
#include <string.h>

#include "wrapper.h"

static int append_text(struct buffer* out, const char* text) {
  return buffer_append(out, text, strlen(text));
}

// A JSON string literal. Input is valid UTF-8 (checked by the caller), so
// only quotes, backslashes and control characters need escaping.
static int append_json_string(struct buffer* out, const char* s) {
  if (buffer_append(out, "\"", 1) != 0) return -1;
  const char* run = s;
  for (const char* p = s;; p++) {
    unsigned char c = (unsigned char)*p;
    if (c != 0 && c != '"' && c != '\\' && c >= 0x20) continue;
    if (buffer_append(out, run, (size_t)(p - run)) != 0) return -1;
    if (c == 0) break;
    char escaped[7];
    if (c == '"' || c == '\\') {
      escaped[0] = '\\', escaped[1] = (char)c, escaped[2] = 0;
    } else {
      snprintf(escaped, sizeof escaped, "\\u%04x", c);
    }
    if (append_text(out, escaped) != 0) return -1;
    run = p + 1;
  }
  return buffer_append(out, "\"", 1);
}

int build_exec_request(struct buffer* out, const char* request_id, const char* file,
                       char* const* argv, int argc, const char* cwd) {
  if (append_text(out, "{\"type\":\"exec_request\",\"request_id\":") != 0) return -1;
  if (append_json_string(out, request_id) != 0) return -1;
  if (append_text(out, ",\"file\":") != 0) return -1;
  if (append_json_string(out, file) != 0) return -1;
  if (append_text(out, ",\"argv\":[") != 0) return -1;
  for (int i = 0; i < argc; i++) {
    if (i > 0 && buffer_append(out, ",", 1) != 0) return -1;
    if (append_json_string(out, argv[i]) != 0) return -1;
  }
  if (append_text(out, "],\"cwd\":") != 0) return -1;
  if (append_json_string(out, cwd) != 0) return -1;
  return append_text(out, "}\n");
}
