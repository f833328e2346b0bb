/*
** The C half of the binding: virtual table and function trampolines that
** speak only through the sqlite3_api_routines table SQLite hands us, so the
** same code runs under mattn/go-sqlite3's bundled SQLite (auto extension) and
** inside any host that loads build/vpnsql.so.
*/
#include <string.h>
#include "binding.h"
#include "_cgo_export.h"

SQLITE_EXTENSION_INIT1

/* The oldest SQLite we accept: SQLITE_DIRECTONLY (3.30.0) is what keeps
** side-effecting functions out of views and triggers, and an older SQLite
** would silently ignore the flag. */
#define VP_MIN_VERSION 3030000

typedef struct vp_module {
  uintptr_t handle; /* cgo.Handle of the Go table */
  char *schema;     /* CREATE TABLE statement for sqlite3_declare_vtab */
  int ncol;
} vp_module;

typedef struct vp_vtab {
  sqlite3_vtab base;
  vp_module *mod;
  sqlite3 *db;
} vp_vtab;

static void vp_set_vtab_error(sqlite3_vtab *vtab, char *err) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = err;
}

static int vpConnect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                     sqlite3_vtab **ppVtab, char **pzErr) {
  vp_module *mod = (vp_module *)aux;
  vp_vtab *vt;
  int rc = sqlite3_declare_vtab(db, mod->schema);
  if (rc != SQLITE_OK) return rc;
  /* The tables only read: a user's view or trigger over them keeps working
  ** with PRAGMA trusted_schema=OFF (SQLITE_VTAB_INNOCUOUS exists from 3.31). */
  if (sqlite3_libversion_number() >= 3031000) sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  vt = sqlite3_malloc(sizeof(*vt));
  if (vt == 0) return SQLITE_NOMEM;
  memset(vt, 0, sizeof(*vt));
  vt->mod = mod;
  vt->db = db;
  *ppVtab = &vt->base;
  return SQLITE_OK;
}

static int vpDisconnect(sqlite3_vtab *vtab) {
  sqlite3_free(vtab->zErrMsg);
  sqlite3_free(vtab);
  return SQLITE_OK;
}

static int vpBestIndex(sqlite3_vtab *vtab, sqlite3_index_info *info) {
  vp_vtab *vt = (vp_vtab *)vtab;
  char *err = 0;
  int rc = goBestIndex(vt->mod->handle, info, &err);
  if (err) vp_set_vtab_error(vtab, err);
  return rc;
}

static int vpOpen(sqlite3_vtab *vtab, sqlite3_vtab_cursor **ppCur) {
  vp_vtab *vt = (vp_vtab *)vtab;
  char *err = 0;
  int rc;
  vp_cursor *cur = sqlite3_malloc(sizeof(*cur));
  if (cur == 0) return SQLITE_NOMEM;
  memset(cur, 0, sizeof(*cur));
  cur->ncol = vt->mod->ncol;
  cur->cap_rows = 128;
  cur->cells = sqlite3_malloc64(sizeof(vp_cell) * (sqlite3_uint64)cur->cap_rows * (sqlite3_uint64)cur->ncol);
  if (cur->cells == 0) {
    sqlite3_free(cur);
    return SQLITE_NOMEM;
  }
  cur->done = 1;
  rc = goOpen(vt->mod->handle, vt->db, cur, &err);
  if (rc != SQLITE_OK) {
    if (err) vp_set_vtab_error(vtab, err);
    sqlite3_free(cur->cells);
    sqlite3_free(cur);
    return rc;
  }
  *ppCur = &cur->base;
  return SQLITE_OK;
}

static int vpClose(sqlite3_vtab_cursor *base) {
  vp_cursor *cur = (vp_cursor *)base;
  goClose(cur);
  sqlite3_free(cur->cells);
  sqlite3_free(cur->arena);
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* vpRefill asks Go for more rows until it has some or Go is done. */
static int vpRefill(vp_cursor *cur) {
  while (cur->row >= cur->nrows && !cur->done) {
    char *err = 0;
    int rc;
    cur->row = 0;
    cur->nrows = 0;
    rc = goFill(cur, &err);
    if (rc != SQLITE_OK) {
      if (err) vp_set_vtab_error(cur->base.pVtab, err);
      return rc;
    }
  }
  return SQLITE_OK;
}

static int vpFilter(sqlite3_vtab_cursor *base, int idxNum, const char *idxStr,
                    int argc, sqlite3_value **argv) {
  vp_cursor *cur = (vp_cursor *)base;
  char *err = 0;
  int rc;
  cur->row = 0;
  cur->nrows = 0;
  cur->done = 0;
  cur->rowid = 1;
  rc = goFilter(cur, idxNum, (char *)idxStr, argc, argv, &err);
  if (rc != SQLITE_OK) {
    cur->done = 1;
    if (err) vp_set_vtab_error(base->pVtab, err);
    return rc;
  }
  return vpRefill(cur);
}

static int vpNext(sqlite3_vtab_cursor *base) {
  vp_cursor *cur = (vp_cursor *)base;
  cur->row++;
  cur->rowid++;
  return vpRefill(cur);
}

static int vpEof(sqlite3_vtab_cursor *base) {
  vp_cursor *cur = (vp_cursor *)base;
  return cur->row >= cur->nrows;
}

static int vpColumn(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i) {
  vp_cursor *cur = (vp_cursor *)base;
  vp_cell *c = &cur->cells[cur->row * cur->ncol + i];
  switch (c->type) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, c->i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, c->f); break;
    case SQLITE_TEXT:
      /* An empty string must not become NULL while the arena is still unallocated. */
      sqlite3_result_text(ctx, c->n ? cur->arena + c->off : "", c->n, SQLITE_TRANSIENT);
      break;
    default: sqlite3_result_null(ctx); break;
  }
  return SQLITE_OK;
}

