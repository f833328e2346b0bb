package output

import (
	"encoding/csv"
	"fmt"
	"io"
)

// csvWriter streams RFC 4180 CSV (quoting per the RFC, but "\n" line
// endings like most Unix tools; encoding/csv reads both). Several result
// sets are simply concatenated, each with its own header, as sqlite3 does.
type csvWriter struct {
	w        *csv.Writer
	noHeader bool
	record   []string // reused for every row to keep memory constant
	pending  int      // rows written since the last flush
}

func newCSVWriter(w io.Writer, noHeader bool) *csvWriter {
	return &csvWriter{w: csv.NewWriter(w), noHeader: noHeader}
}

func (c *csvWriter) Begin(columns []string) error {
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
