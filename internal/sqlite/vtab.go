package sqlite

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/cgo"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Column declares one column of a virtual table.
type Column struct {
	Name string
	Type string // INTEGER, TEXT, REAL or "" (any)
	// Hidden columns are left out of SELECT * but can be constrained, like
	// the region of every AWS table.
	Hidden bool
	// Description says in one line what the column holds, for front ends
	// (the CLI's .describe). SQLite never sees it.
	Description string
	// JSON marks a TEXT column whose values are JSON text, so front ends
	// can emit them as JSON rather than as strings. SQLite sees TEXT.
	JSON bool
}

// Table is a virtual table module. One Table serves every connection; it
// must be safe for concurrent use.
type Table interface {
	// BestIndex chooses how to answer the constraints in info: it sets
	// ArgvIndex (and Omit) on the constraints it will use, and the plan's
	// cost. It should not fail for a query it cannot answer: a high cost
	// steers SQLite away, and Filter reports what is missing.
	BestIndex(info *IndexInfo) error
	// Open starts a cursor. SQLite may call Filter on it several times
	// (once per outer row of a join) before Close.
	Open() (Cursor, error)
}

// Cursor walks the rows of a scan.
type Cursor interface {
	// Filter starts a scan with the plan BestIndex chose. args[k] holds the
	// right-hand side of the constraint given ArgvIndex k+1: one value for
	// =, every value of the list for IN (when the host can pass lists). ctx
	// ends when SQLite interrupts the statement or the scan is replaced or
	// closed. Values are nil, int64, float64, string or []byte.
	Filter(ctx context.Context, idxNum int, idxStr string, args [][]any) error
	// Next adds rows to rows until rows.Full() or it has no row ready
	// without waiting for more input; it reports done when the scan has no
	// rows left beyond those added.
	Next(rows *Rows) (done bool, err error)
	// Close releases the cursor. It must stop any work the scan started.
	Close() error
}

// Op is a constraint operator (SQLITE_INDEX_CONSTRAINT_*).
type Op int

// Operators a table may meet in BestIndex.
const (
	OpEQ        Op = C.SQLITE_INDEX_CONSTRAINT_EQ
	OpGT        Op = C.SQLITE_INDEX_CONSTRAINT_GT
	OpLE        Op = C.SQLITE_INDEX_CONSTRAINT_LE
	OpLT        Op = C.SQLITE_INDEX_CONSTRAINT_LT
	OpGE        Op = C.SQLITE_INDEX_CONSTRAINT_GE
	OpMatch     Op = C.SQLITE_INDEX_CONSTRAINT_MATCH
	OpLike      Op = C.SQLITE_INDEX_CONSTRAINT_LIKE
	OpGlob      Op = C.SQLITE_INDEX_CONSTRAINT_GLOB
	OpNE        Op = C.SQLITE_INDEX_CONSTRAINT_NE
	OpIsNot     Op = C.SQLITE_INDEX_CONSTRAINT_ISNOT
	OpIsNotNull Op = C.SQLITE_INDEX_CONSTRAINT_ISNOTNULL
	OpIsNull    Op = C.SQLITE_INDEX_CONSTRAINT_ISNULL
	OpIs        Op = C.SQLITE_INDEX_CONSTRAINT_IS
	OpLimit     Op = C.SQLITE_INDEX_CONSTRAINT_LIMIT
	OpOffset    Op = C.SQLITE_INDEX_CONSTRAINT_OFFSET
)

// Constraint is one WHERE term SQLite offers to BestIndex.
type Constraint struct {
	Column int // column index, -1 for rowid
	Op     Op
	Usable bool
	// InList is true when this EQ constraint is really an IN (...) that the
	// host can hand to Filter as one list.
	InList bool
	// Collation is the term's collating sequence, "BINARY" unless declared.
	Collation string

	// Set by BestIndex: a positive ArgvIndex passes the right-hand side to
	// Filter as args[ArgvIndex-1]; Omit tells SQLite not to check the term
	// again.
	ArgvIndex int
	Omit      bool
}

// IndexInfo is the planning state of one BestIndex call.
type IndexInfo struct {
	Constraints []Constraint
	// ColUsed has bit i set when column i is read (bit 63: any column >= 63).
	ColUsed uint64

	IdxNum        int
	IdxStr        string
	EstimatedCost float64
	EstimatedRows int64
}

