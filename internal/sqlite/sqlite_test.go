package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/sqlite"
	"github.com/vpnsql/vpnsql/internal/sqlite/autoext"
)

// numbers is a toy table: n from 1 to size, with label "n<i>" and a hidden
// "size" column that, when bound, changes how many rows exist. It records
// every plan and every Filter call so tests can assert on them.
type numbers struct {
	mu      sync.Mutex
	size    int64
	plans   []sqlite.IndexInfo
	filters [][][]any
	// block, when set, makes Filter wait for ctx to end and records why.
	block    bool
	blockErr chan error
}

var numbersColumns = []sqlite.Column{
	{Name: "n", Type: "INTEGER"},
	{Name: "label", Type: "TEXT"},
	{Name: "half", Type: "REAL"},
	{Name: "size", Type: "INTEGER", Hidden: true},
}

func (t *numbers) BestIndex(info *sqlite.IndexInfo) error {
	info.EstimatedCost = 1e6
	for i, c := range info.Constraints {
		if c.Usable && c.Op == sqlite.OpEQ && c.Column == 3 {
			info.Constraints[i].ArgvIndex = 1
			info.Constraints[i].Omit = true
			info.IdxNum = 1
			info.IdxStr = "by-size"
			info.EstimatedCost = 10
			break
		}
	}
	t.mu.Lock()
	t.plans = append(t.plans, *info)
	t.mu.Unlock()
	return nil
}

func (t *numbers) Open() (sqlite.Cursor, error) { return &numbersCursor{t: t}, nil }

type numbersCursor struct {
	t          *numbers
	next, last int64
	size       int64
}

func (c *numbersCursor) Filter(ctx context.Context, idxNum int, idxStr string, args [][]any) error {
	c.t.mu.Lock()
	c.t.filters = append(c.t.filters, args)
	c.t.mu.Unlock()
	if c.t.block {
		<-ctx.Done()
		c.t.blockErr <- ctx.Err()
		return fmt.Errorf("numbers: %w", ctx.Err())
	}
	c.size = c.t.size
	c.next, c.last = 1, c.t.size
	if idxNum == 1 {
		// One scan over every size in the list, rows of each in turn.
		c.last = 0
		for _, v := range args[0] {
			n, ok := v.(int64)
			if !ok {
				return fmt.Errorf("numbers: size must be an integer, got %T", v)
			}
			c.last += n
		}
		c.size = -1
	}
	return nil
}

func (c *numbersCursor) Next(rows *sqlite.Rows) (bool, error) {
	for c.next <= c.last && !rows.Full() {
		rows.Add()
		rows.Int(0, c.next)
		if c.next%7 == 0 {
			rows.Text(1, "") // empty, not NULL
		} else if c.next%5 != 0 {
			rows.Text(1, fmt.Sprintf("n%d", c.next)) // every 5th stays NULL
		}
		rows.Float(2, float64(c.next)/2)
		c.next++
	}
	return c.next > c.last, nil
}

func (c *numbersCursor) Close() error { return nil }

var table = &numbers{size: 1000, blockErr: make(chan error, 1)}

func init() {
	sqlite.OnConnect(func(conn *sqlite.Conn) error {
		if err := conn.CreateModule("numbers", numbersColumns, table); err != nil {
			return err
		}
		if err := conn.CreateFunction("shout", 1, sqlite.DirectOnly, func(args []any) (any, error) {
			s, ok := args[0].(string)
			if !ok {
				return nil, errors.New("shout: want text")
			}
			return strings.ToUpper(s), nil
		}); err != nil {
			return err
		}
		if err := conn.CreateFunction("bump", 1, sqlite.DirectOnly, func(args []any) (any, error) {
			return bumps.Add(1), nil
		}); err != nil {
			return err
		}
		return conn.CreateFunction("twice", 1, sqlite.Deterministic, func(args []any) (any, error) {
			n, _ := args[0].(int64)
			return 2 * n, nil
		})
	})
	if err := autoext.Install(); err != nil {
		panic(err)
	}
}

