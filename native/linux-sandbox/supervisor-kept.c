// The decisions the supervisor may keep (SPEC §5): programs whose "run" the
// host said holds for every exec of the same program in this run. The table
// lives as long as the run's supervisor, so nothing is kept across runs; the
// host can empty it at any time (supervisor-session.c).
//
// A program is named by everything the host judged it by: the path as given
// (with the working directory when it is relative), the file with symlinks
// resolved, the interpreter, and the device and inode of both files. A
// hard link under another name, a file replaced at the same path, or a
// script with another #! line is therefore another program, and is asked.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"

// Enough for every program of a large build; past it, execs are asked.
#define MAX_KEPT 4096

struct kept {
  pthread_mutex_t lock;
  char* names[MAX_KEPT];
  struct program_identity identities[MAX_KEPT];
  size_t count;
};

struct kept* kept_create(void) {
  struct kept* table = calloc(1, sizeof *table);
  if (table == NULL) return NULL;
  int error = pthread_mutex_init(&table->lock, NULL);
  if (error != 0) {
    free(table);
    return NULL;
  }
  return table;
}

static bool same(const struct program_identity* a, const char* a_names, const struct program_identity* b,
                 const char* b_names) {
  return a->executable_dev == b->executable_dev && a->executable_ino == b->executable_ino &&
         a->interpreter_dev == b->interpreter_dev && a->interpreter_ino == b->interpreter_ino &&
         a->names_length == b->names_length && memcmp(a_names, b_names, a->names_length) == 0;
}

bool kept_holds(struct kept* table, const struct program_identity* program, const char* names) {
  bool found = false;
  pthread_mutex_lock(&table->lock);
  for (size_t i = 0; i < table->count && !found; i++) {
    found = same(&table->identities[i], table->names[i], program, names);
  }
  pthread_mutex_unlock(&table->lock);
  return found;
}

void kept_add(struct kept* table, const struct program_identity* program, const char* names) {
  pthread_mutex_lock(&table->lock);
  bool known = false;
  for (size_t i = 0; i < table->count && !known; i++) known = same(&table->identities[i], table->names[i], program, names);
  if (!known && table->count < MAX_KEPT) {
    char* copy = malloc(program->names_length);
    // Out of memory only means the next exec of this program is asked again.
    if (copy != NULL) {
      memcpy(copy, names, program->names_length);
      table->names[table->count] = copy;
      table->identities[table->count] = *program;
      table->count++;
    }
  }
  pthread_mutex_unlock(&table->lock);
}

void kept_forget(struct kept* table) {
  pthread_mutex_lock(&table->lock);
  for (size_t i = 0; i < table->count; i++) free(table->names[i]);
  table->count = 0;
  pthread_mutex_unlock(&table->lock);
}
