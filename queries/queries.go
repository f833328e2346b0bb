// Package queries holds vpnsql's saved audit queries: the *.sql files of
// this directory, embedded in the binary.
//
// Each file starts with a header block (see README.md for the format):
//
//	-- title: Sessions longer than N hours
//	-- answers: Which open sessions have been up longer than :hours hours?
//	-- param: hours = 24  (hours a session may last)
//	-- param: now = now  (reference time: 'YYYY-MM-DD HH:MM:SS' UTC, or now)
//
// followed by an empty line and one SQL statement that uses each declared
// parameter as :name and no other parameter. Parse checks all of it.
package queries

import (
	"cmp"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vpnsql/vpnsql/internal/sqlsplit"
)

//go:embed *.sql
var files embed.FS

// Param is one named parameter of a query, bound as :Name.
type Param struct {
	Name    string
	Default string
	Help    string
}

// Query is one saved query.
type Query struct {
	Name    string // file name without .sql
	Title   string
	Answers string
	Params  []Param
	SQL     string // the statement: the file after its header

	noun string // "control" for controls, for error messages; "" = query
}

// what names the kind of q in error messages.
func (q Query) what() string {
	if q.noun == "" {
		return "query"
	}
	return q.noun
}

var load = sync.OnceValues(func() ([]Query, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	var all []Query
	for _, file := range names {
		text, err := files.ReadFile(file)
		if err != nil {
			return nil, err
		}
		q, err := Parse(strings.TrimSuffix(file, ".sql"), string(text))
		if err != nil {
			return nil, err
		}
		all = append(all, q)
	}
	slices.SortFunc(all, func(a, b Query) int { return cmp.Compare(a.Name, b.Name) })
	return all, nil
})

// All returns the saved queries sorted by name. The files are checked by
// the package's tests; a malformed one panics here.
func All() []Query {
	all, err := load()
	if err != nil {
		panic("queries: " + err.Error())
	}
	return slices.Clone(all)
}

// Get returns the saved query called name (the file name without .sql).
// An unknown name's error lists the close ones, or all of them.
func Get(name string) (Query, error) {
	all, err := load()
	if err != nil {
		return Query{}, fmt.Errorf("queries: %w", err)
	}
	name = strings.TrimSuffix(name, ".sql")
	var names []string
	for _, q := range all {
		if q.Name == name {
			return q, nil
		}
		names = append(names, q.Name)
	}
	if close := closeNames(name, names); len(close) > 0 {
		return Query{}, fmt.Errorf("no saved query %q; did you mean %s?", name, strings.Join(close, ", "))
	}
	return Query{}, fmt.Errorf("no saved query %q; the saved queries are %s", name, strings.Join(names, ", "))
}

// closeNames returns the names that look like a misspelling of want: a
// small edit distance, one containing the other, or a shared word.
func closeNames(want string, names []string) []string {
	want = strings.ToLower(want)
	var out []string
	for _, n := range names {
		switch {
		case want == "":
		case strings.Contains(n, want), strings.Contains(want, n),
			editDistance(want, n) <= max(2, len(n)/4):
			out = append(out, n)
		default:
			for _, w := range strings.FieldsFunc(want, isSep) {
				if len(w) >= 4 && slices.Contains(strings.FieldsFunc(n, isSep), w) {
					out = append(out, n)
					break
				}
			}
		}
	}
	return out
}

