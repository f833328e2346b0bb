package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// jsonWriter streams rows as one JSON array of objects, laid out like
// sqlite3's ".mode json" (one object per line), or, for JSON lines, as one
// bare object per line. The rows of every result set go into the one array
// (each object has its own statement's keys), so the output is one valid
// JSON document however many statements ran. Objects are written by hand
// so keys keep the column order; values go through encoding/json.
type jsonWriter struct {
	out    *bufio.Writer
	lines  bool     // JSON lines instead of an array
	keys   [][]byte // `"column":` for each column, encoded once per result set
	obj    bytes.Buffer
	enc    *json.Encoder // encodes into obj
	rows   int           // rows written, across result sets
	opened bool          // the array's "[" is written
}

func newJSONWriter(w io.Writer, lines bool) *jsonWriter {
	j := &jsonWriter{out: bufio.NewWriter(w), lines: lines}
	j.enc = json.NewEncoder(&j.obj)
	// Values are data, not HTML: keep <, > and & readable.
	j.enc.SetEscapeHTML(false)
	return j
}

func (j *jsonWriter) Begin(columns []string) error {
	j.keys = make([][]byte, len(columns))
	for i, c := range columns {
		j.obj.Reset()
		if err := j.encode(c); err != nil {
			return err
		}
		j.keys[i] = append(bytes.Clone(j.obj.Bytes()), ':')
	}
	if j.lines || j.opened {
		return nil
	}
	j.opened = true
	return j.write([]byte{'['})
}

func (j *jsonWriter) Row(values []any) error {
	j.obj.Reset()
	if !j.lines && j.rows > 0 {
		j.obj.WriteString(",\n")
	}
	j.obj.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			j.obj.WriteByte(',')
		}
		j.obj.Write(j.keys[i])
		if err := j.value(v); err != nil {
			return err
		}
	}
	j.obj.WriteByte('}')
	if j.lines {
		j.obj.WriteByte('\n')
	}
	if err := j.write(j.obj.Bytes()); err != nil {
		return err
	}
	if j.rows++; j.rows%flushEvery == 0 {
		return j.flush()
	}
	return nil
}

func (j *jsonWriter) End() error { return j.flush() }

// Close ends the array. JSON lines have nothing to close.
func (j *jsonWriter) Close() error {
	if j.lines || !j.opened { // no statement returned columns: nothing to write
		return nil
	}
	if err := j.write([]byte("]\n")); err != nil {
		return err
	}
	return j.flush()
}

// value appends v to obj as JSON.
func (j *jsonWriter) value(v any) error {
	switch v := v.(type) {
	case nil:
		j.obj.WriteString("null")
	case int64:
		// Written directly so integers beyond 2^53 stay exact.
		j.obj.Write(strconv.AppendInt(j.obj.AvailableBuffer(), v, 10))
	case float64:
		switch {
		case math.IsNaN(v):
			j.obj.WriteString("null")
		case math.IsInf(v, 0):
			// JSON has no infinity; SQLite's own json functions write
			// ±9e999, which parses back to ±Inf in most readers.
			if v < 0 {
				j.obj.WriteByte('-')
			}
			j.obj.WriteString("9e999")
		default:
			return j.encode(v)
		}
	case []byte:
		return j.encode(blobLiteral(v))
	case JSONText:
		if !json.Valid([]byte(v)) {
			return j.encode(string(v)) // not JSON after all: keep it as text
		}
		// Compact, so that JSON lines stay one line per object.
		if err := json.Compact(&j.obj, []byte(v)); err != nil {
			return fmt.Errorf("output: writing json: %w", err)
		}
	default:
		return j.encode(v)
	}
	return nil
}

// encode appends v to obj using encoding/json, minus the Encoder's newline.
func (j *jsonWriter) encode(v any) error {
	if err := j.enc.Encode(v); err != nil {
		return fmt.Errorf("output: encoding %T as json: %w", v, err)
	}
	j.obj.Truncate(j.obj.Len() - 1)
	return nil
}

func (j *jsonWriter) write(b []byte) error {
	if _, err := j.out.Write(b); err != nil {
		return fmt.Errorf("output: writing json: %w", err)
	}
	return nil
}

func (j *jsonWriter) flush() error {
	if err := j.out.Flush(); err != nil {
		return fmt.Errorf("output: writing json: %w", err)
	}
	return nil
}
