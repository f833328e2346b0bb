package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jedib0t/go-pretty/v6/text"
)

type resultSet struct {
	columns []string
	rows    [][]any
}

// fixture covers the awkward cases: unicode, commas, quotes, embedded
// newlines, pipes, NULL, integers beyond 2^53 and floats.
var fixture = resultSet{
	columns: []string{"id", "name", "note", "big", "ratio", "raw"},
	rows: [][]any{
		{int64(1), "Zoë 日本", "a,b", int64(9007199254740993), 0.5, []byte("x|y")},
		{int64(-2), `say "hi"`, "line1\nline2", nil, 1e21, nil},
		{nil, "", " lead", int64(math.MinInt64), 3.0, []byte("bytes")},
	},
}

var second = resultSet{
	columns: []string{"n"},
	rows:    [][]any{{int64(7)}},
}

func writeSets(t testing.TB, w Writer, sets ...resultSet) {
	t.Helper()
	for _, s := range sets {
		if err := w.Begin(s.columns); err != nil {
			t.Fatal(err)
		}
		for _, r := range s.rows {
			if err := w.Row(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFormats(t *testing.T) {
	// Every format writes the fixture followed by a second result set.
	tests := map[Format]string{
		Table: `+------+----------+-------+----------------------+-------+---------------+
|   id | name     | note  |                  big | ratio | raw           |
+------+----------+-------+----------------------+-------+---------------+
|    1 | Zoë 日本 | a,b   |     9007199254740993 |   0.5 | x'787c79'     |
|   -2 | say "hi" | line1 |                 NULL | 1e+21 | NULL          |
|      |          | line2 |                      |       |               |
| NULL |          |  lead | -9223372036854775808 |     3 | x'6279746573' |
+------+----------+-------+----------------------+-------+---------------+

+---+
| n |
+---+
| 7 |
+---+
`,
		// CSV holds one table: see TestCSVSeveralResultSets.
		CSV: `id,name,note,big,ratio,raw
1,Zoë 日本,"a,b",9007199254740993,0.5,x'787c79'
-2,"say ""hi""","line1
line2",,1e+21,
,," lead",-9223372036854775808,3,x'6279746573'
`,
		// One array for every result set: one JSON document.
		JSON: `[{"id":1,"name":"Zoë 日本","note":"a,b","big":9007199254740993,"ratio":0.5,"raw":"x'787c79'"},
{"id":-2,"name":"say \"hi\"","note":"line1\nline2","big":null,"ratio":1e+21,"raw":null},
{"id":null,"name":"","note":" lead","big":-9223372036854775808,"ratio":3,"raw":"x'6279746573'"},
{"n":7}]
`,
		JSONLines: `{"id":1,"name":"Zoë 日本","note":"a,b","big":9007199254740993,"ratio":0.5,"raw":"x'787c79'"}
{"id":-2,"name":"say \"hi\"","note":"line1\nline2","big":null,"ratio":1e+21,"raw":null}
{"id":null,"name":"","note":" lead","big":-9223372036854775808,"ratio":3,"raw":"x'6279746573'"}
{"n":7}
`,
		Markdown: `| id | name | note | big | ratio | raw |
| ---:|:--- |:--- | ---:| ---:|:--- |
| 1 | Zoë 日本 | a,b | 9007199254740993 | 0.5 | x'787c79' |
| -2 | say "hi" | line1<br/>line2 | NULL | 1e+21 | NULL |
| NULL |  |  lead | -9223372036854775808 | 3 | x'6279746573' |

| n |
| ---:|
| 7 |
`,
		// Quoted lines: the format has meaningful trailing spaces.
		Line: "   id = 1\n" +
			" name = Zoë 日本\n" +
			" note = a,b\n" +
			"  big = 9007199254740993\n" +
			"ratio = 0.5\n" +
			"  raw = x'787c79'\n" +
			"\n" +
			"   id = -2\n" +
			" name = say \"hi\"\n" +
			" note = line1\nline2\n" +
			"  big = NULL\n" +
			"ratio = 1e+21\n" +
			"  raw = NULL\n" +
			"\n" +
			"   id = NULL\n" +
			" name = \n" +
			" note =  lead\n" +
			"  big = -9223372036854775808\n" +
			"ratio = 3\n" +
			"  raw = x'6279746573'\n" +
			"\n" +
			"n = 7\n",
	}
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			want, ok := tests[f]
			if !ok {
				t.Fatalf("no expected output for %s", f)
			}
			var b bytes.Buffer
			sets := []resultSet{fixture, second}
			if f == CSV {
				sets = sets[:1]
			}
			writeSets(t, New(&b, f, Options{}), sets...)
			if got := b.String(); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestCSVNoHeader(t *testing.T) {
	var b bytes.Buffer
	writeSets(t, New(&b, CSV, Options{NoHeader: true}), second)
	if got, want := b.String(), "7\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCSVReadsBack(t *testing.T) {
	var b bytes.Buffer
	writeSets(t, New(&b, CSV, Options{}), fixture)
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{fixture.columns}
	for _, row := range fixture.rows {
		var rec []string
		for _, v := range row {
			switch v := v.(type) {
			case nil:
				rec = append(rec, "")
			case int64:
				rec = append(rec, strconv.FormatInt(v, 10))
			case float64:
				rec = append(rec, strconv.FormatFloat(v, 'g', -1, 64))
			case []byte:
				rec = append(rec, blobLiteral(v))
			default:
				rec = append(rec, v.(string))
			}
		}
		want = append(want, rec)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%q\nwant\n%q", got, want)
	}
}

func TestJSONParses(t *testing.T) {
	for _, f := range []Format{JSON, JSONLines} {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			writeSets(t, New(&b, f, Options{}), fixture)
			dec := json.NewDecoder(&b)
			dec.UseNumber()
			var got []map[string]any
			for dec.More() {
				if f == JSON {
					if err := dec.Decode(&got); err != nil {
						t.Fatal(err)
					}
					continue
				}
				var obj map[string]any
				if err := dec.Decode(&obj); err != nil {
					t.Fatal(err)
				}
				got = append(got, obj)
			}
			if len(got) != len(fixture.rows) {
				t.Fatalf("got %d objects, want %d", len(got), len(fixture.rows))
			}
			for i, row := range fixture.rows {
				for j, v := range row {
					var want any
					switch v := v.(type) {
					case int64:
						want = json.Number(strconv.FormatInt(v, 10))
					case float64:
						want = json.Number(strconv.FormatFloat(v, 'g', -1, 64))
					case []byte:
						want = blobLiteral(v)
					default:
						want = v
					}
					if g := got[i][fixture.columns[j]]; g != want {
						t.Errorf("row %d %s = %#v, want %#v", i, fixture.columns[j], g, want)
					}
				}
			}
		})
	}
}

func TestJSONValues(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, JSONLines, Options{})
	writeSets(t, w, resultSet{
		columns: []string{"bin", "nan", "inf", "ninf", "html", "ok", "at"},
		rows: [][]any{{
			[]byte{0xff, 0x00}, math.NaN(), math.Inf(1), math.Inf(-1), "<a&b>", true,
			time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		}},
	})
	want := `{"bin":"x'ff00'","nan":null,"inf":9e999,"ninf":-9e999,"html":"<a&b>","ok":true,"at":"2024-05-06T07:08:09Z"}` + "\n"
	if got := b.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEmptyResult(t *testing.T) {
	empty := resultSet{columns: []string{"a", "b"}}
	want := map[Format]string{
		Table:     "+---+---+\n| a | b |\n+---+---+\n+---+---+\n",
		CSV:       "a,b\n",
		JSON:      "[]\n",
		JSONLines: "",
		Markdown:  "| a | b |\n|:--- |:--- |\n",
		Line:      "",
	}
	for _, f := range Formats() {
		var b bytes.Buffer
		writeSets(t, New(&b, f, Options{}), empty)
		if got := b.String(); got != want[f] {
			t.Errorf("%s: got %q, want %q", f, got, want[f])
		}
	}
}

func TestNoColumnsNoOutput(t *testing.T) {
	// Statements such as CREATE TABLE have no columns and print nothing.
	for _, f := range Formats() {
		var b bytes.Buffer
		writeSets(t, New(&b, f, Options{}), resultSet{}, resultSet{rows: [][]any{{}}})
		if b.Len() > 0 {
			t.Errorf("%s: got %q, want no output", f, b.String())
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	w := New(io.Discard, CSV, Options{})
	if err := w.Row([]any{int64(1)}); err == nil {
		t.Error("Row before Begin: no error")
	}
	if err := w.End(); err == nil {
		t.Error("End before Begin: no error")
	}
	if err := w.Begin([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Begin([]string{"a"}); err == nil {
		t.Error("Begin twice: no error")
	}
	if err := w.Row([]any{int64(1), int64(2)}); err == nil {
		t.Error("Row with too many values: no error")
	}
}

// Fitting a table into a terminal cuts only free text, never a one-word
// value, and falls back to line records when the words alone do not fit,
// saying so once (issue 9, item 14).
func TestTableWidth(t *testing.T) {
	const id = "cvpn-endpoint-0123456789abcdef0"
	wide := resultSet{
		columns: []string{"id", "description", "count"},
		rows: [][]any{
			{id, "A rather long description of this endpoint\nthat goes on, and on", int64(12)},
			{"cvpn-endpoint-1", "short", 1.5},
		},
	}
	var full bytes.Buffer
	writeSets(t, New(&full, Table, Options{}), wide)

	for _, width := range []int{200, 80, 60, 50, 30, 1} {
		var b bytes.Buffer
		var notes []string
		writeSets(t, New(&b, Table, Options{Width: width, Notice: func(s string) { notes = append(notes, s) }}), wide, fixture)
		out := b.String()
		for _, word := range []string{id, "9007199254740993", "-9223372036854775808", "x'6279746573'"} {
			if !strings.Contains(out, word) {
				t.Errorf("width %d: %s was cut or split:\n%s", width, word, out)
			}
		}
		asTable := strings.HasPrefix(out, "+")
		switch {
		case width == 200:
			if out != full.String()+"\n"+tableOf(t, fixture) || len(notes) != 0 {
				t.Errorf("width 200: changed the table:\n%s", out)
			}
		case width == 80 || width == 60:
			if !asTable || !strings.Contains(out, "…") {
				t.Errorf("width %d: want a table with the description cut:\n%s", width, out)
			}
			first := out[:strings.Index(out, "\n\n")]
			for _, line := range strings.Split(first, "\n") {
				if w := text.StringWidth(line); w > width {
					t.Errorf("width %d: line is %d wide: %q", width, w, line)
				}
			}
		default:
			if asTable || !strings.Contains(out, "         id = "+id+"\n") {
				t.Errorf("width %d: want line records:\n%s", width, out)
			}
			if len(notes) != 1 {
				t.Errorf("width %d: %d notices, want 1: %q", width, len(notes), notes)
			}
		}
	}
}

func tableOf(t *testing.T, set resultSet) string {
	var b bytes.Buffer
	writeSets(t, New(&b, Table, Options{}), set)
	return b.String()
}

func TestNoHeader(t *testing.T) {
	for f, want := range map[Format]string{
		Table:    "+---+\n| 7 |\n+---+\n",
		Markdown: "| 7 |\n",
		CSV:      "7\n",
	} {
		var b bytes.Buffer
		writeSets(t, New(&b, f, Options{NoHeader: true}), second)
		if got := b.String(); got != want {
			t.Errorf("%s: got %q, want %q", f, got, want)
		}
	}
}

func TestCSVSeveralResultSets(t *testing.T) {
	var b bytes.Buffer
	writeSets(t, New(&b, CSV, Options{}), second, second)
	if got, want := b.String(), "n\n7\n7\n"; got != want {
		t.Errorf("same columns: got %q, want %q", got, want)
	}
	w := New(io.Discard, CSV, Options{})
	writeSets(t, w, second)
	err := w.Begin(fixture.columns)
	if err == nil || !strings.Contains(err.Error(), "csv holds one table: statement 2 returns the columns (id, name") {
		t.Errorf("other columns: %v", err)
	}
}

func TestJSONColumns(t *testing.T) {
	var b bytes.Buffer
	writeSets(t, New(&b, JSON, Options{}), resultSet{
		columns: []string{"status", "set", "bad", "text"},
		rows:    [][]any{{JSONText(`{"code": "active", "message": null}`), JSONText(`["a","b"]`), JSONText(`{oops`), `{"x":1}`}},
	})
	want := `[{"status":{"code":"active","message":null},"set":["a","b"],"bad":"{oops","text":"{\"x\":1}"}]` + "\n"
	if got := b.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseFormatAnyCase(t *testing.T) {
	for _, s := range []string{"CSV", "Json", "jsonL", "MarkDown"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestFairShare(t *testing.T) {
	tests := []struct {
		widths []int
		budget int
		limit  int
		ok     bool
	}{
		{[]int{5, 10}, 15, 0, true},
		{[]int{5, 31, 66}, 50, 22, false},
		{[]int{40, 40}, 30, 15, false},
		{[]int{3, 100, 4}, 20, 13, false},
	}
	for _, tt := range tests {
		limit, ok := fairShare(tt.widths, tt.budget)
		if limit != tt.limit || ok != tt.ok {
			t.Errorf("fairShare(%v, %d) = %d, %v; want %d, %v", tt.widths, tt.budget, limit, ok, tt.limit, tt.ok)
		}
	}
}

func TestDisplayText(t *testing.T) {
	got := displayText("a\x1b[31mb\r\nc\rd\te\u0085")
	if want := "a\uFFFD[31mb\nc\uFFFDd\te\uFFFD"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

var errBoom = errors.New("boom")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBoom }

func TestWriterErrors(t *testing.T) {
	for _, f := range Formats() {
		w := New(failingWriter{}, f, Options{})
		var err error
		for _, call := range []func() error{
			func() error { return w.Begin(fixture.columns) },
			func() error { return w.Row(fixture.rows[0]) },
			func() error { return w.End() },
		} {
			if err = call(); err != nil {
				break
			}
		}
		if !errors.Is(err, errBoom) {
			t.Errorf("%s: got error %v, want %v", f, err, errBoom)
		}
	}
}

// countingWriter counts what reaches the underlying writer.
type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func TestStreaming(t *testing.T) {
	// The streaming formats must pass rows on before End, so large results
	// need no memory and a failing writer stops the query early.
	for _, f := range []Format{CSV, JSON, JSONLines, Line} {
		var c countingWriter
		w := New(&c, f, Options{})
		if err := w.Begin(second.columns); err != nil {
			t.Fatal(err)
		}
		for range flushEvery {
			if err := w.Row(second.rows[0]); err != nil {
				t.Fatal(err)
			}
		}
		if c.n == 0 {
			t.Errorf("%s: nothing written after %d rows", f, flushEvery)
		}
	}
}

func TestCSVConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1,000,000 rows")
	}
	w := New(io.Discard, CSV, Options{})
	if err := w.Begin([]string{"id", "name", "ratio"}); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	row := []any{int64(1234567890123), "cvpn-endpoint-0123456789abcdef0", 0.25}
	for range 1_000_000 {
		if err := w.Row(row); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	// Buffering the rows would take tens of megabytes.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 1<<20 {
		t.Errorf("heap grew by %d bytes while writing 1,000,000 rows", grown)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(string(f)); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	_, err := ParseFormat("x")
	want := `unknown output format "x" (choose table, csv, json, jsonl, markdown, line)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseFormat(x) error = %v, want %s", err, want)
	}
}

func BenchmarkCSV(b *testing.B) {
	row := []any{int64(1234567890123), "cvpn-endpoint-0123456789abcdef0", 0.25, nil}
	b.ReportAllocs()
	for b.Loop() {
		w := New(io.Discard, CSV, Options{})
		if err := w.Begin([]string{"id", "name", "ratio", "note"}); err != nil {
			b.Fatal(err)
		}
		for range 100_000 {
			if err := w.Row(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			b.Fatal(err)
		}
	}
}
