package sqlite

/*
#include "binding.h"
*/
import "C"

import (
	"math"
	"unsafe"
)

// Rows is the batch a Cursor fills. It lives in C memory, so SQLite reads
// the cells without calling back into Go for every column of every row.
// Columns not set in a row are NULL.
type Rows struct {
	cur  *C.vp_cursor
	ncol int
	n    int    // rows added to this batch
	used uint64 // arena bytes used
}

// Full reports whether the batch has no room for another row.
func (r *Rows) Full() bool { return r.n >= int(r.cur.cap_rows) }

// Len is the number of rows added to this batch.
func (r *Rows) Len() int { return r.n }

// Add starts a new row, all NULL. The caller must check Full first.
func (r *Rows) Add() {
	row := r.row(r.n)
	for i := range row {
		row[i] = C.vp_cell{_type: C.SQLITE_NULL}
	}
	r.n++
}

// Int sets column col of the current row.
func (r *Rows) Int(col int, v int64) {
	r.row(r.n - 1)[col] = C.vp_cell{_type: C.SQLITE_INTEGER, i: C.sqlite3_int64(v)}
}

// Float sets column col of the current row.
func (r *Rows) Float(col int, v float64) {
	if math.IsNaN(v) {
		return // SQLite has no NaN: NULL
	}
	r.row(r.n - 1)[col] = C.vp_cell{_type: C.SQLITE_FLOAT, f: C.double(v)}
}

// Text sets column col of the current row.
func (r *Rows) Text(col int, s string) {
	off := r.reserve(len(s))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(r.cur.arena)), r.cur.arena_cap)[off:], s)
	r.row(r.n - 1)[col] = C.vp_cell{_type: C.SQLITE_TEXT, off: C.sqlite3_int64(off), n: C.int(len(s))}
}

func (r *Rows) row(i int) []C.vp_cell {
	cells := unsafe.Slice(r.cur.cells, int(r.cur.cap_rows)*r.ncol)
	return cells[i*r.ncol : (i+1)*r.ncol]
}

// reserve makes room for n more arena bytes and returns their offset.
func (r *Rows) reserve(n int) uint64 {
	off := r.used
	need := off + uint64(n)
	if need > uint64(r.cur.arena_cap) {
		size := max(2*uint64(r.cur.arena_cap), need, 4096)
		p := C.vp_realloc(unsafe.Pointer(r.cur.arena), C.sqlite3_int64(size))
		if p == nil {
			panic("vpnsql: out of memory growing a row batch")
		}
		r.cur.arena = (*C.char)(p)
		r.cur.arena_cap = C.sqlite3_int64(size)
	}
	r.used = need
	return off
}

func (r *Rows) reset() {
	r.n = 0
	r.used = 0
}