static int vpRowid(sqlite3_vtab_cursor *base, sqlite3_int64 *pRowid) {
  *pRowid = ((vp_cursor *)base)->rowid;
  return SQLITE_OK;
}

/* xCreate is xConnect, so the tables are eponymous (usable without CREATE
** VIRTUAL TABLE) and can also be created in temp, where the entry point puts
** them so that no table of a database file can shadow them (pinModules in
** sqlite.go). */
static sqlite3_module vp_module_methods = {
  0,            /* iVersion */
  vpConnect,    /* xCreate */
  vpConnect,    /* xConnect */
  vpBestIndex,  /* xBestIndex */
  vpDisconnect, /* xDisconnect */
  vpDisconnect, /* xDestroy: they keep no state to destroy */
  vpOpen,       /* xOpen */
  vpClose,      /* xClose */
  vpFilter,     /* xFilter */
  vpNext,       /* xNext */
  vpEof,        /* xEof */
  vpColumn,     /* xColumn */
  vpRowid,      /* xRowid */
};

static void vpModuleDestroy(void *p) {
  vp_module *mod = (vp_module *)p;
  goRelease(mod->handle);
  sqlite3_free(mod->schema);
  sqlite3_free(mod);
}

int vp_create_module(sqlite3 *db, const char *name, const char *schema, int ncol, uintptr_t handle) {
  vp_module *mod = sqlite3_malloc(sizeof(*mod));
  if (mod == 0) {
    goRelease(handle);
    return SQLITE_NOMEM;
  }
  mod->handle = handle;
  mod->ncol = ncol;
  mod->schema = sqlite3_mprintf("%s", schema);
  if (mod->schema == 0) {
    vpModuleDestroy(mod);
    return SQLITE_NOMEM;
  }
  /* On failure SQLite calls vpModuleDestroy itself. */
  return sqlite3_create_module_v2(db, name, &vp_module_methods, mod, vpModuleDestroy);
}

int vp_exec(sqlite3 *db, const char *sql, char **pzErr) { return sqlite3_exec(db, sql, 0, 0, pzErr); }

/* vp_contains reports whether text contains word, ASCII case folded as
** SQLite folds identifiers (word is lower case). */
static int vp_contains(const char *text, const char *word) {
  size_t n = strlen(word);
  for (; *text; text++) {
    size_t i = 0;
    while (i < n && text[i] && (text[i] | ((text[i] >= 'A' && text[i] <= 'Z') ? 0x20 : 0)) == word[i]) i++;
    if (i == n) return 1;
  }
  return 0;
}

