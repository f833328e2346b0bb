package sqlsplit

import (
	"slices"
	"testing"
)

func texts(stmts []Statement) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = s.Text
	}
	return out
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []string
		rest    string
		pending bool
	}{
		{name: "empty", src: "", want: []string{}},
		{name: "blank", src: " \n\t ", want: []string{}, rest: " \n\t "},
		{name: "one", src: "SELECT 1;", want: []string{"SELECT 1"}},
		{name: "no final semicolon", src: "SELECT 1", want: []string{}, rest: "SELECT 1", pending: true},
		{name: "two", src: "SELECT 1; SELECT 2;", want: []string{"SELECT 1", "SELECT 2"}},
		{name: "rest after last", src: "SELECT 1; SELECT", want: []string{"SELECT 1"}, rest: " SELECT", pending: true},
		{name: "empty statements skipped", src: ";; SELECT 1;;\n;", want: []string{"SELECT 1"}, rest: ""},
		{name: "surrounding whitespace trimmed", src: "\n\n  SELECT 1  \n ;\n", want: []string{"SELECT 1"}, rest: "\n"},
		{name: "semicolon in string", src: "SELECT 'a;b'; SELECT 2;", want: []string{"SELECT 'a;b'", "SELECT 2"}},
		{name: "doubled quote in string", src: "SELECT 'it''s; ok';", want: []string{"SELECT 'it''s; ok'"}},
		{name: "unterminated string", src: "SELECT 'abc;", want: []string{}, rest: "SELECT 'abc;", pending: true},
		{name: "semicolon in double-quoted identifier", src: `SELECT 1 AS "x;y";`, want: []string{`SELECT 1 AS "x;y"`}},
		{name: "doubled quote in identifier", src: `SELECT 1 AS "a"";b";`, want: []string{`SELECT 1 AS "a"";b"`}},
		{name: "semicolon in bracket identifier", src: "SELECT 1 AS [x;y];", want: []string{"SELECT 1 AS [x;y]"}},
		{name: "semicolon in backtick identifier", src: "SELECT 1 AS `x;y`;", want: []string{"SELECT 1 AS `x;y`"}},
		{name: "line comment", src: "SELECT 1 -- not; here\n;", want: []string{"SELECT 1"}},
		{name: "line comment at end", src: "SELECT 1; -- done", want: []string{"SELECT 1"}, rest: " -- done"},
		{name: "leading comments dropped", src: "-- intro\n/* more */ SELECT 1;", want: []string{"SELECT 1"}},
		{name: "block comment", src: "SELECT /* ; */ 1;", want: []string{"SELECT /* ; */ 1"}},
		{name: "open block comment", src: "SELECT 1; /* still ;", want: []string{"SELECT 1"}, rest: " /* still ;", pending: true},
		{name: "minus is not a comment", src: "SELECT 2-1;", want: []string{"SELECT 2-1"}},
		{name: "slash is not a comment", src: "SELECT 4/2;", want: []string{"SELECT 4/2"}},
		{
			name: "trigger body",
			src:  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (new.x);\n  DELETE FROM t WHERE x < 0;\nEND;\nSELECT 1;",
			want: []string{
				"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (new.x);\n  DELETE FROM t WHERE x < 0;\nEND",
				"SELECT 1",
			},
		},
		{
			name: "temp trigger lower case",
			src:  "create temp trigger tr after insert on t begin select 1; end; select 2;",
			want: []string{"create temp trigger tr after insert on t begin select 1; end", "select 2"},
		},
		{
			name: "temporary trigger",
			src:  "CREATE TEMPORARY TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;",
			want: []string{"CREATE TEMPORARY TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"},
		},
		{
			name: "CASE END inside trigger does not end it",
			src:  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN x THEN 1 END; END; SELECT 3;",
			want: []string{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN x THEN 1 END; END", "SELECT 3"},
		},
		{
			name:    "unfinished trigger",
			src:     "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;",
			want:    []string{},
			rest:    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;",
			pending: true,
		},
		{
			name: "explain create trigger",
			src:  "EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;",
			want: []string{"EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"},
		},
		{name: "create table is not a trigger", src: "CREATE TABLE t(x); SELECT 1;", want: []string{"CREATE TABLE t(x)", "SELECT 1"}},
		{name: "create temp table", src: "CREATE TEMP TABLE t(x); SELECT 1;", want: []string{"CREATE TEMP TABLE t(x)", "SELECT 1"}},
		{name: "trigger as a column name", src: "SELECT trigger FROM t; SELECT 1;", want: []string{"SELECT trigger FROM t", "SELECT 1"}},
		{name: "keyword inside identifier", src: "SELECT created, endpoint FROM t;", want: []string{"SELECT created, endpoint FROM t"}},
		{name: "quoted keyword is not a keyword", src: `CREATE "TRIGGER"; SELECT 1;`, want: []string{`CREATE "TRIGGER"`, "SELECT 1"}},
		{name: "unicode identifiers", src: "SELECT 'Zürich;' AS größe; SELECT 2;", want: []string{"SELECT 'Zürich;' AS größe", "SELECT 2"}},
		{name: "crlf", src: "SELECT 1;\r\nSELECT 2;\r\n", want: []string{"SELECT 1", "SELECT 2"}, rest: "\r\n"},
		{name: "json operators", src: "SELECT status->>'code' FROM t;", want: []string{"SELECT status->>'code' FROM t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, rest := Split(tt.src)
			if got := texts(stmts); !slices.Equal(got, tt.want) {
				t.Errorf("Split(%q) statements = %q, want %q", tt.src, got, tt.want)
			}
			if rest != tt.rest {
				t.Errorf("Split(%q) rest = %q, want %q", tt.src, rest, tt.rest)
			}
			if got := Pending(rest); got != tt.pending {
				t.Errorf("Pending(%q) = %v, want %v", rest, got, tt.pending)
			}
		})
	}
}

