// Strict parsing of the one reply line:
//   {"type":"exec_response","request_id":"<ours>","action":"run"|"deny","reason":null|"...","abort":true,"cache":"program"}
// Exactly these members, each once (reason and cordon's additive abort and
// cache may be absent), string or null values (abort: true or false; cache:
// "program" or null, and only with "run"), standard JSON escapes. Anything
// else is malformed, and a malformed reply never runs the program.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

struct cursor {
  const char* at;
  const char* end;
};

static void skip_space(struct cursor* c) {
  while (c->at < c->end && (*c->at == ' ' || *c->at == '\t' || *c->at == '\r')) c->at++;
}

static int expect(struct cursor* c, char wanted) {
  skip_space(c);
  if (c->at >= c->end || *c->at != wanted) return -1;
  c->at++;
  return 0;
}

static int hex_digit(char h) {
  if (h >= '0' && h <= '9') return h - '0';
  if (h >= 'a' && h <= 'f') return h - 'a' + 10;
  if (h >= 'A' && h <= 'F') return h - 'A' + 10;
  return -1;
}

static long read_hex4(struct cursor* c) {
  if (c->end - c->at < 4) return -1;
  long value = 0;
  for (int i = 0; i < 4; i++) {
    int digit = hex_digit(c->at[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  c->at += 4;
  return value;
}

static int append_code_point(struct buffer* out, unsigned long code) {
  char bytes[4];
  size_t length;
  if (code < 0x80) {
    bytes[0] = (char)code, length = 1;
  } else if (code < 0x800) {
    bytes[0] = (char)(0xC0 | (code >> 6)), bytes[1] = (char)(0x80 | (code & 0x3F)), length = 2;
  } else if (code < 0x10000) {
    bytes[0] = (char)(0xE0 | (code >> 12)), bytes[1] = (char)(0x80 | ((code >> 6) & 0x3F));
    bytes[2] = (char)(0x80 | (code & 0x3F)), length = 3;
  } else {
    bytes[0] = (char)(0xF0 | (code >> 18)), bytes[1] = (char)(0x80 | ((code >> 12) & 0x3F));
    bytes[2] = (char)(0x80 | ((code >> 6) & 0x3F)), bytes[3] = (char)(0x80 | (code & 0x3F));
    length = 4;
  }
  return buffer_append(out, bytes, length);
}

// The escape after a backslash; `c` points just past the backslash.
static int read_escape(struct cursor* c, struct buffer* out) {
  if (c->at >= c->end) return -1;
  char e = *c->at++;
  const char* simple = strchr("\"\\/bfnrt", e);
  if (e != 0 && simple != NULL) {
    static const char decoded[] = "\"\\/\b\f\n\r\t";
    return buffer_append(out, &decoded[simple - "\"\\/bfnrt"], 1);
  }
  if (e != 'u') return -1;
  long code = read_hex4(c);
  if (code < 0) return -1;
  if (code >= 0xD800 && code <= 0xDBFF) {
    if (c->end - c->at < 2 || c->at[0] != '\\' || c->at[1] != 'u') return -1;
    c->at += 2;
    long low = read_hex4(c);
    if (low < 0xDC00 || low > 0xDFFF) return -1;
    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  } else if (code >= 0xDC00 && code <= 0xDFFF) {
    return -1;
  }
  // A NUL would silently cut the C string short.
  if (code == 0) return -1;
  return append_code_point(out, (unsigned long)code);
}

// A JSON string (or null, giving NULL). The result is malloc'd, NUL-terminated.
static int read_string_or_null(struct cursor* c, char** out) {
  skip_space(c);
  if (c->end - c->at >= 4 && memcmp(c->at, "null", 4) == 0) {
    c->at += 4;
    *out = NULL;
    return 0;
  }
  if (c->at >= c->end || *c->at != '"') return -1;
  c->at++;
  struct buffer text;
  buffer_init(&text, MAX_MESSAGE_BYTES);
  for (;;) {
    if (c->at >= c->end) goto malformed;
    unsigned char ch = (unsigned char)*c->at;
    if (ch == '"') {
      c->at++;
      break;
    }
    if (ch < 0x20) goto malformed;
    if (ch == '\\') {
      c->at++;
      if (read_escape(c, &text) != 0) goto malformed;
      continue;
    }
    size_t length = utf8_sequence_length((const unsigned char*)c->at, (size_t)(c->end - c->at));
    if (length == 0 || buffer_append(&text, c->at, length) != 0) goto malformed;
    c->at += length;
  }
  if (buffer_append(&text, "", 1) != 0) goto malformed;
  *out = text.data;
  return 0;
malformed:
  buffer_free(&text);
  return -1;
}

enum member { MEMBER_TYPE, MEMBER_REQUEST_ID, MEMBER_ACTION, MEMBER_REASON, MEMBER_ABORT, MEMBER_CACHE, MEMBER_COUNT };
static const char* const member_names[MEMBER_COUNT] = {"type", "request_id", "action", "reason", "abort", "cache"};

// A JSON true or false.
static int read_boolean(struct cursor* c, bool* out) {
  skip_space(c);
  for (int value = 0; value < 2; value++) {
    const char* word = value ? "true" : "false";
    size_t length = strlen(word);
    if ((size_t)(c->end - c->at) >= length && memcmp(c->at, word, length) == 0) {
      c->at += length;
      *out = value;
      return 0;
    }
  }
  return -1;
}

static void free_values(char* values[MEMBER_COUNT]) {
  for (int i = 0; i < MEMBER_COUNT; i++) free(values[i]);
}

int parse_exec_response(const char* line, size_t length, const char* request_id,
                        struct exec_response* out, char* error, size_t error_size) {
  struct cursor c = {line, line + length};
  char* values[MEMBER_COUNT] = {NULL};
  int seen[MEMBER_COUNT] = {0};
  bool abort_run = false;
  const char* problem = NULL;

  if (expect(&c, '{') != 0) {
    problem = "it is not a JSON object";
    goto fail;
  }
  for (int first = 1;; first = 0) {
    skip_space(&c);
    if (c.at < c.end && *c.at == '}') {
      if (!first) {
        problem = "it has a trailing comma";
        goto fail;
      }
      c.at++;
      break;
    }
    char* key = NULL;
    if (read_string_or_null(&c, &key) != 0 || key == NULL || expect(&c, ':') != 0) {
      free(key);
      problem = "it is not valid JSON";
      goto fail;
    }
    int index = -1;
    for (int i = 0; i < MEMBER_COUNT; i++) {
      if (strcmp(key, member_names[i]) == 0) index = i;
    }
    free(key);
    if (index < 0 || seen[index]) {
      problem = index < 0 ? "it has an unknown member" : "it repeats a member";
      goto fail;
    }
    seen[index] = 1;
    if (index == MEMBER_ABORT ? read_boolean(&c, &abort_run) != 0 : read_string_or_null(&c, &values[index]) != 0) {
      problem = index == MEMBER_ABORT ? "abort is not true or false" : "a member is not a string or null";
      goto fail;
    }
    skip_space(&c);
    if (c.at < c.end && *c.at == ',') {
      c.at++;
      skip_space(&c);
      if (c.at < c.end && *c.at == '}') {
        problem = "it has a trailing comma";
        goto fail;
      }
      continue;
    }
    if (expect(&c, '}') != 0) {
      problem = "it is not valid JSON";
      goto fail;
    }
    break;
  }
  skip_space(&c);
  if (c.at != c.end) {
    problem = "there is text after the JSON object";
    goto fail;
  }
  if (values[MEMBER_TYPE] == NULL || strcmp(values[MEMBER_TYPE], "exec_response") != 0) {
    problem = "its type is not \"exec_response\"";
    goto fail;
  }
  if (values[MEMBER_REQUEST_ID] == NULL || (request_id != NULL && strcmp(values[MEMBER_REQUEST_ID], request_id) != 0)) {
    problem = "it answers a different request_id";
    goto fail;
  }
  const char* action = values[MEMBER_ACTION];
  if (action == NULL || (strcmp(action, "run") != 0 && strcmp(action, "deny") != 0)) {
    problem = "its action is neither \"run\" nor \"deny\"";
    goto fail;
  }
  if (abort_run && strcmp(action, "deny") != 0) {
    problem = "it aborts a run it lets the program run in";
    goto fail;
  }
  const char* cache = values[MEMBER_CACHE];
  if (cache != NULL && (strcmp(cache, "program") != 0 || strcmp(action, "run") != 0)) {
    problem = "its cache is not \"program\" on a run";
    goto fail;
  }
  out->run = strcmp(action, "run") == 0;
  out->abort = abort_run;
  out->keep_for_program = cache != NULL;
  out->reason = values[MEMBER_REASON];
  values[MEMBER_REASON] = NULL;
  if (request_id == NULL) {
    out->request_id = values[MEMBER_REQUEST_ID];
    values[MEMBER_REQUEST_ID] = NULL;
  }
  free_values(values);
  return 0;
fail:
  snprintf(error, error_size, "malformed reply from the exec server: %s", problem);
  free_values(values);
  return -1;
}
