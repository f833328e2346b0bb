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
		for _, v := range args[k] {
			s, ok := textValue(v)
			if !ok {
				continue // NULL never compares equal
			}
			if err := spec.check(name, s); err != nil {
				return b, err
			}
			if !slices.Contains(values, s) {
				values = append(values, s)
			}
		}
		if len(values) == 0 {
			b.empty = true
		}
		b.values[spec.column] = values
	}
	return b, nil
}

// textValue is v as SQLite compares it with a TEXT column; false for NULL.
func textValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	default:
		return "", false
	}
}
