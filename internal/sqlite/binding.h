/*
** The C half of the binding: declarations shared by binding.c and the Go files.
** Only declarations here: a cgo file with //export copies its preamble into
** _cgo_export.c, so definitions would be compiled twice.
*/
#ifndef VPNSQL_BINDING_H
#define VPNSQL_BINDING_H

#include <stdint.h>
#include "sqlite3ext.h"

SQLITE_EXTENSION_INIT3

/* One result cell of the current batch. Text lives in the cursor's arena at
** offset off (an offset, not a pointer, so the arena may be reallocated). */
typedef struct vp_cell {
  sqlite3_int64 i;   /* SQLITE_INTEGER value */
  double f;          /* SQLITE_FLOAT value */
  sqlite3_int64 off; /* SQLITE_TEXT: offset into arena */
  int n;             /* SQLITE_TEXT: length in bytes */
  int type;          /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT or SQLITE_TEXT */
} vp_cell;

/* A cursor serves rows from a batch that Go fills in C memory, so that
** xNext, xEof, xColumn and xRowid never cross into Go. Go is called once per
** batch. */
typedef struct vp_cursor {
  sqlite3_vtab_cursor base;
  uintptr_t handle;       /* cgo.Handle of the Go cursor */
  int ncol;               /* cells per row */
  int cap_rows;           /* rows the cells array holds */
  int nrows;              /* rows in the current batch */
  int row;                /* current row within the batch */
  int done;               /* Go has no rows beyond this batch */
  vp_cell *cells;         /* cap_rows * ncol cells */
  char *arena;            /* text bytes of the batch */
  sqlite3_int64 arena_cap;
  sqlite3_int64 rowid;    /* rowid of the current row */
} vp_cursor;

/* The entry point: SQLite calls it for each new connection (auto extension,
** or sqlite3_load_extension in a host). */
int vpnsql_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

int vp_create_module(sqlite3 *db, const char *name, const char *schema, int ncol, uintptr_t handle);
int vp_exec(sqlite3 *db, const char *sql, char **pzErr);
int vp_stored_mention(sqlite3 *db, const char *name, char **found);
int vp_create_function(sqlite3 *db, const char *name, int nArg, int flags, uintptr_t handle);
int vp_libversion(void);
int vp_is_interrupted(sqlite3 *db);
void vp_interrupt(sqlite3 *db);
char *vp_strdup(const char *z, int n);
void vp_free(void *p);
void *vp_realloc(void *p, sqlite3_int64 n);

/* sqlite3_index_info helpers (gated on the host's version). */
int vp_vtab_in(sqlite3_index_info *info, int i, int handle);
const char *vp_vtab_collation(sqlite3_index_info *info, int i);

/* sqlite3_value and sqlite3_context helpers: the API table is reachable from
** Go only through C. */
int vp_value_type(sqlite3_value *v);
sqlite3_int64 vp_value_int64(sqlite3_value *v);
double vp_value_double(sqlite3_value *v);
const unsigned char *vp_value_text(sqlite3_value *v);
const void *vp_value_blob(sqlite3_value *v);
int vp_value_bytes(sqlite3_value *v);
int vp_in_first(sqlite3_value *list, sqlite3_value **out);
int vp_in_next(sqlite3_value *list, sqlite3_value **out);
void vp_result_null(sqlite3_context *ctx);
void vp_result_int64(sqlite3_context *ctx, sqlite3_int64 v);
void vp_result_double(sqlite3_context *ctx, double v);
void vp_result_text(sqlite3_context *ctx, const char *z, int n);
void vp_result_error(sqlite3_context *ctx, const char *z, int n);
sqlite3 *vp_context_db(sqlite3_context *ctx);

#endif