func TestSplitAll(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"no final semicolon", "SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"trailing comment only", "SELECT 1; -- bye\n", []string{"SELECT 1"}},
		{"trailing open comment only", "SELECT 1; /* bye", []string{"SELECT 1"}},
		{"statement then open comment", "SELECT 1 /* bye", []string{"SELECT 1"}},
		{"unterminated string kept for SQLite to reject", "SELECT 'abc", []string{"SELECT 'abc"}},
		{"unfinished trigger kept", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;", []string{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;"}},
		{"only comments", "-- nothing\n/* at all */", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := texts(SplitAll(tt.src)); !slices.Equal(got, tt.want) {
				t.Errorf("SplitAll(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	src := "-- header\nSELECT 1;\n\n  SELECT\n  2; SELECT 3;\n/* c\n */ SELECT 4"
	got := SplitAll(src)
	want := []Statement{
		{Text: "SELECT 1", Line: 2},
		{Text: "SELECT\n  2", Line: 4},
		{Text: "SELECT 3", Line: 5},
		{Text: "SELECT 4", Line: 7},
	}
	if !slices.Equal(got, want) {
		t.Errorf("SplitAll(%q) = %+v, want %+v", src, got, want)
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct {
		src  string
		want string
		ok   bool
	}{
		{"SELECT 1", "SELECT 1", true},
		{"SELECT a,\n  b\nFROM t;", "SELECT a, b FROM t;", true},
		{"SELECT  a ,\tb", "SELECT  a ,\tb", true},
		{"SELECT 1\r\nFROM t", "SELECT 1 FROM t", true},
		{"SELECT 1 -- x\nFROM t", "SELECT 1 -- x\nFROM t", false},
		{"SELECT '--'\nFROM t", "SELECT '--' FROM t", true},
		{"SELECT 'a\nb'", "SELECT 'a\nb'", false},
		{"SELECT /* a\nb */ 1", "SELECT /* a\nb */ 1", false},
		{"SELECT /* open", "SELECT /* open", false},
		{"SELECT 1 - -1", "SELECT 1 - -1", true},
	}
	for _, tt := range tests {
		got, ok := OneLine(tt.src)
		if got != tt.want || ok != tt.ok {
			t.Errorf("OneLine(%q) = %q, %v; want %q, %v", tt.src, got, ok, tt.want, tt.ok)
		}
	}
}
