// Package autoext installs vpnsql's entry point into the SQLite that
// github.com/mattn/go-sqlite3 bundles, so every connection that driver opens
// (database/sql, the CLI) runs it. It is the only package that links against
// mattn's SQLite symbols; the loadable extension never imports it.
package autoext

/*
#include <stdint.h>
// Defined by mattn/go-sqlite3's bundled SQLite, resolved at link time.
extern int sqlite3_auto_extension(void (*xEntryPoint)(void));
static int vp_auto_extension(void *entry) {
  return sqlite3_auto_extension((void (*)(void))entry);
}
*/
import "C"

import (
	"fmt"
	"sync"

	_ "github.com/mattn/go-sqlite3" // the SQLite engine and database/sql driver "sqlite3"

	"github.com/vpnsql/vpnsql/internal/sqlite"
)

var (
	once sync.Once
	err  error
)

// Install makes every new connection of the "sqlite3" driver run the entry
// point. SQLite ignores a second registration of the same entry point, and
// Install only tries once.
func Install() error {
	once.Do(func() {
		if rc := C.vp_auto_extension(sqlite.EntryPoint()); rc != 0 {
			err = fmt.Errorf("sqlite3_auto_extension: SQLite error %d", int(rc))
		}
	})
	return err
}