func isSep(r rune) bool { return r == '_' || r == '-' || r == ' ' }

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Args returns one sql.Named value per parameter, in declaration order:
// the value in set, else the default. Numbers (a parameter whose default is
// a number) are bound as int64, or float64 when they have a fraction, so
// that comparisons with INTEGER columns work; times (default "now" or a
// date) must be "now" or a date SQLite reads; the rest is text. A name in
// set that the query does not declare is an error naming the valid ones.
func (q Query) Args(set map[string]string) ([]any, error) {
	var unknown []string
	for name := range set {
		if !slices.ContainsFunc(q.Params, func(p Param) bool { return p.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		var valid []string
		for _, p := range q.Params {
			valid = append(valid, p.Name)
		}
		what := "it has no parameters"
		if len(valid) > 0 {
			what = "its parameters are " + strings.Join(valid, ", ")
		}
		return nil, fmt.Errorf("%s %s: unknown parameter %s; %s", q.what(), q.Name, strings.Join(unknown, ", "), what)
	}
	args := make([]any, 0, len(q.Params))
	for _, p := range q.Params {
		value, ok := set[p.Name]
		if !ok {
			value = p.Default
		}
		v, err := p.value(value)
		if err != nil {
			return nil, fmt.Errorf("%s %s: parameter %s: %w", q.what(), q.Name, p.Name, err)
		}
		args = append(args, sql.Named(p.Name, v))
	}
	return args, nil
}

// Parameter kinds, decided by the default.
const (
	kindText = iota
	kindNumber
	kindTime
)

var (
	integerRE = regexp.MustCompile(`^[+-]?[0-9]+$`)
	floatRE   = regexp.MustCompile(`^[+-]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	// The time formats of SQLite's date functions that a user would type.
	timeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
)

func kindOf(def string) int {
	switch {
	case integerRE.MatchString(def), floatRE.MatchString(def):
		return kindNumber
	case strings.EqualFold(def, "now"), timeRE.MatchString(def):
		return kindTime
	}
	return kindText
}

func (p Param) value(s string) (any, error) {
	switch kindOf(p.Default) {
	case kindNumber:
		s = strings.TrimSpace(s)
		if integerRE.MatchString(s) {
			return strconv.ParseInt(s, 10, 64)
		}
		if floatRE.MatchString(s) {
			return strconv.ParseFloat(s, 64)
		}
		return nil, fmt.Errorf("%q is not a number", s)
	case kindTime:
		s = strings.TrimSpace(s)
		if strings.EqualFold(s, "now") || timeRE.MatchString(s) {
			return s, nil
		}
		return nil, fmt.Errorf("%q is not a time: use 'YYYY-MM-DD HH:MM:SS' (UTC) or now", s)
	}
	return s, nil
}

var (
	headerRE = regexp.MustCompile(`^-- ([a-z_]+): (\S.*)$`)
	contRE   = regexp.MustCompile(`^--  +(\S.*)$`)
	paramRE  = regexp.MustCompile(`^([a-z][a-z0-9_]*) = (\S+) +\((\S.*)\)$`)
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
)

// Parse reads one query file: its header, then its statement. name is the
// file name without .sql.
func Parse(name, text string) (Query, error) {
	return parse(name, text, nil)
}

// parse reads a query file, or a control file when c is not nil: then the
// control's own header fields (see controls.go) go to c.
func parse(name, text string, c *Control) (Query, error) {
	q := Query{Name: name}
	fail := func(line int, format string, args ...any) (Query, error) {
		return Query{}, fmt.Errorf("%s.sql:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	if !nameRE.MatchString(name) {
		return fail(1, "file name: use lower-case letters, digits and _")
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	last := "" // the field a continuation line extends
	n := 0
	for ; n < len(lines) && strings.TrimSpace(lines[n]) != ""; n++ {
		line := strings.TrimRight(lines[n], " \t")
		if m := contRE.FindStringSubmatch(line); m != nil {
			switch last {
			case "title":
				q.Title += " " + m[1]
			case "answers":
				q.Answers += " " + m[1]
			default:
				return fail(n+1, "a continuation line may only follow title or answers")
			}
			continue
		}
		m := headerRE.FindStringSubmatch(line)
		isControlKey := m != nil && c != nil && slices.Contains(controlKeys, m[1])
		if m == nil || !isControlKey && m[1] != "title" && m[1] != "answers" && m[1] != "param" {
			if c != nil {
				return fail(n+1, "header lines are \"-- title: …\", \"-- answers: …\", \"-- %s: …\", \"-- param: NAME = DEFAULT  (HELP)\" or an indented continuation \"--   …\"; end the header with an empty line", strings.Join(controlKeys, ": …\", \"-- "))
			}
			return fail(n+1, "header lines are \"-- title: …\", \"-- answers: …\", \"-- param: NAME = DEFAULT  (HELP)\" or an indented continuation \"--   …\"; end the header with an empty line")
		}
		key, value := m[1], strings.TrimSpace(m[2])
		switch {
		case n == 0 && key != "title":
			return fail(n+1, "the header must start with \"-- title: \"")
		case key == "title" && n > 0, key == "answers" && q.Answers != "":
			return fail(n+1, "%s given twice", key)
		case key == "answers" && last != "title":
			return fail(n+1, "answers must follow title")
		case key == "param" && q.Answers == "":
			return fail(n+1, "params follow title and answers")
		case isControlKey && (q.Answers == "" || len(q.Params) > 0):
			return fail(n+1, "%s goes after answers and before the params", key)
		}
		last = key
		switch key {
		case "title":
			q.Title = value
		case "answers":
			q.Answers = value
		case "param":
			pm := paramRE.FindStringSubmatch(value)
			if pm == nil {
				return fail(n+1, "param: want \"NAME = DEFAULT  (HELP)\" (NAME lower-case, DEFAULT one word), got %q", value)
			}
			p := Param{Name: pm[1], Default: pm[2], Help: strings.TrimSpace(pm[3])}
			if slices.ContainsFunc(q.Params, func(o Param) bool { return o.Name == p.Name }) {
				return fail(n+1, "param %s declared twice", p.Name)
			}
			if _, err := p.value(p.Default); err != nil {
				return fail(n+1, "param %s: default: %v", p.Name, err)
			}
			q.Params = append(q.Params, p)
		default:
			if err := c.set(key, value); err != nil {
				return fail(n+1, "%v", err)
			}
		}
	}
	switch {
	case q.Title == "":
		return fail(1, "missing \"-- title: \" header")
	case q.Answers == "":
		return fail(n+1, "missing \"-- answers: \" header")
	}
	if c != nil {
		if err := c.complete(name); err != nil {
			return fail(n+1, "%v", err)
		}
		q.noun = "control"
	}
	q.SQL = strings.TrimSpace(strings.Join(lines[n:], "\n"))
	stmts := sqlsplit.SplitAll(q.SQL)
	switch {
	case len(stmts) == 0:
		return fail(n+1, "no SQL statement after the header")
	case len(stmts) > 1:
		return fail(n+stmts[1].Line, "one statement per file, found %d", len(stmts))
	}
	used, err := parameters(q.SQL)
	if err != nil {
		return fail(n+1, "%v", err)
	}
	for _, p := range q.Params {
		if !slices.Contains(used, p.Name) {
			return fail(n+1, "param %s is declared but the SQL does not use :%s", p.Name, p.Name)
		}
	}
	for _, u := range used {
		if !slices.ContainsFunc(q.Params, func(p Param) bool { return p.Name == u }) {
			return fail(n+1, "the SQL uses :%s; declare it with \"-- param: %s = DEFAULT  (HELP)\"", u, u)
		}
	}
	return q, nil
}

// parameters returns the distinct :name parameters of a statement, skipping
// strings, quoted identifiers and comments. Other parameter forms (?, @x,
// $x) are refused: saved queries bind by :name only.
func parameters(sql string) ([]string, error) {
	var out []string
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			j := strings.IndexByte(sql[i+1:], end)
			if j < 0 {
				return nil, fmt.Errorf("unterminated %c", c)
			}
			i += j + 1 // a doubled quote is two strings in a row: same result
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return out, nil
			}
			i += j
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("unterminated /* comment")
			}
			i += j + 3
		case c == '?' || ((c == '@' || c == '$') && i+1 < len(sql) && isIdent(sql[i+1])):
			return nil, fmt.Errorf("parameter %q: use :name parameters", sql[i:min(len(sql), i+8)])
		case c == ':' && i+1 < len(sql) && isIdent(sql[i+1]):
			j := i + 1
			for j < len(sql) && isIdent(sql[j]) {
				j++
			}
			if name := sql[i+1 : j]; !slices.Contains(out, name) {
				out = append(out, name)
			}
			i = j - 1
		}
	}
	return out, nil
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