// CreateModule declares an eponymous virtual table: usable as name without
// CREATE VIRTUAL TABLE. It also creates it as temp.name (see pin), so no
// table of a database file can shadow it. It is marked innocuous: it only
// reads.
func (c *Conn) CreateModule(name string, columns []Column, t Table) error {
	if !plainName.MatchString(name) {
		return fmt.Errorf("create module %q: the name must be a plain SQL identifier", name)
	}
	schema := declareSchema(columns)
	cname, cschema := C.CString(name), C.CString(schema)
	defer C.free(unsafe.Pointer(cname))
	defer C.free(unsafe.Pointer(cschema))
	m := &module{table: t, ncol: len(columns)}
	rc := C.vp_create_module(c.db, cname, cschema, C.int(len(columns)), newHandle(m))
	if rc != resultOK {
		return fmt.Errorf("create module %s: SQLite error %d", name, int(rc))
	}
	return c.pin(name)
}

// pin creates the table of module name in the connection's temp schema, so
// that an unqualified name always means the live table: SQLite looks names
// up in temp first, then main, then attached databases, and only then in
// eponymous tables. Without this, a table or view called
// client_vpn_connections in a database file (opened, or attached later)
// would be served in its place, silently. A table the session itself put
// in temp under that name beforehand is kept. On failure (SQLite finds the
// file's schema malformed, say) the connect hook fails before any function
// is declared.
func (c *Conn) pin(name string) error {
	// Names are plain identifiers (CreateModule checks), so the statement
	// needs no quoting and .schema shows it as written.
	sql := C.CString(fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS temp.%s USING %s", name, name))
	defer C.free(unsafe.Pointer(sql))
	var errMsg *C.char
	if rc := C.vp_exec(c.db, sql, &errMsg); rc != resultOK {
		msg := fmt.Sprintf("SQLite error %d", int(rc))
		if errMsg != nil {
			msg = C.GoString(errMsg)
			C.vp_free(unsafe.Pointer(errMsg))
		}
		return fmt.Errorf("vpnsql: %s (while creating temp.%s, which keeps tables of database files from taking the live table's place)", msg, name)
	}
	return nil
}

// plainName is an identifier SQL takes without quotes (keywords aside).
var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func declareSchema(columns []Column) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE x(")
	for i, col := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", col.Name)
		if col.Type != "" {
			b.WriteString(" " + col.Type)
		}
		if col.Hidden {
			b.WriteString(" HIDDEN")
		}
	}
	b.WriteString(")")
	return b.String()
}

type module struct {
	table Table
	ncol  int
}

//export goBestIndex
func goBestIndex(h C.uintptr_t, info *C.sqlite3_index_info, errOut **C.char) C.int {
	m := cgo.Handle(h).Value().(*module)
	cons := unsafe.Slice(info.aConstraint, int(info.nConstraint))
	usage := unsafe.Slice(info.aConstraintUsage, int(info.nConstraint))
	ii := &IndexInfo{Constraints: make([]Constraint, len(cons)), ColUsed: uint64(info.colUsed)}
	for i, c := range cons {
		k := &ii.Constraints[i]
		k.Column, k.Op, k.Usable = int(c.iColumn), Op(c.op), c.usable != 0
		if k.Usable && k.Op == OpEQ {
			k.InList = C.vp_vtab_in(info, C.int(i), -1) != 0
		}
		k.Collation = C.GoString(C.vp_vtab_collation(info, C.int(i)))
	}
	if err := m.table.BestIndex(ii); err != nil {
		setError(errOut, err)
		return resultError
	}
	for i, k := range ii.Constraints {
		usage[i].argvIndex = C.int(k.ArgvIndex)
		usage[i].omit = 0
		if k.Omit {
			usage[i].omit = 1
		}
		if k.ArgvIndex > 0 && k.InList {
			C.vp_vtab_in(info, C.int(i), 1)
		}
	}
	info.idxNum = C.int(ii.IdxNum)
	if ii.IdxStr != "" {
		info.idxStr = cString(ii.IdxStr)
		info.needToFreeIdxStr = 1
	}
	info.estimatedCost = C.double(ii.EstimatedCost)
	info.estimatedRows = C.sqlite3_int64(ii.EstimatedRows)
	return resultOK
}

// cursorState is what C holds (through a handle) for one open cursor.
type cursorState struct {
	db     *C.sqlite3
	cursor Cursor
	rows   Rows
	// The running scan: its context, and the interrupt watcher feeding it.
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// interrupted: the watcher saw sqlite3_interrupt; errors then report
	// SQLITE_INTERRUPT, as SQLite's own would.
	interrupted atomic.Bool
}

