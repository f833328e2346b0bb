package cli

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/vtab"
)

// runner runs statements on one connection, so that temp tables, attached
// databases and PRAGMAs last from one statement to the next.
type runner struct {
	conn   *sql.Conn
	svc    *clientvpn.Service // for the warnings and progress of each statement
	stderr *os.File           // receives warnings
	view   *progressView      // the progress display; nil unless stderr is a terminal
}

// exec runs one statement with args bound to its parameters. If it returns
// columns, its rows go to w as one result set; otherwise it just runs.
// Nothing is written for a statement that fails before its first row, so
// an error never leaves an empty table behind; rows that did arrive before
// an error are written. Afterwards the warnings the statement caused are
// printed on stderr, one line each.
func (r *runner) exec(ctx context.Context, w output.Writer, stmt string, args ...any) (err error) {
	if r.svc == nil {
		return r.query(ctx, w, stmt, args)
	}
	mark := r.svc.WarningSeq()
	r.view.begin(mentionsAWS(stmt))
	err = r.query(ctx, w, stmt, args)
	r.view.end()
	r.printWarnings(mark, err)
	return err
}

// printWarnings prints the warnings recorded since mark as lines
// "vpnsql: warning: …". After a failed statement, warnings its error
// already reports (strict mode, or every region failing) are left out.
func (r *runner) printWarnings(mark int64, stmtErr error) {
	for _, wn := range r.svc.Warnings(mark) {
		if stmtErr != nil && reportedIn(stmtErr, wn) {
			continue
		}
		fmt.Fprintf(r.stderr, "vpnsql: warning: %s\n", oneLine(wn.String()))
	}
}

// reportedIn says whether err already tells about wn: it names wn's region
// and its AWS code (or message).
func reportedIn(err error, wn clientvpn.Warning) bool {
	msg := err.Error()
	what := wn.Code
	if what == "" {
		what = wn.Message
	}
	return strings.Contains(msg, wn.Region) && strings.Contains(msg, what)
}

// query runs stmt and writes its rows to w (see exec).
func (r *runner) query(ctx context.Context, w output.Writer, stmt string, args []any) (err error) {
	rows, err := r.conn.QueryContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	json := jsonColumns(cols, types)
	values := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range values {
		dest[i] = &values[i]
	}
	begun := false
	for rows.Next() {
		if !begun {
			if err := w.Begin(cols); err != nil {
				return err
			}
			begun = true
		}
		if err := rows.Scan(dest...); err != nil {
			return errors.Join(err, w.End())
		}
		for _, i := range json {
			if s, ok := values[i].(string); ok {
				values[i] = output.JSONText(s)
			}
		}
		if err := w.Row(values); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		if begun {
			// Show what arrived; the error follows on stderr.
			if werr := w.End(); werr != nil {
				return errors.Join(err, werr)
			}
		}
		return err
	}
	if !begun {
		if err := w.Begin(cols); err != nil {
			return err
		}
	}
	return w.End()
}

// jsonNames are the columns vpnsql's tables declare JSON.
var jsonNames = func() map[string]bool {
	names := map[string]bool{}
	for _, t := range vtab.Tables() {
		for _, c := range t.Columns {
			if c.JSON {
				names[c.Name] = true
			}
		}
	}
	return names
}()

// jsonColumns returns the result columns whose text is written as JSON in
// -o json and jsonl: those with the name of a column a vpnsql table
// declares JSON (status, postureComplianceStatusSet, tagSet, …) that come
// straight from a table column (SQLite reports a declared type, TEXT; an
// expression has none). The writer keeps a value that does not parse as
// JSON a string. So "SELECT status" gives an object, "status->>'code'" or
// "upper(status)" a string.
func jsonColumns(cols []string, types []*sql.ColumnType) []int {
	var idx []int
	for i, c := range cols {
		if jsonNames[c] && strings.EqualFold(types[i].DatabaseTypeName(), "TEXT") {
			idx = append(idx, i)
		}
	}
	return idx
}

type line struct {
	text string
	err  error // io.EOF with the last (possibly empty) piece of text
}

// readLines reads rd line by line on its own goroutine, which ends after
// the first error. The channel is unbuffered: at most one line is read
// ahead of the statements being run.
func readLines(rd io.Reader) <-chan line {
	ch := make(chan line)
	go func() {
		br := bufio.NewReader(rd)
		for {
			text, err := br.ReadString('\n')
			ch <- line{text: text, err: err}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

func locate(in input, line int, err error) error {
	if where := in.where(line); where != "" {
		return &locatedError{where: where, err: err}
	}
	return err
}
