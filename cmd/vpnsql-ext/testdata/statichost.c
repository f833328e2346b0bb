/*
** A minimal SQLite host that links its own, newer SQLite statically (the
** amalgamation mattn/go-sqlite3 bundles) and loads build/vpnsql.so. It
** proves the extension uses only the API table it is handed, never symbols
** of a libsqlite3 it happens to share with the host.
**
** usage: statichost EXTENSION SQL...   (prints rows as a|b|c; after an
** error it goes on with the next SQL and exits 1 at the end)
** With INTERRUPT_AFTER_MS set, a second thread calls sqlite3_interrupt then,
** as the sqlite3 shell does on Ctrl-C. STATICHOST_DB names a database file
** to open instead of :memory:, and STATICHOST_BEFORE_LOAD is SQL to run
** before the extension is loaded (to read a file's schema first).
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sqlite3-binding.h"

static sqlite3 *db;

static void *interrupt_later(void *arg) {
  long ms = (long)arg;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, 0);
  sqlite3_interrupt(db);
  return 0;
}

static int print_row(void *unused, int n, char **values, char **names) {
  for (int i = 0; i < n; i++) printf("%s%s", i ? "|" : "", values[i] ? values[i] : "");
  printf("\n");
  return 0;
}

int main(int argc, char **argv) {
  char *err = 0;
  pthread_t interrupter;
  if (argc < 3) {
    fprintf(stderr, "usage: statichost EXTENSION SQL...\n");
    return 2;
  }
  printf("host sqlite %s\n", sqlite3_libversion());
  if (sqlite3_open(getenv("STATICHOST_DB") ? getenv("STATICHOST_DB") : ":memory:", &db) != SQLITE_OK) return 1;
  if (getenv("STATICHOST_BEFORE_LOAD") &&
      sqlite3_exec(db, getenv("STATICHOST_BEFORE_LOAD"), print_row, 0, &err) != SQLITE_OK) {
    fprintf(stderr, "Error: %s\n", err);
    return 1;
  }
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, argv[1], 0, &err) != SQLITE_OK) {
    fprintf(stderr, "load: %s\n", err);
    return 1;
  }
  if (getenv("INTERRUPT_AFTER_MS")) {
    pthread_create(&interrupter, 0, interrupt_later, (void *)atol(getenv("INTERRUPT_AFTER_MS")));
  }
  /* Like the sqlite3 shell reading a script: report an error, go on. */
  int failed = 0;
  for (int i = 2; i < argc; i++) {
    if (sqlite3_exec(db, argv[i], print_row, 0, &err) != SQLITE_OK) {
      fprintf(stderr, "Error: %s\n", err);
      sqlite3_free(err);
      failed = 1;
    }
  }
  return sqlite3_close(db) == SQLITE_OK && !failed ? 0 : 1;
}
