package output

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// minTextWidth is the narrowest a column of free text is cut to when
// fitting a table into the terminal; narrower is unreadable.
const minTextWidth = 12

// minHeaderWidth is the narrowest a column name is broken down to.
const minHeaderWidth = 10

// tableWriter renders each result set with go-pretty, either as an ASCII
// table or as Markdown. Rows are buffered until End because column widths
// depend on every value. NULL is shown as NULL, an empty string as nothing.
//
// Fitting a table into the terminal (Width > 0) never breaks a value that
// is one word (an id, a number, an IP address, a time): only free text (a
// value with spaces, or JSON) gives up space, cut with "…". If the words
// alone are too wide, the result set is shown as line records instead
// (like psql's \x auto), and Notice says so once.
type tableWriter struct {
	out      io.Writer
	markdown bool
	opts     Options
	noticed  bool

	header  table.Row
	rows    []table.Row
	numbers []bool // column has a number
	texts   []bool // column has a non-NULL non-number
	raw     [][]any
	sets    int // result sets rendered so far
}

func newTableWriter(w io.Writer, markdown bool, opts Options) *tableWriter {
	if markdown {
		opts.Width = 0
	}
	return &tableWriter{out: w, markdown: markdown, opts: opts}
}

func (t *tableWriter) Begin(columns []string) error {
	t.header = make(table.Row, len(columns))
	for i, c := range columns {
		t.header[i] = t.cell(c)
	}
	t.rows, t.raw = nil, nil
	t.numbers = make([]bool, len(columns))
	t.texts = make([]bool, len(columns))
	return nil
}

func (t *tableWriter) Row(values []any) error {
	row := make(table.Row, len(values))
	for i, v := range values {
		switch {
		case isNumber(v):
			t.numbers[i] = true
		case v != nil:
			t.texts[i] = true
		}
		// Pass strings, not values, so every format shows numbers the same
		// way and go-pretty does not reformat them.
		if v == nil {
			row[i] = nullText
		} else {
			row[i] = t.cell(formatText(v))
		}
	}
	t.rows = append(t.rows, row)
	if t.opts.Width > 0 {
		// Kept for line records, should the table not fit.
		t.raw = append(t.raw, slices.Clone(values))
	}
	return nil
}

func (t *tableWriter) End() error {
	if t.opts.Width > 0 && !t.fit() {
		return t.asLines()
	}
	tw := table.NewWriter()
	if !t.opts.NoHeader {
		tw.AppendHeader(t.header)
	}
	tw.AppendRows(t.rows)
	style := tw.Style()
	style.Format.Header = text.FormatDefault // keep column names as typed

	configs := make([]table.ColumnConfig, len(t.header))
	for i := range configs {
		// Set explicitly: go-pretty's own guess calls every column of an
		// empty result numeric.
		align := text.AlignLeft
		if t.numbers[i] && !t.texts[i] {
			align = text.AlignRight
		}
		configs[i] = table.ColumnConfig{Number: i + 1, Align: align, AlignHeader: align}
	}
	tw.SetColumnConfigs(configs)

	var s string
	if t.markdown {
		s = tw.RenderMarkdown()
	} else {
		s = tw.Render()
	}
	t.rows, t.raw = nil, nil // let the buffered rows go before the next result set
	return t.write(s)
}

func (t *tableWriter) Close() error { return nil }

func (t *tableWriter) write(s string) error {
	if t.sets > 0 {
		// A blank line keeps consecutive tables apart.
		s = "\n" + s
	}
	t.sets++
	if _, err := io.WriteString(t.out, s+"\n"); err != nil {
		return fmt.Errorf("output: writing %s: %w", t.name(), err)
	}
	return nil
}

// asLines writes the buffered result set as line records.
func (t *tableWriter) asLines() error {
	if !t.noticed && t.opts.Notice != nil {
		t.noticed = true
		t.opts.Notice(fmt.Sprintf("the table is wider than the terminal (%d columns): rows shown as column = value records",
			t.opts.Width))
	}
	var b strings.Builder
	lw := newLineWriter(&b)
	names := make([]string, len(t.header))
	for i, h := range t.header {
		names[i] = h.(string)
	}
	if err := lw.Begin(names); err != nil {
		return err
	}
	for _, r := range t.raw {
		if err := lw.Row(r); err != nil {
			return err
		}
	}
	if err := lw.End(); err != nil {
		return err
	}
	t.rows, t.raw = nil, nil
	return t.write(strings.TrimSuffix(b.String(), "\n"))
}