//export goOpen
func goOpen(h C.uintptr_t, db *C.sqlite3, cur *C.vp_cursor, errOut **C.char) C.int {
	m := cgo.Handle(h).Value().(*module)
	c, err := m.table.Open()
	if err != nil {
		setError(errOut, err)
		return resultError
	}
	st := &cursorState{db: db, cursor: c}
	st.rows.cur = cur
	st.rows.ncol = m.ncol
	cur.handle = newHandle(st)
	return resultOK
}

func cursorOf(cur *C.vp_cursor) *cursorState {
	return cgo.Handle(cur.handle).Value().(*cursorState)
}

//export goFilter
func goFilter(cur *C.vp_cursor, idxNum C.int, idxStr *C.char, argc C.int, argv **C.sqlite3_value, errOut **C.char) C.int {
	st := cursorOf(cur)
	st.stopScan()
	st.interrupted.Store(false)
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	st.watchInterrupt(ctx, cancel)

	args := make([][]any, int(argc))
	for i, v := range unsafe.Slice(argv, int(argc)) {
		args[i] = filterArg(v)
	}
	var str string
	if idxStr != nil {
		str = C.GoString(idxStr)
	}
	if err := st.cursor.Filter(ctx, int(idxNum), str, args); err != nil {
		return st.fail(errOut, err)
	}
	return resultOK
}

// fail reports err to SQLite, as an interrupt if the scan was interrupted.
func (st *cursorState) fail(errOut **C.char, err error) C.int {
	if st.interrupted.Load() {
		setError(errOut, errors.New("interrupted"))
		return C.SQLITE_INTERRUPT
	}
	setError(errOut, err)
	return resultError
}

// filterArg returns every value of an IN list, or the one value of =.
func filterArg(v *C.sqlite3_value) []any {
	var item *C.sqlite3_value
	rc := C.vp_in_first(v, &item)
	if rc != resultOK {
		return []any{goValue(v)}
	}
	var list []any
	for rc == resultOK && item != nil {
		list = append(list, goValue(item))
		rc = C.vp_in_next(v, &item)
	}
	return list
}

// interruptPoll is how often a scan checks sqlite3_is_interrupted. SQLite
// checks it only between rows; a scan waiting on the network would not.
const interruptPoll = 20 * time.Millisecond

// watchInterrupt cancels the scan's context once SQLite is interrupted.
func (st *cursorState) watchInterrupt(ctx context.Context, cancel context.CancelFunc) {
	if Version() < 3041000 {
		st.watchSIGINT(cancel) // no sqlite3_is_interrupted: see sigint.go
		return
	}
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		tick := time.NewTicker(interruptPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if C.vp_is_interrupted(st.db) != 0 {
					st.interrupted.Store(true)
					cancel()
					return
				}
			}
		}
	}()
}

// stopScan ends the running scan's context and waits for its watcher.
func (st *cursorState) stopScan() {
	if st.cancel != nil {
		st.unwatchSIGINT()
		st.cancel()
		st.wg.Wait()
		st.cancel = nil
	}
}

//export goFill
func goFill(cur *C.vp_cursor, errOut **C.char) C.int {
	st := cursorOf(cur)
	st.rows.reset()
	done, err := st.cursor.Next(&st.rows)
	cur.nrows = C.int(st.rows.n)
	if err != nil {
		cur.done = 1
		return st.fail(errOut, err)
	}
	if done {
		cur.done = 1
	}
	return resultOK
}

//export goClose
func goClose(cur *C.vp_cursor) {
	st := cursorOf(cur)
	st.stopScan()
	_ = st.cursor.Close() // xClose cannot report an error
	goRelease(cur.handle)
	cur.handle = 0
}

// goValue converts a SQLite value to nil, int64, float64, string or []byte.
func goValue(v *C.sqlite3_value) any {
	switch C.vp_value_type(v) {
	case C.SQLITE_INTEGER:
		return int64(C.vp_value_int64(v))
	case C.SQLITE_FLOAT:
		return float64(C.vp_value_double(v))
	case C.SQLITE_TEXT:
		p := C.vp_value_text(v)
		return C.GoStringN((*C.char)(unsafe.Pointer(p)), C.vp_value_bytes(v))
	case C.SQLITE_BLOB:
		p := C.vp_value_blob(v)
		return C.GoBytes(p, C.vp_value_bytes(v))
	default:
		return nil
	}
}
