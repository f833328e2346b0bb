package vtab

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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

var (
	endpointIDPattern   = regexp.MustCompile(`^cvpn-endpoint-[0-9a-f]{17}$`)
	connectionIDPattern = regexp.MustCompile(`^cvpn-connection-[0-9a-f]{17}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
)

func checkEndpointID(column, v string) error {
	if !endpointIDPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not a Client VPN endpoint id (they look like 'cvpn-endpoint-0123456789abcdef0')", column, quote(v))
	}
	return nil
}

func checkConnectionID(column, v string) error {
	if !connectionIDPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not a Client VPN connection id (they look like 'cvpn-connection-0123456789abcdef0')", column, quote(v))
	}
	return nil
}

func checkRegion(column, v string) error {
	if !regionPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not an AWS region name (like 'us-east-1')", column, quote(v))
	}
	return nil
}

func checkUsername(column, v string) error {
	if v == "" || len(v) > 1024 || strings.ContainsAny(v, "\x00") {
		return fmt.Errorf("%s %s cannot be a Client VPN username", column, quote(v))
	}
	return nil
}

// quote shows a user's value in an error message: shortened if long, and
// Go-quoted if it holds bytes a terminal should not see raw.
func quote(v string) string {
	const max = 60
	suffix := ""
	if len(v) > max {
		suffix = fmt.Sprintf("…' (%d bytes)", len(v))
		v = strings.ToValidUTF8(v[:max], "")
	}
	if !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		v = strings.Trim(strconv.QuoteToGraphic(v), `"`)
	}
	if suffix != "" {
		return "'" + v + suffix
	}
	return "'" + v + "'"
}