// fit makes the buffered table fit in Width by cutting free text, and
// reports whether it fits. One-word values are never cut or wrapped.
func (t *tableWriter) fit() bool {
	n := len(t.header)
	box := table.StyleDefault.Box
	overhead := text.StringWidth(box.Left+box.Right) +
		(n-1)*text.StringWidth(box.MiddleVertical) +
		n*text.StringWidth(box.PaddingLeft+box.PaddingRight)
	budget := t.opts.Width - overhead

	widths := make([]int, n) // as rendered
	floors := make([]int, n) // the narrowest each column can be
	for i := range widths {
		// A column name is a label, not a value anyone copies: it may
		// break over lines, down to minHeaderWidth.
		widths[i] = text.LongestLineLen(t.header[i].(string))
		floors[i] = min(widths[i], minHeaderWidth)
		for _, row := range t.rows {
			s := row[i].(string)
			w := text.LongestLineLen(s)
			widths[i] = max(widths[i], w)
			if freeText(s) {
				w = min(w, minTextWidth)
			}
			floors[i] = max(floors[i], w)
		}
	}
	if _, ok := fairShare(widths, budget); ok {
		return true
	}
	floorSum := 0
	for _, f := range floors {
		floorSum += f
	}
	if floorSum > budget {
		return false
	}
	// Cut the columns of free text, the widest first, to a common limit;
	// a column's words keep it at least at its floor.
	var flexible []int
	for i := range widths {
		if widths[i] > floors[i] {
			flexible = append(flexible, i)
		}
	}
	rest := budget
	var want []int
	for i := range widths {
		if widths[i] > floors[i] {
			want = append(want, widths[i])
		} else {
			rest -= widths[i]
		}
	}
	limit, _ := fairShare(want, rest)
	for ; limit > 0; limit-- { // floors may push the shares back over
		used := 0
		for _, i := range flexible {
			used += max(min(widths[i], limit), floors[i])
		}
		if used <= rest {
			break
		}
	}
	for _, i := range flexible {
		w := max(limit, floors[i])
		if w >= widths[i] {
			continue
		}
		for _, row := range t.rows {
			if s := row[i].(string); freeText(s) {
				row[i] = cut(s, w)
			}
		}
		t.header[i] = breakLines(t.header[i].(string), w)
	}
	return true
}

// breakLines breaks each line of s into lines at most w columns wide.
func breakLines(s string, w int) string {
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := text.RuneWidth(r)
		if r == '\n' {
			used = 0
		} else if used+rw > w {
			b.WriteByte('\n')
			used = 0
		}
		b.WriteRune(r)
		if r != '\n' {
			used += rw
		}
	}
	return b.String()
}

// freeText says whether a value may be cut to fit: text with spaces or
// line breaks, or JSON. A single word (an id, a number, an address, a
// time) is never cut: it would not be copyable any more.
func freeText(s string) bool {
	return strings.ContainsFunc(s, unicode.IsSpace) || strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// cut shortens each line of s to at most w columns, marking a cut with "…".
func cut(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if text.StringWidth(l) <= w {
			continue
		}
		var b strings.Builder
		used := 0
		for _, r := range l {
			rw := text.RuneWidth(r)
			if used+rw > w-1 {
				break
			}
			b.WriteRune(r)
			used += rw
		}
		lines[i] = b.String() + "…"
	}
	return strings.Join(lines, "\n")
}

// fairShare returns the largest per-column limit such that the columns,
// each shrunk to at most limit, fit in budget; ok is true if they fit
// without shrinking.
func fairShare(widths []int, budget int) (limit int, ok bool) {
	sorted := slices.Sorted(slices.Values(widths))
	for i, w := range sorted {
		share := budget / (len(sorted) - i)
		if w > share {
			return share, false
		}
		budget -= w
	}
	return 0, true
}

// cell prepares a value for go-pretty. Tabs are expanded here, as go-pretty
// would, so fit measures what is actually drawn.
func (t *tableWriter) cell(s string) string {
	return strings.ReplaceAll(displayText(s), "\t", "    ")
}

func (t *tableWriter) name() string {
	if t.markdown {
		return "markdown"
	}
	return "table"
}
