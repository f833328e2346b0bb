package vtab

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// pushdown is a column whose = and IN constraints go to the API.
type pushdown struct {
	column int
	// omit tells SQLite not to re-check the constraint: true only where
	// every row echoes the value it was fetched for.
	omit bool
	// check validates one value before any request is sent.
	check func(column, value string) error
}

// planPushdown claims the first usable = or IN constraint on each pushdown
// column, in order, and names them in IdxStr (shown by EXPLAIN QUERY PLAN,
// read back by bindPushdown). It reports which columns it claimed.
func planPushdown(info *sqlite.IndexInfo, columns []sqlite.Column, specs []pushdown) map[int]bool {
	used := map[int]bool{}
	var names []string
	for _, spec := range specs {
		for i, c := range info.Constraints {
			// The API compares exactly; a NOCASE or other collation is
			// SQLite's to apply.
			if c.Column != spec.column || !c.Usable || c.Op != sqlite.OpEQ || !strings.EqualFold(c.Collation, "BINARY") {
				continue
			}
			names = append(names, columns[spec.column].Name)
			info.Constraints[i].ArgvIndex = len(names)
			info.Constraints[i].Omit = spec.omit
			used[spec.column] = true
			break
		}
	}
	info.IdxStr = strings.Join(names, ",")
	return used
}

// bound holds the text values given to each pushed-down column.
type bound struct {
	values map[int][]string
	// empty: some pushed-down column can match nothing (NULL or an empty
	// IN list), so the scan has no rows and needs no request.
	empty bool
}

// bindPushdown reads Filter's arguments back into values per column,
// converting them as SQLite would compare them with a TEXT column and
// validating each one.
func bindPushdown(idxStr string, args [][]any, columns []sqlite.Column, specs []pushdown) (bound, error) {
	b := bound{values: map[int][]string{}}
	if idxStr == "" {
		return b, nil
	}
	for k, name := range strings.Split(idxStr, ",") {
		i := slices.IndexFunc(specs, func(p pushdown) bool { return columns[p.column].Name == name })
		if i < 0 || k >= len(args) {
			return b, fmt.Errorf("internal error: plan %q does not match its arguments", idxStr)
		}
		spec := specs[i]
		var values []string
		unfiltered := false
		for _, v := range args[k] {
			s, cmp := textValue(v)
			switch {
			case cmp == never:
				continue
			case cmp == hostDependent && !spec.omit:
				// SQLite re-checks this column: ask the API without its
				// filter and let SQLite compare.
				unfiltered = true
				continue
			}
			if err := spec.check(name, s); err != nil {
				return b, err
			}
			if !slices.Contains(values, s) {
				values = append(values, s)
			}
		}
		switch {
		case unfiltered:
			continue
		case len(values) == 0:
			b.empty = true
		}
		b.values[spec.column] = values
	}
	return b, nil
}

// comparison says how a value compares with a TEXT column's values.
type comparison int

const (
	// asText: as its text (TEXT, and INTEGER, whose text SQLite spells as
	// strconv does).
	asText comparison = iota
	// never: equal to no TEXT value (NULL, and BLOB, which SQLite orders
	// after every TEXT value and never converts under TEXT affinity).
	never
	// hostDependent: as its text, but the spelling of that text depends on
	// the host's SQLite (REAL: 3.40 writes 15 significant digits, newer
	// versions the shortest that round-trips), so it can only be compared
	// by SQLite itself. Its Go spelling is given for checking and messages.
	hostDependent
)

// textValue is v as SQLite compares it with a TEXT column (the column's
// TEXT affinity applies to the other operand: INTEGER and REAL become
// text, BLOB stays BLOB).
func textValue(v any) (string, comparison) {
	switch v := v.(type) {
	case string:
		return v, asText
	case int64:
		return strconv.FormatInt(v, 10), asText
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), hostDependent
	default:
		return "", never
	}
}
