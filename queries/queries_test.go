package queries

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

var update = flag.Bool("update", false, "rewrite queries/testdata/*.golden from the current results")

// The queries issue 5 asks for, by file name.
var required = []string{
	"active_connections",
	"long_sessions",
	"top_talkers",
	"shared_certificates",
	"concurrent_sessions",
	"posture_noncompliant",
	"failed_terminations",
	"terminated_last_hour",
	"certificate_only_sessions",
	"endpoint_active_connections",
	"connection_logging_off",
	"offboarded_sessions",
}

func TestEveryQueryParses(t *testing.T) {
	names, err := filepath.Glob("*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range names {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(strings.TrimSuffix(file, ".sql"), string(text)); err != nil {
			t.Error(err)
		}
	}
	all := All()
	if len(all) != len(names) {
		t.Fatalf("All() = %d queries, want %d (one per .sql file)", len(all), len(names))
	}
	if !slices.IsSortedFunc(all, func(a, b Query) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by name")
	}
	for _, q := range all {
		if q.Title == "" || q.Answers == "" || q.SQL == "" {
			t.Errorf("%s: title %q, answers %q, SQL %d bytes", q.Name, q.Title, q.Answers, len(q.SQL))
		}
		if strings.HasPrefix(q.SQL, "-- title") || strings.Contains(q.SQL, "-- param:") {
			t.Errorf("%s: the header leaked into SQL", q.Name)
		}
		if !strings.Contains(strings.ToUpper(q.SQL), "ORDER BY") {
			t.Errorf("%s: no ORDER BY", q.Name)
		}
		for _, p := range q.Params {
			if p.Help == "" || p.Default == "" {
				t.Errorf("%s: param %+v", q.Name, p)
			}
			if p.Name == "now" && p.Default != "now" {
				t.Errorf("%s: :now should default to now", q.Name)
			}
		}
		if strings.Contains(q.SQL, "'now'") || strings.Contains(q.SQL, "CURRENT_TIMESTAMP") {
			t.Errorf("%s: time arithmetic must go through :now", q.Name)
		}
	}
	for _, name := range required {
		if _, err := Get(name); err != nil {
			t.Error(err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	const body = "\n\nSELECT 1 ORDER BY 1;\n"
	for _, tc := range []struct{ name, text, want string }{
		{"no header", "SELECT 1;", "header lines are"},
		{"answers first", "-- answers: a\n-- title: t" + body, "must start with"},
		{"no answers", "-- title: t" + body, "missing \"-- answers"},
		{"empty title", "-- title:\n-- answers: a" + body, "header lines are"},
		{"unknown key", "-- title: t\n-- answers: a\n-- author: me" + body, "header lines are"},
		{"twice", "-- title: t\n-- answers: a\n-- answers: b" + body, "answers given twice"},
		{"no space", "--title: t\n-- answers: a" + body, "header lines are"},
		{"param no help", "-- title: t\n-- answers: a\n-- param: x = 1" + body, "param: want"},
		{"param no default", "-- title: t\n-- answers: a\n-- param: x =  (help)" + body, "param: want"},
		{"param upper", "-- title: t\n-- answers: a\n-- param: X = 1  (help)" + body, "param: want"},
		{"param twice", "-- title: t\n-- answers: a\n-- param: x = 1  (h)\n-- param: x = 2  (h)\n\nSELECT :x;", "declared twice"},
		{"param before answers", "-- title: t\n-- param: x = 1  (h)\n-- answers: a\n\nSELECT :x;", "params follow"},
		{"continuation after param", "-- title: t\n-- answers: a\n-- param: x = 1  (h)\n--    more\n\nSELECT :x;", "continuation"},
		{"unused param", "-- title: t\n-- answers: a\n-- param: x = 1  (h)" + body, "does not use :x"},
		{"undeclared param", "-- title: t\n-- answers: a\n\nSELECT :y;", "uses :y"},
		{"positional", "-- title: t\n-- answers: a\n\nSELECT ?;", "use :name"},
		{"at param", "-- title: t\n-- answers: a\n\nSELECT @y;", "use :name"},
		{"two statements", "-- title: t\n-- answers: a\n\nSELECT 1;\nSELECT 2;", "one statement"},
		{"no statement", "-- title: t\n-- answers: a\n\n-- nothing\n", "no SQL statement"},
		{"no blank line", "-- title: t\n-- answers: a\nSELECT 1;", "header lines are"},
		{"bad time default", "-- title: t\n-- answers: a\n-- param: now = 2026-13  (h)\n\nSELECT :now;", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse("x", tc.text)
			if tc.want == "" { // accepted as a text parameter: fine, but say so
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", q)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	q, err := Parse("x", "-- title: A\n--   long title\n-- answers: What\n--          else?\n"+
		"-- param: n = 3  (how many (at most))\n-- param: when = now  (time)\n\n"+
		"-- :ignored in a comment\nSELECT ':nor_in_strings', \"x:y\", :n, :when, :n /* :z */;\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Query{Name: "x", Title: "A long title", Answers: "What else?",
		Params: []Param{{"n", "3", "how many (at most)"}, {"when", "now", "time"}},
		SQL:    "-- :ignored in a comment\nSELECT ':nor_in_strings', \"x:y\", :n, :when, :n /* :z */;"}
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", q, want)
	}
}

func TestArgs(t *testing.T) {
	q := Query{Name: "q", Params: []Param{{"hours", "24", "h"}, {"ratio", "0.5", "r"}, {"now", "now", "t"}, {"who", "alice", "u"}}}
	args, err := q.Args(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{sql.Named("hours", int64(24)), sql.Named("ratio", 0.5), sql.Named("now", "now"), sql.Named("who", "alice")}
	if fmt.Sprintf("%#v", args) != fmt.Sprintf("%#v", want) {
		t.Fatalf("defaults: got %#v", args)
	}
	args, err = q.Args(map[string]string{"hours": "2", "ratio": "3", "now": "2026-11-26 12:00:00", "who": "42"})
	if err != nil {
		t.Fatal(err)
	}
	want = []any{sql.Named("hours", int64(2)), sql.Named("ratio", int64(3)), sql.Named("now", "2026-11-26 12:00:00"), sql.Named("who", "42")}
	if fmt.Sprintf("%#v", args) != fmt.Sprintf("%#v", want) {
		t.Fatalf("set: got %#v", args)
	}
	for set, want := range map[string]string{
		"hours=x":          `"x" is not a number`,
		"now=yesterday":    "is not a time",
		"bogus=1":          "unknown parameter bogus; its parameters are hours, ratio, now, who",
		"hours=1.5&zzz=1":  "unknown parameter zzz",
		"now=2026-11-26T1": "is not a time",
	} {
		m := map[string]string{}
		for _, kv := range strings.Split(set, "&") {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		if _, err := q.Args(m); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Args(%s): error %v, want %q", set, err, want)
		}
	}
	if _, err := (Query{Name: "p"}).Args(map[string]string{"now": "now"}); err == nil || !strings.Contains(err.Error(), "it has no parameters") {
		t.Errorf("no params: %v", err)
	}
}

func TestGet(t *testing.T) {
	q, err := Get("long_sessions.sql")
	if err != nil || q.Name != "long_sessions" {
		t.Fatalf("Get: %v, %v", q.Name, err)
	}
	for name, want := range map[string]string{
		"long_session":      "did you mean long_sessions?",
		"offboarded":        "did you mean offboarded_sessions?",
		"failed_terminaton": "failed_terminations?",
		"xyzzy":             "the saved queries are active_connections, ",
	} {
		if _, err := Get(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Get(%q): %v, want %q", name, err, want)
		}
	}
}

// goldenNow is the fixed clock of the golden test: the sample's times are
// relative to it and :now is set to it.
var goldenNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// offboardedUsers have open sessions in the sample; one is written in
// another case, which the query must still match.
var offboardedUsers = []string{"dana.scully", "Fox.Mulder"}

func TestGolden(t *testing.T) {
	ds := ec2fake.SampleDataset(goldenNow)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	env.Fake.LoadSampleLogs(goldenNow) // for the connection-log queries
	if _, err := env.DB.Exec("CREATE TABLE offboarded(username TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	for _, u := range offboardedUsers {
		if _, err := env.DB.Exec("INSERT INTO offboarded VALUES (?)", u); err != nil {
			t.Fatal(err)
		}
	}
	set := map[string]string{"now": goldenNow.Format(time.DateTime)}
	for _, q := range All() {
		t.Run(q.Name, func(t *testing.T) {
			own := map[string]string{}
			for _, p := range q.Params {
				if v, ok := set[p.Name]; ok {
					own[p.Name] = v
				}
			}
			args, err := q.Args(own)
			if err != nil {
				t.Fatal(err)
			}
			got, n, err := runCSV(env.DB, q.SQL, args)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("no rows on the sample data: the demo must make every saved query non-empty")
			}
			file := filepath.Join("testdata", q.Name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./queries -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (go test ./queries -update rewrites it):\n%s", file, firstDiff(want, got))
			}
		})
	}
}

// runCSV runs a query and renders its result as CSV: a header row, NULL as
// an empty field. n is the number of rows.
func runCSV(db *sql.DB, query string, args []any) (out []byte, n int, err error) {
	rows, err := db.Query(query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	record := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				record[i] = ""
			case int64:
				record[i] = strconv.FormatInt(v, 10)
			case float64:
				record[i] = strconv.FormatFloat(v, 'f', -1, 64)
			case []byte:
				record[i] = string(v)
			case string:
				record[i] = v
			default:
				return nil, 0, fmt.Errorf("column %s: unexpected %T", cols[i], v)
			}
		}
		w.Write(record)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	w.Flush()
	return buf.Bytes(), n, w.Error()
}

// firstDiff shows the first differing line of two renderings.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q\n(%d lines wanted, %d got)", i+1, w, g, len(wl), len(gl))
		}
	}
	return "(no line differs)"
}
