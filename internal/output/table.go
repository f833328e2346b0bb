package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// minColumnWidth is the narrowest a column is squeezed to when fitting a
// table into the terminal; narrower columns are unreadable, so beyond that
// the row is cut off at the terminal edge instead.
const minColumnWidth = 6

// tableWriter renders each result set with go-pretty, either as an ASCII
// table or as Markdown. Rows are buffered until End because column widths
// depend on every value. NULL is shown as empty, like the sqlite3 shell.
type tableWriter struct {
	out      io.Writer
	markdown bool
	width    int // 0 = unlimited; table only

	header  table.Row
	rows    []table.Row
	numbers []bool // column has a number
	texts   []bool // column has a non-NULL non-number
	sets    int    // result sets rendered so far
}

func newTableWriter(w io.Writer, markdown bool, width int) *tableWriter {
	return &tableWriter{out: w, markdown: markdown, width: width}
}

func (t *tableWriter) Begin(columns []string) error {
	t.header = make(table.Row, len(columns))
	for i, c := range columns {
		t.header[i] = t.cell(c)
	}
	t.rows = nil
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
		row[i] = t.cell(formatText(v))
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *tableWriter) End() error {
	tw := table.NewWriter()
	tw.AppendHeader(t.header)
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
	if t.width > 0 && !t.markdown {
		t.fit(configs, style)
	}
	tw.SetColumnConfigs(configs)

	var s string
	if t.markdown {
		s = tw.RenderMarkdown()
	} else {
		s = tw.Render()
	}
	t.rows = nil // let the buffered rows go before the next result set

	if t.sets > 0 {
		// A blank line keeps consecutive Markdown tables apart.
		s = "\n" + s
	}
	t.sets++
	if _, err := io.WriteString(t.out, s+"\n"); err != nil {
		return fmt.Errorf("output: writing %s: %w", t.name(), err)
	}
	return nil
}

// fit caps column widths so the table fits in t.width: the widest columns
// give up space first and their values wrap inside the cell. If even
// minColumnWidth per column is too wide, go-pretty cuts each line at the
// width (marking it with "~") so the layout never breaks on the terminal.
func (t *tableWriter) fit(configs []table.ColumnConfig, style *table.Style) {
	style.Size.WidthMax = t.width

	n := len(t.header)
	box := style.Box
	overhead := text.StringWidth(box.Left+box.Right) +
		(n-1)*text.StringWidth(box.MiddleVertical) +
		n*text.StringWidth(box.PaddingLeft+box.PaddingRight)

	widths := make([]int, n)
	for i := range widths {
		widths[i] = text.LongestLineLen(t.header[i].(string))
		for _, row := range t.rows {
			widths[i] = max(widths[i], text.LongestLineLen(row[i].(string)))
		}
	}
	limit, ok := fairShare(widths, t.width-overhead)
	if ok {
		return
	}
	limit = max(limit, minColumnWidth)
	for i, w := range widths {
		if w > limit {
			configs[i].WidthMax = limit
		}
	}
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
