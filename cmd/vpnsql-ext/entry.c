/* The loadable extension's entry points: sqlite3_extension_init (the
** default name) and sqlite3_vpnsql_init (what ".load build/vpnsql" looks
** for, derived from the file name). */
#include "../../internal/sqlite/include/sqlite3ext.h"

int vpnsql_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

/* A Go runtime cannot be unloaded: ask SQLite to keep the library mapped
** after the connection closes (3.14+). */
static int vp_entry(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  int rc = vpnsql_init(db, pzErrMsg, pApi);
  return rc == SQLITE_OK ? SQLITE_OK_LOAD_PERMANENTLY : rc;
}

__attribute__((visibility("default")))
int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  return vp_entry(db, pzErrMsg, pApi);
}

__attribute__((visibility("default")))
int sqlite3_vpnsql_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  return vp_entry(db, pzErrMsg, pApi);
}
