package sqlite

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// FuncFlags are the SQLITE_* flags of a scalar function.
type FuncFlags int

const (
	// Deterministic: same arguments, same result. Never for side effects.
	Deterministic FuncFlags = C.SQLITE_DETERMINISTIC
	// DirectOnly: the function may be called from top-level SQL only, never
	// from a view, trigger, CHECK constraint or index expression stored in a
	// database file.
	DirectOnly FuncFlags = C.SQLITE_DIRECTONLY
)

// Func is a scalar SQL function. Arguments are nil, int64, float64, string
// or []byte; the result may be any of those, bool, or int. A returned error
// becomes the statement's error text.
type Func func(args []any) (any, error)

// CreateFunction registers fn as name with nArg arguments (-1: any number).
func (c *Conn) CreateFunction(name string, nArg int, flags FuncFlags, fn Func) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	rc := C.vp_create_function(c.db, cname, C.int(nArg), C.int(flags), newHandle(fn))
	if rc != resultOK {
		return fmt.Errorf("create function %s: SQLite error %d", name, int(rc))
	}
	return nil
}

//export goFuncCall
func goFuncCall(h C.uintptr_t, ctx *C.sqlite3_context, argc C.int, argv **C.sqlite3_value) {
	fn := cgo.Handle(h).Value().(Func)
	args := make([]any, int(argc))
	for i, v := range unsafe.Slice(argv, int(argc)) {
		args[i] = goValue(v)
	}
	result, err := fn(args)
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

// cstr points C at a Go string's bytes for the duration of one call; SQLite
// copies them (SQLITE_TRANSIENT).
func cstr(s string) *C.char {
	if s == "" {
		return (*C.char)(unsafe.Pointer(&emptyCString[0]))
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
}

var emptyCString = [1]byte{}
