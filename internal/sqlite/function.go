package sqlite

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"strings"
	"unsafe"
)

// FuncFlags are the SQLITE_* flags of a scalar function.
type FuncFlags int

const (
	// Deterministic: same arguments, same result. Never for side effects.
	Deterministic FuncFlags = C.SQLITE_DETERMINISTIC
	// DirectOnly: the function may be called from top-level SQL only, never
	// from a view, trigger, CHECK constraint, DEFAULT, generated column or
	// index stored in a database file. SQLite's SQLITE_DIRECTONLY alone
	// does not hold in every host: Debian's 3.40 lets a CHECK constraint
	// call such a function, and every version lets CHECK, generated columns
	// and indexes call it when the file's schema was read before the
	// extension was loaded. So the binding adds its own check before each
	// call (see refuseIfStored), and fails closed.
	DirectOnly FuncFlags = C.SQLITE_DIRECTONLY
)

// function is what C holds for one registered function.
type function struct {
	name string
	fn   Func
	// lname is the lower-case name refuseIfStored looks for; "" for a
	// function that is not DirectOnly.
	lname string
}

// Func is a scalar SQL function. Arguments are nil, int64, float64, string
// or []byte; the result may be any of those, bool, or int. A returned error
// becomes the statement's error text.
type Func func(args []any) (any, error)

// CreateFunction registers fn as name with nArg arguments (-1: any number).
func (c *Conn) CreateFunction(name string, nArg int, flags FuncFlags, fn Func) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	f := &function{name: name, fn: fn}
	if flags&DirectOnly != 0 {
		f.lname = strings.ToLower(name)
	}
	rc := C.vp_create_function(c.db, cname, C.int(nArg), C.int(flags), newHandle(f))
	if rc != resultOK {
		return fmt.Errorf("create function %s: SQLite error %d", name, int(rc))
	}
	return nil
}

//export goFuncCall
func goFuncCall(h C.uintptr_t, ctx *C.sqlite3_context, argc C.int, argv **C.sqlite3_value) {
	f := cgo.Handle(h).Value().(*function)
	if err := f.refuseIfStored(ctx); err != nil {
		msg := err.Error()
		C.vp_result_error(ctx, cstr(msg), C.int(len(msg)))
		return
	}
	args := make([]any, int(argc))
	for i, v := range unsafe.Slice(argv, int(argc)) {
		args[i] = goValue(v)
	}
	result, err := f.fn(args)
	if err != nil {
		msg := err.Error()
		C.vp_result_error(ctx, cstr(msg), C.int(len(msg)))
		return
	}
	switch v := result.(type) {
	case nil:
		C.vp_result_null(ctx)
	case int64:
		C.vp_result_int64(ctx, C.sqlite3_int64(v))
	case int:
		C.vp_result_int64(ctx, C.sqlite3_int64(v))
	case bool:
		b := 0
		if v {
			b = 1
		}
		C.vp_result_int64(ctx, C.sqlite3_int64(b))
	case float64:
		C.vp_result_double(ctx, C.double(v))
	case string:
		C.vp_result_text(ctx, cstr(v), C.int(len(v)))
	case []byte:
		C.vp_result_text(ctx, cstr(string(v)), C.int(len(v)))
	default:
		msg := fmt.Sprintf("vpnsql: function returned unsupported %T", result)
		C.vp_result_error(ctx, cstr(msg), C.int(len(msg)))
	}
}

// refuseIfStored fails a DirectOnly function's call when any database of
// the connection other than temp stores SQL that names the function: a
// table (CHECK, DEFAULT, generated column), index, view or trigger. Such an
// object is the only way a database file can reach a function, since it
// must name it, and SQL text cannot hide a name (identifiers have no escapes
// and SQLite folds only ASCII case). The check reads the schema as it is
// now, so it holds whatever SQLite itself checked, and whenever the schema
// was read. temp is left out: only the session itself creates objects
// there. The price: a file that merely mentions the name (in a comment, a
// column name) also refuses it, with an error naming the object.
func (f *function) refuseIfStored(ctx *C.sqlite3_context) error {
	if f.lname == "" {
		return nil
	}
	clname := C.CString(f.lname)
	defer C.free(unsafe.Pointer(clname))
	var found *C.char
	rc := C.vp_stored_mention(C.vp_context_db(ctx), clname, &found)
	text := ""
	if found != nil {
		text = C.GoString(found)
		C.vp_free(unsafe.Pointer(found))
	}
	switch {
	case rc != resultOK:
		return fmt.Errorf("%s: refused: could not read the database schema to check that no SQL stored in a file calls it: %s (nothing was done)", f.name, text)
	case text != "":
		return fmt.Errorf("%s: refused: %s, stored in a database file, names %s(); it may be called only by SQL you type, never by SQL stored in a file (nothing was done)", f.name, text, f.name)
	}
	return nil
}

// cstr points C at a Go string's bytes for the duration of one call; SQLite
// copies them (SQLITE_TRANSIENT).
func cstr(s string) *C.char {
	if s == "" {
		return (*C.char)(unsafe.Pointer(&emptyCString[0]))
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
}

var emptyCString = [1]byte{}
