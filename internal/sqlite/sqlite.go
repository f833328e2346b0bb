// Package sqlite is vpnsql's thin binding to SQLite's extension API.
//
// It speaks only through the sqlite3_api_routines table SQLite hands to an
// extension's entry point, so one implementation serves every door: the CLI
// and Go programs (mattn/go-sqlite3's bundled SQLite calls the entry point as
// an auto extension) and any host that loads build/vpnsql.so. It knows nothing
// of AWS: it offers eponymous virtual tables (full sqlite3_index_info access,
// IN lists all at once, interrupts as a context.Context) and scalar functions
// with flags such as DirectOnly.
//
// Newer API entries are gated on sqlite3_libversion_number() at run time, so a
// host as old as Debian's 3.40 never reaches a slot it lacks. Go values cross
// into C only as runtime/cgo.Handle values, each released by the destructor
// SQLite calls (see LiveHandles).
package sqlite

/*
// Hidden visibility: in build/vpnsql.so only the entry points of
// cmd/vpnsql-ext/entry.c are exported; SQLite loads extensions with
// RTLD_GLOBAL, so every other global would join the host's symbol space.
#cgo CFLAGS: -I${SRCDIR}/include -O2 -fvisibility=hidden
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"errors"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Result codes SQLite understands.
const (
	resultOK    = C.SQLITE_OK
	resultError = C.SQLITE_ERROR
)

// Conn is one SQLite connection during its extension initialisation.
type Conn struct {
	db *C.sqlite3
}

// Version is the host's sqlite3_libversion_number(), e.g. 3040001, or 0
// before the first connection ran the entry point.
func Version() int { return int(C.vp_libversion()) }

var (
	connectMu   sync.Mutex
	connectHook func(*Conn) error
)

// OnConnect sets the function that declares tables and functions on each
// connection that runs the entry point. It replaces any earlier hook.
func OnConnect(hook func(*Conn) error) {
	connectMu.Lock()
	defer connectMu.Unlock()
	connectHook = hook
}

// EntryPoint is the address of the C entry point
// int vpnsql_init(sqlite3*, char**, const sqlite3_api_routines*), for
// sqlite3_auto_extension.
func EntryPoint() unsafe.Pointer { return C.vpnsql_init }

//export goConnect
func goConnect(db *C.sqlite3, errOut **C.char) C.int {
	connectMu.Lock()
	hook := connectHook
	connectMu.Unlock()
	if hook == nil {
		setError(errOut, errors.New("vpnsql: nothing registered (sqlite.OnConnect was not called)"))
		return resultError
	}
	if err := hook(&Conn{db: db}); err != nil {
		setError(errOut, err)
		return resultError
	}
	return resultOK
}

// setError hands err to SQLite as a message it will free.
func setError(out **C.char, err error) {
	if out == nil {
		return
	}
	*out = cString(err.Error())
}

// cString copies s into memory from sqlite3_malloc.
func cString(s string) *C.char {
	return C.vp_strdup(cstr(s), C.int(len(s)))
}

// liveHandles counts cgo handles that C still holds.
var liveHandles atomic.Int64

// LiveHandles reports how many Go values are currently referenced from C
// (tables, cursors, functions). It returns to its earlier value once the
// connections that created them are closed.
func LiveHandles() int64 { return liveHandles.Load() }

func newHandle(v any) C.uintptr_t {
	liveHandles.Add(1)
	return C.uintptr_t(cgo.NewHandle(v))
}

//export goRelease
func goRelease(h C.uintptr_t) {
	cgo.Handle(h).Delete()
	liveHandles.Add(-1)
}
