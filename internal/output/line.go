package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/text"
)

// lineWriter writes each row as "column = value" lines like sqlite3's
// ".mode line": names right-aligned to the widest, rows separated by a
// blank line (also between result sets), NULL shown as NULL.
type lineWriter struct {
	out   *bufio.Writer
	names []string     // column names, padded to the widest
	rows  int          // rows written by this Writer, across result sets
	buf   bytes.Buffer // one row, written in a single call
}

func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{out: bufio.NewWriter(w)}
}

func (l *lineWriter) Begin(columns []string) error {
	l.names = make([]string, len(columns))
	width := 0
	for i, c := range columns {
		l.names[i] = displayText(c)
		width = max(width, text.StringWidth(l.names[i]))
	}
	for i, n := range l.names {
		// Pad by display width so wide (CJK) names line up too.
		l.names[i] = strings.Repeat(" ", width-text.StringWidth(n)) + n
	}
	return nil
}

func (l *lineWriter) Row(values []any) error {
	l.buf.Reset()
	if l.rows > 0 {
		l.buf.WriteByte('\n')
	}
	for i, v := range values {
		l.buf.WriteString(l.names[i])
		l.buf.WriteString(" = ")
		if v == nil {
			l.buf.WriteString(nullText)
		} else {
			l.buf.WriteString(displayText(formatText(v)))
		}
		l.buf.WriteByte('\n')
	}
	if _, err := l.out.Write(l.buf.Bytes()); err != nil {
		return fmt.Errorf("output: writing lines: %w", err)
	}
	if l.rows++; l.rows%flushEvery == 0 {
		return l.flush()
	}
	return nil
}

func (l *lineWriter) End() error { return l.flush() }

func (l *lineWriter) Close() error { return nil }

func (l *lineWriter) flush() error {
	if err := l.out.Flush(); err != nil {
		return fmt.Errorf("output: writing lines: %w", err)
	}
	return nil
}
