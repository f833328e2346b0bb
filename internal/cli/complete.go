package cli

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/vpnsql/vpnsql/queries"
	"github.com/vpnsql/vpnsql/vtab"
)

// sqlKeywords are the keywords Tab offers, the ones a query over these
// tables mostly needs.
var sqlKeywords = []string{"SELECT", "FROM", "WHERE", "JOIN", "LEFT", "ON", "USING", "GROUP", "BY", "ORDER",
	"HAVING", "LIMIT", "OFFSET", "DISTINCT", "AS", "AND", "OR", "NOT", "NULL", "IS", "IN", "LIKE", "BETWEEN",
	"CASE", "WHEN", "THEN", "ELSE", "END", "WITH", "UNION", "EXISTS", "CREATE", "TABLE", "TEMP", "VIEW",
	"INSERT", "INTO", "VALUES", "DELETE", "UPDATE", "SET", "ATTACH", "DATABASE", "EXPLAIN", "QUERY", "PLAN",
	"ASC", "DESC", "COLLATE", "NOCASE"}

// completer is the prompt's Tab completion: dot commands at the start of
// a line, saved query names after .run, table names after .schema,
// .describe and .tables, and otherwise table, column and function names
// and keywords. Names are matched in any case; the live database is asked
// each time, so new tables and columns are offered at once.
type completer struct{ p *prompt }

// Do implements readline.AutoCompleter: the candidates are what would
// follow the word before the cursor, and the word's length.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	head := string(line[:pos])
	start := len(head)
	for start > 0 {
		r := rune(head[start-1])
		if !(r == '_' || r == '.' || r >= 0x80 || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			break
		}
		start--
	}
	word := head[start:]
	before := strings.TrimLeft(head[:start], " \t")
	var cands []string
	switch {
	case before == "" && strings.HasPrefix(word, "."):
		for _, d := range dotCommands {
			cands = append(cands, d+" ")
		}
	case before == ".run ":
		for _, q := range queries.All() {
			cands = append(cands, q.Name)
		}
	case before == ".schema " || before == ".describe " || before == ".tables ":
		cands, _ = c.p.tableNames(context.Background(), "")
	default:
		cands = c.sqlNames(word)
	}
	var out [][]rune
	for _, cand := range cands {
		if len(cand) > len(word) && strings.EqualFold(cand[:len(word)], word) {
			out = append(out, []rune(cand[len(word):]))
		}
	}
	if len(out) == 1 && !strings.HasSuffix(string(out[0]), " ") {
		out[0] = append(out[0], ' ') // a whole word: on to the next
	}
	return out, len([]rune(word))
}

// sqlNames are the names that may continue word in SQL: tables and their
// columns (vpnsql's and the user's), functions, keywords (in the case
// word is typed in).
func (c *completer) sqlNames(word string) []string {
	ctx := context.Background()
	var names []string
	for _, t := range vtab.Tables() {
		names = append(names, t.Name)
		for _, col := range t.Columns {
			names = append(names, col.Name)
		}
	}
	user, _ := c.p.strings(ctx, `SELECT t.name FROM sqlite_schema AS t WHERE t.type IN ('table', 'view')
		UNION SELECT c.name FROM sqlite_schema AS t, pragma_table_info(t.name) AS c WHERE t.type IN ('table', 'view')
		UNION SELECT t.name FROM temp.sqlite_schema AS t WHERE t.type IN ('table', 'view')
		UNION SELECT c.name FROM temp.sqlite_schema AS t, pragma_table_info(t.name, 'temp') AS c
		 WHERE t.type IN ('table', 'view')
		UNION SELECT name FROM pragma_function_list`)
	names = append(names, user...)
	upper := word != "" && word == strings.ToUpper(word)
	for _, k := range sqlKeywords {
		if !upper {
			k = strings.ToLower(k)
		}
		names = append(names, k)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
