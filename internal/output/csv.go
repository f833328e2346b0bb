package output

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

// csvWriter streams RFC 4180 CSV (quoting per the RFC, but "\n" line
// endings like most Unix tools; encoding/csv reads both). A CSV file is
// one table: the header is written once, and a later result set is
// appended only if it has the same columns, for the reader would otherwise
// take its header for a row (sqlite3 writes it anyway).
type csvWriter struct {
	w        *csv.Writer
	noHeader bool
	columns  []string // of the first result set
	sets     int      // result sets begun
	record   []string // reused for every row to keep memory constant
	pending  int      // rows written since the last flush
}

func newCSVWriter(w io.Writer, noHeader bool) *csvWriter {
	return &csvWriter{w: csv.NewWriter(w), noHeader: noHeader}
}

func (c *csvWriter) Begin(columns []string) error {
	c.sets++
	if c.sets > 1 {
		if !slices.Equal(columns, c.columns) {
			return fmt.Errorf("csv holds one table: statement %d returns the columns (%s), not the (%s) of the first; "+
				"run it separately or use -o jsonl", c.sets, strings.Join(columns, ", "), strings.Join(c.columns, ", "))
		}
		return nil
	}
	c.columns = slices.Clone(columns)
	c.record = make([]string, len(columns))
	if c.noHeader {
		return nil
	}
	return c.write(columns)
}

func (c *csvWriter) Row(values []any) error {
	for i, v := range values {
		c.record[i] = formatText(v)
	}
	if err := c.write(c.record); err != nil {
		return err
	}
	if c.pending++; c.pending >= flushEvery {
		return c.flush()
	}
	return nil
}

func (c *csvWriter) End() error { return c.flush() }

func (c *csvWriter) Close() error { return nil }

func (c *csvWriter) write(record []string) error {
	if err := c.w.Write(record); err != nil {
		return fmt.Errorf("output: writing csv: %w", err)
	}
	return nil
}

func (c *csvWriter) flush() error {
	c.pending = 0
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("output: writing csv: %w", err)
	}
	return nil
}