func open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestScanValuesAndTypes(t *testing.T) {
	db := open(t, ":memory:")
	var count, sum int64
	var nulls, empties int
	var halfSum float64
	rows, err := db.Query(`SELECT n, label, half, typeof(label) FROM numbers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int64
		var label sql.NullString
		var half float64
		var typ string
		if err := rows.Scan(&n, &label, &half, &typ); err != nil {
			t.Fatal(err)
		}
		count++
		sum += n
		halfSum += half
		switch {
		case n%7 == 0:
			if typ != "text" || label.String != "" {
				t.Fatalf("row %d: label %q (%s), want empty text", n, label.String, typ)
			}
			empties++
		case n%5 == 0:
			if typ != "null" {
				t.Fatalf("row %d: label type %s, want null", n, typ)
			}
			nulls++
		default:
			if label.String != fmt.Sprintf("n%d", n) {
				t.Fatalf("row %d: label %q", n, label.String)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if count != 1000 || sum != 500500 || halfSum != 250250 {
		t.Fatalf("count %d sum %d halfSum %v", count, sum, halfSum)
	}
	if nulls != 172 || empties != 142 {
		t.Fatalf("nulls %d empties %d", nulls, empties)
	}
}

func TestHiddenColumnNotInStar(t *testing.T) {
	db := open(t, ":memory:")
	rows, err := db.Query(`SELECT * FROM numbers LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if strings.Join(cols, ",") != "n,label,half" {
		t.Fatalf("columns %v", cols)
	}
}

func TestPlanArgsAndInList(t *testing.T) {
	db := open(t, ":memory:")
	table.mu.Lock()
	table.plans, table.filters = nil, nil
	table.mu.Unlock()
	var count int64
	if err := db.QueryRow(`SELECT count(*) FROM numbers WHERE size IN (3, 4, 5)`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 12 {
		t.Fatalf("count %d, want 12", count)
	}
	table.mu.Lock()
	defer table.mu.Unlock()
	if len(table.filters) != 1 || fmt.Sprint(table.filters[0]) != "[[3 4 5]]" {
		t.Fatalf("filters %v, want one call with the whole list", table.filters)
	}
	var sawIn bool
	for _, p := range table.plans {
		for _, c := range p.Constraints {
			if c.Column == 3 && c.InList {
				sawIn = true
			}
		}
	}
	if !sawIn {
		t.Fatalf("no plan saw the IN list: %+v", table.plans)
	}
}

func TestExplainShowsPlan(t *testing.T) {
	db := open(t, ":memory:")
	var id, parent, notused int
	var detail string
	if err := db.QueryRow(`EXPLAIN QUERY PLAN SELECT * FROM numbers WHERE size = 3`).Scan(&id, &parent, &notused, &detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "INDEX 1:by-size") {
		t.Fatalf("plan %q", detail)
	}
}

func TestColUsed(t *testing.T) {
	db := open(t, ":memory:")
	table.mu.Lock()
	table.plans = nil
	table.mu.Unlock()
	if _, err := db.Exec(`SELECT label FROM numbers`); err != nil {
		t.Fatal(err)
	}
	table.mu.Lock()
	defer table.mu.Unlock()
	if len(table.plans) == 0 || table.plans[0].ColUsed != 1<<1 {
		t.Fatalf("plans %+v, want colUsed 0b10", table.plans)
	}
}

func TestFilterErrorBecomesSQLError(t *testing.T) {
	db := open(t, ":memory:")
	_, err := db.Exec(`SELECT * FROM numbers WHERE size = 'x'`)
	if err == nil || !strings.Contains(err.Error(), "numbers: size must be an integer, got string") {
		t.Fatalf("err %v", err)
	}
}

func TestFunctions(t *testing.T) {
	db := open(t, ":memory:")
	var s string
	if err := db.QueryRow(`SELECT shout('héllo')`).Scan(&s); err != nil || s != "HÉLLO" {
		t.Fatalf("shout: %q %v", s, err)
	}
	_, err := db.Exec(`SELECT shout(1)`)
	if err == nil || !strings.Contains(err.Error(), "shout: want text") {
		t.Fatalf("err %v", err)
	}
	// DirectOnly: refused inside a view; a deterministic function is not.
	if _, err := db.Exec(`CREATE VIEW v AS SELECT shout('x') AS s`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`SELECT * FROM v`); err == nil || !strings.Contains(err.Error(), "unsafe use of shout()") {
		t.Fatalf("view err %v", err)
	}
	if _, err := db.Exec(`CREATE VIEW w AS SELECT twice(21) AS n`); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRow(`SELECT n FROM w`).Scan(&n); err != nil || n != 42 {
		t.Fatalf("twice: %d %v", n, err)
	}
}

func TestInterruptCancelsFilter(t *testing.T) {
	db := open(t, ":memory:")
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	if sqlite.Version() < 3041000 {
		t.Fatalf("mattn's SQLite %d lacks sqlite3_is_interrupted", sqlite.Version())
	}
	table.block = true
	defer func() { table.block = false }()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := db.ExecContext(ctx, `SELECT * FROM numbers`)
	if !errors.Is(err, context.DeadlineExceeded) { // mattn reports the context's error
		t.Fatalf("err %v", err)
	}
	select {
	case got := <-table.blockErr:
		if !errors.Is(got, context.Canceled) {
			t.Fatalf("filter ctx ended with %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Filter's context never ended")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestHandlesReleased(t *testing.T) {
	before := sqlite.LiveHandles()
	for i := 0; i < 200; i++ {
		db, err := sql.Open("sqlite3", ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM numbers WHERE size = 3`).Scan(&n); err != nil || n != 3 {
			t.Fatal(n, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := sqlite.LiveHandles(); after != before {
		t.Fatalf("live handles %d before, %d after", before, after)
	}
}
