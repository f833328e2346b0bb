package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// bumps counts the calls of bump(x), a DirectOnly function with a side
// effect, the way vpnsql_config and the terminate functions have one.
var bumps atomic.Int64

// storedCall makes a database file whose schema calls bump() from ddl, as
// a hostile author would: ddl is written with twice( (deterministic, so
// SQLite accepts it anywhere), then the stored text is rewritten to bump( with
// writable_schema, so that no check ran when the object was made.
func storedCall(t *testing.T, ddl string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{ddl, "PRAGMA writable_schema=ON",
		"UPDATE sqlite_master SET sql = replace(sql, 'twice(', 'bump(')", "PRAGMA writable_schema=OFF"} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return path
}

// hostileSchemas are the ways a database file can hold SQL that runs when
// a user reads or writes it, and the statement that would run it.
var hostileSchemas = []struct{ name, ddl, trigger string }{
	{"CHECK", "CREATE TABLE t(x TEXT, CHECK (twice(x) IS NOT NULL))", "INSERT INTO t(x) VALUES ('a')"},
	{"DEFAULT", "CREATE TABLE t(x TEXT, y DEFAULT (twice(1)))", "INSERT INTO t(x) VALUES ('a')"},
	{"generated column", "CREATE TABLE t(x TEXT, y AS (twice(x)))", "INSERT INTO t(x) VALUES ('a')"},
	{"stored generated column", "CREATE TABLE t(x TEXT, y AS (twice(x)) STORED)", "INSERT INTO t(x) VALUES ('a')"},
	{"expression index", "CREATE TABLE t(x TEXT); CREATE INDEX i ON t(twice(x))", "INSERT INTO t(x) VALUES ('a')"},
	{"partial index", "CREATE TABLE t(x TEXT); CREATE INDEX i ON t(x) WHERE twice(x) IS NOT NULL", "INSERT INTO t(x) VALUES ('a')"},
	{"view", "CREATE VIEW t AS SELECT twice(1) AS x", "SELECT * FROM t"},
	{"trigger", "CREATE TABLE t(x TEXT); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT twice(new.x); END", "INSERT INTO t(x) VALUES ('a')"},
}

// TestDirectOnlyFromFile: nothing stored in a database file calls a
// DirectOnly function, whether the file is opened or attached. (In this
// SQLite, 3.54 with the function declared before the schema is read,
// SQLite refuses these itself; cmd/vpnsql-ext proves the hosts where it
// does not.)
func TestDirectOnlyFromFile(t *testing.T) {
	for _, tc := range hostileSchemas {
		t.Run(tc.name, func(t *testing.T) {
			path := storedCall(t, tc.ddl)
			before := bumps.Load()
			db := open(t, path)
			if _, err := db.Exec(tc.trigger); err == nil {
				t.Fatalf("%s ran", tc.trigger)
			}
			// Attached: the same, with the name qualified.
			mem := open(t, ":memory:")
			mem.SetMaxOpenConns(1)
			// (SQLite may refuse the ATTACH itself: a malformed schema.)
			if _, err := mem.Exec("ATTACH ? AS aux", path); err == nil {
				if _, err := mem.Exec(strings.Replace(strings.Replace(tc.trigger, " t(", " aux.t(", 1), " t", " aux.t", 1)); err == nil {
					t.Fatalf("%s in the attached file ran", tc.trigger)
				}
			}
			if n := bumps.Load() - before; n != 0 {
				t.Fatalf("bump() ran %d times from the file's %s", n, tc.name)
			}
		})
	}
}

// TestDirectOnlyOwnCheck: the binding's own check, which holds where
// SQLite's does not: while any database of the connection (temp aside)
// stores SQL naming the function, a call is refused with an error naming
// the object, even one typed directly. The session's own temp objects do
// not count.
func TestDirectOnlyOwnCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mentions.db")
	db := open(t, path)
	db.SetMaxOpenConns(1)
	before := bumps.Load()
	if _, err := db.Exec("CREATE TEMP TRIGGER mine AFTER INSERT ON temp.notes BEGIN SELECT bump(new.x); END"); err == nil {
		t.Fatal("a trigger on a table that does not exist")
	}
	if _, err := db.Exec("CREATE TEMP TABLE notes(x); CREATE TEMP TRIGGER mine AFTER INSERT ON notes BEGIN SELECT bump(new.x); END; INSERT INTO notes VALUES (1)"); err != nil {
		t.Fatalf("the session's own temp trigger: %v", err)
	}
	if _, err := db.Exec("SELECT bump(1)"); err != nil {
		t.Fatal(err)
	}
	if n := bumps.Load() - before; n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
	if _, err := db.Exec("CREATE TABLE log(note TEXT /* filled by BUMP(x) */)"); err != nil {
		t.Fatal(err)
	}
	_, err := db.Exec("SELECT bump(1)")
	want := "bump: refused: table main.log, stored in a database file, names bump()"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "(nothing was done)") {
		t.Fatalf("err %v, want %q", err, want)
	}
	if n := bumps.Load() - before; n != 2 {
		t.Fatalf("bump() ran with a file naming it: %d calls", n)
	}
	// A function that is not DirectOnly is not concerned.
	if _, err := db.Exec("CREATE TABLE t2(s TEXT /* twice(x) */)"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRow("SELECT twice(2)").Scan(&n); err != nil || n != 4 {
		t.Fatalf("twice: %d %v", n, err)
	}
}

// TestLiveTableNotShadowed: a table or view named like a live table, in
// the opened file or in one attached later, does not replace it.
func TestLiveTableNotShadowed(t *testing.T) {
	for _, forge := range []string{
		"CREATE TABLE main.numbers(n INTEGER, label TEXT, half REAL); INSERT INTO main.numbers VALUES (1, 'forged', 0)",
		"CREATE VIEW main.numbers AS SELECT 1 AS n, 'forged' AS label, 0 AS half",
	} {
		path := filepath.Join(t.TempDir(), "forged.db")
		maker := open(t, path)
		if _, err := maker.Exec(forge); err != nil {
			t.Fatal(err)
		}
		maker.Close()
		count := func(db *sql.DB, table string) int64 {
			t.Helper()
			var n int64
			if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(open(t, path), "numbers"); n != 1000 {
			t.Fatalf("%s: the opened file's numbers was served (%d live rows)", forge, n)
		}
		mem := open(t, ":memory:")
		mem.SetMaxOpenConns(1)
		if _, err := mem.Exec("ATTACH ? AS aux", path); err != nil {
			t.Fatal(err)
		}
		if n := count(mem, "numbers"); n != 1000 {
			t.Fatalf("%s: the attached file's numbers was served", forge)
		}
		// Asked for by its schema, the file's own object is still there.
		var label string
		if err := mem.QueryRow("SELECT label FROM aux.numbers").Scan(&label); err != nil || label != "forged" {
			t.Fatalf("aux.numbers: %q %v", label, err)
		}
	}
}

// TestInnocuousTables: with trusted_schema=OFF, SQLite refuses virtual
// tables in stored views unless they are innocuous; the tables only read,
// so a user's view over them keeps working.
func TestInnocuousTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "views.db")
	db := open(t, path)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE VIEW small AS SELECT n FROM numbers WHERE n <= 3"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA trusted_schema=OFF"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM small").Scan(&n); err != nil || n != 3 {
		t.Fatalf("view over the table with trusted_schema=OFF: %d %v", n, err)
	}
}