/* vp_stored_mention looks for the name of a function (lower case) in the
** SQL text of every object stored in every database of db except temp
** (tables with their CHECK, DEFAULT and generated columns, indexes, views,
** triggers). A stored object can only call a function by naming it, so if
** none names it, none can call it. It returns SQLITE_OK with *found set to
** the first such object ("table main.t"), or to 0; on an error (the schema
** could not be read) it returns the code with *found holding the message. */
int vp_stored_mention(sqlite3 *db, const char *name, char **found) {
  sqlite3_stmt *dbs = 0;
  int rc = sqlite3_prepare_v2(db, "PRAGMA database_list", -1, &dbs, 0);
  int step = SQLITE_DONE;
  *found = 0;
  while (rc == SQLITE_OK && *found == 0 && (step = sqlite3_step(dbs)) == SQLITE_ROW) {
    const char *schema = (const char *)sqlite3_column_text(dbs, 1);
    sqlite3_stmt *objs = 0;
    char *sql;
    int ostep = SQLITE_DONE;
    if (schema == 0 || sqlite3_stricmp(schema, "temp") == 0) continue;
    /* sqlite_master, not sqlite_schema: hosts older than 3.33 know only it. */
    sql = sqlite3_mprintf("SELECT type, name, sql FROM \"%w\".sqlite_master", schema);
    if (sql == 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    rc = sqlite3_prepare_v2(db, sql, -1, &objs, 0);
    sqlite3_free(sql);
    while (rc == SQLITE_OK && (ostep = sqlite3_step(objs)) == SQLITE_ROW) {
      const char *text = (const char *)sqlite3_column_text(objs, 2);
      if (text && vp_contains(text, name)) {
        *found = sqlite3_mprintf("%s %s.%s", sqlite3_column_text(objs, 0), schema, sqlite3_column_text(objs, 1));
        if (*found == 0) rc = SQLITE_NOMEM;
        break;
      }
    }
    if (rc == SQLITE_OK && ostep != SQLITE_ROW && ostep != SQLITE_DONE) rc = ostep;
    if (rc != SQLITE_OK && *found == 0) *found = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    sqlite3_finalize(objs);
  }
  if (rc == SQLITE_OK && step != SQLITE_ROW && step != SQLITE_DONE) {
    rc = step;
    *found = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  } else if (rc != SQLITE_OK && *found == 0) {
    *found = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(dbs);
  return rc;
}

static void vpFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  goFuncCall((uintptr_t)sqlite3_user_data(ctx), ctx, argc, argv);
}

static void vpFuncDestroy(void *p) { goRelease((uintptr_t)p); }

int vp_create_function(sqlite3 *db, const char *name, int nArg, int flags, uintptr_t handle) {
  /* On failure SQLite calls vpFuncDestroy itself. */
  return sqlite3_create_function_v2(db, name, nArg, SQLITE_UTF8 | flags, (void *)handle,
                                    vpFunc, 0, 0, vpFuncDestroy);
}

int vpnsql_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  if (sqlite3_libversion_number() < VP_MIN_VERSION) {
    if (pzErrMsg) {
      *pzErrMsg = sqlite3_mprintf("vpnsql needs SQLite 3.30.0 or newer, this host has %s",
                                  sqlite3_libversion());
    }
    return SQLITE_ERROR;
  }
  return goConnect(db, pzErrMsg);
}

/* 0 until a host has handed us its API table. */
int vp_libversion(void) { return sqlite3_api ? sqlite3_libversion_number() : 0; }

/* sqlite3_is_interrupted exists from 3.41.0; older hosts have no slot for it
** in the API table, so never read it there. */
int vp_is_interrupted(sqlite3 *db) {
  if (sqlite3_libversion_number() < 3041000) return 0;
  return sqlite3_is_interrupted(db);
}

void vp_interrupt(sqlite3 *db) { sqlite3_interrupt(db); }

char *vp_strdup(const char *z, int n) { return sqlite3_mprintf("%.*s", n, z); }
void vp_free(void *p) { sqlite3_free(p); }
void *vp_realloc(void *p, sqlite3_int64 n) { return sqlite3_realloc64(p, (sqlite3_uint64)n); }

/* sqlite3_vtab_in exists from 3.38.0. */
int vp_vtab_in(sqlite3_index_info *info, int i, int handle) {
  if (sqlite3_libversion_number() < 3038000) return 0;
  return sqlite3_vtab_in(info, i, handle);
}

/* sqlite3_vtab_collation exists from 3.22.0. */
const char *vp_vtab_collation(sqlite3_index_info *info, int i) {
  return sqlite3_vtab_collation(info, i);
}

int vp_value_type(sqlite3_value *v) { return sqlite3_value_type(v); }
sqlite3_int64 vp_value_int64(sqlite3_value *v) { return sqlite3_value_int64(v); }
double vp_value_double(sqlite3_value *v) { return sqlite3_value_double(v); }
const unsigned char *vp_value_text(sqlite3_value *v) { return sqlite3_value_text(v); }
const void *vp_value_blob(sqlite3_value *v) { return sqlite3_value_blob(v); }
int vp_value_bytes(sqlite3_value *v) { return sqlite3_value_bytes(v); }

int vp_in_first(sqlite3_value *list, sqlite3_value **out) {
  if (sqlite3_libversion_number() < 3038000) return SQLITE_ERROR;
  return sqlite3_vtab_in_first(list, out);
}
int vp_in_next(sqlite3_value *list, sqlite3_value **out) {
  return sqlite3_vtab_in_next(list, out);
}

void vp_result_null(sqlite3_context *ctx) { sqlite3_result_null(ctx); }
void vp_result_int64(sqlite3_context *ctx, sqlite3_int64 v) { sqlite3_result_int64(ctx, v); }
void vp_result_double(sqlite3_context *ctx, double v) { sqlite3_result_double(ctx, v); }
void vp_result_text(sqlite3_context *ctx, const char *z, int n) {
  sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
}
void vp_result_error(sqlite3_context *ctx, const char *z, int n) { sqlite3_result_error(ctx, z, n); }
sqlite3 *vp_context_db(sqlite3_context *ctx) { return sqlite3_context_db_handle(ctx); }
