// Package output writes query results as table, CSV, JSON, JSON lines,
// Markdown or sqlite3-style "line" records.
//
// Values are what database/sql hands back from the SQLite driver: int64,
// float64, string, []byte (a BLOB), bool, time.Time or nil (NULL), plus
// JSONText for a text value the caller knows to be JSON.
//
// How values look, by format:
//   - NULL is "NULL" in table, markdown and line output (an empty string
//     stays empty, so the two differ), an empty field in CSV (CSV has no
//     NULL) and null in JSON.
//   - A BLOB is written as an SQLite blob literal, x'0a1b', in every format
//     (never its raw bytes, which could be anything).
//   - JSONText is written as JSON itself in json and jsonl, and as its
//     text elsewhere.
//
// A Writer may receive several result sets (one per statement): table,
// markdown and line output show them one after the other; json writes one
// array holding the rows of all of them; jsonl one object per line; csv
// holds one table, so the header comes once and a later result set must
// have the same columns (else Begin fails).
package output

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Format names an output format.
type Format string

// The supported formats.
const (
	Table     Format = "table"
	CSV       Format = "csv"
	JSON      Format = "json"
	JSONLines Format = "jsonl"
	Markdown  Format = "markdown"
	Line      Format = "line"
)

// Formats lists the supported formats, in the order help text shows them.
func Formats() []Format {
	return []Format{Table, CSV, JSON, JSONLines, Markdown, Line}
}

// ParseFormat returns the Format named s, in any letter case.
func ParseFormat(s string) (Format, error) {
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		if strings.EqualFold(string(f), s) {
			return f, nil
		}
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown output format %q (choose %s)", s, strings.Join(names, ", "))
}

// Options tune a Writer.
type Options struct {
	NoHeader bool // csv, table and markdown: omit the header row
	Width    int  // table only: terminal width to fit in; 0 = unlimited
	// Notice receives, once per Writer, a note for the user about how
	// the output was adapted (a table too wide for Width shown as line
	// records). nil: no notes.
	Notice func(string)
}

// JSONText is text known to hold a JSON value (an object or an array from
// a column declared JSON): json and jsonl write it as JSON, not as a
// string holding JSON.
type JSONText string

// Writer writes result sets.
type Writer interface {
	// Begin starts a result set with these column names. A Writer may
	// receive several result sets (one per statement). A result set without
	// columns (e.g. from CREATE TABLE) produces no output.
	Begin(columns []string) error
	// Row writes one row; values must match the columns given to Begin.
	Row(values []any) error
	// End finishes the current result set (table/markdown render here).
	End() error
	// Close finishes the output after the last result set (json closes
	// its array here). It must be called once, after the last End.
	Close() error
}

// New returns a Writer that writes f-formatted results to w. Unknown
// formats fall back to Table; use ParseFormat to validate user input.
func New(w io.Writer, f Format, opts Options) Writer {
	var fw Writer
	switch f {
	case CSV:
		fw = newCSVWriter(w, opts.NoHeader)
	case JSON:
		fw = newJSONWriter(w, false)
	case JSONLines:
		fw = newJSONWriter(w, true)
	case Markdown:
		fw = newTableWriter(w, true, opts)
	case Line:
		fw = newLineWriter(w)
	case JUnit:
		fw = newJUnitWriter(w)
	default:
		fw = newTableWriter(w, false, opts)
	}
	return &checked{w: fw}
}

// flushEvery is how many rows the streaming formats buffer before flushing,
// so long queries (rows arrive page by page from AWS) show progress.
const flushEvery = 1000

// checked enforces the Begin/Row/End protocol once, so the format writers
// can assume well-formed calls and skip column-less result sets.
type checked struct {
	w     Writer
	open  bool
	ncols int
}

func (c *checked) Begin(columns []string) error {
	if c.open {
		return errors.New("output: Begin called before End of the previous result set")
	}
	if len(columns) > 0 {
		if err := c.w.Begin(columns); err != nil {
			return err
		}
	}
	c.open, c.ncols = true, len(columns)
	return nil
}

func (c *checked) Row(values []any) error {
	if !c.open {
		return errors.New("output: Row called outside a result set")
	}
	if len(values) != c.ncols {
		return fmt.Errorf("output: row has %d values for %d columns", len(values), c.ncols)
	}
	if c.ncols == 0 {
		return nil
	}
	return c.w.Row(values)
}

func (c *checked) End() error {
	if !c.open {
		return errors.New("output: End called outside a result set")
	}
	c.open = false
	if c.ncols == 0 {
		return nil
	}
	return c.w.End()
}

func (c *checked) Close() error {
	if c.open {
		return errors.New("output: Close called before End")
	}
	return c.w.Close()
}

// nullText is how table, markdown and line output show NULL.
const nullText = "NULL"

// formatText renders a value for the text formats (csv, table, markdown,
// line). NULL becomes the empty string; the formats that show NULL
// differently check for nil first.
func formatText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case JSONText:
		return string(v)
	case []byte:
		return blobLiteral(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// blobLiteral writes b as SQLite writes a blob literal: x'0a1b'.
func blobLiteral(b []byte) string {
	return "x'" + hex.EncodeToString(b) + "'"
}

// isNumber reports whether v is a number, for right-aligning columns.
func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, int, int32, uint64:
		return true
	}
	return false
}

// displayText makes a value safe for a terminal or document: values come
// from AWS resources (names, descriptions, tags) that anyone with write
// access can set, and raw control characters such as ESC or a lone CR
// would restyle the terminal or break the layout. Newlines and tabs are
// kept; other control characters become U+FFFD.
func displayText(s string) string {
	if !strings.ContainsFunc(s, unsafeControl) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if unsafeControl(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

func unsafeControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
}
