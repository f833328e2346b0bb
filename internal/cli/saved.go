package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/queries"
)

// The saved audit queries of package queries, from the command line
// ("vpnsql queries [NAME]") and the prompt (.queries, .run).

// savedRun is a saved query ready to run: its statement and bound
// parameters.
type savedRun struct {
	name string
	sql  string
	args []any
}

// prepareSaved finds the saved query name and binds params (the others
// keep their defaults). An unknown query's error lists the close names; an
// unknown parameter's, the valid ones.
func prepareSaved(name string, params map[string]string) (*savedRun, error) {
	q, err := queries.Get(name)
	if err != nil {
		return nil, fmt.Errorf("%w (vpnsql queries lists them)", err)
	}
	args, err := q.Args(params)
	if err != nil {
		return nil, err
	}
	return &savedRun{name: q.Name, sql: q.SQL, args: args}, nil
}

// queriesCommand lists the saved queries, or prints one with --show.
func (a *app) queriesCommand() (err error) {
	var q queries.Query
	if a.cfg.Show {
		if q, err = queries.Get(a.cfg.QueryName); err != nil {
			return &UsageError{Err: fmt.Errorf("%w (vpnsql queries lists them)", err)}
		}
	}
	out, finishOut, err := a.openOutput()
	if err != nil {
		return err
	}
	defer func() {
		if ferr := finishOut(err); err == nil {
			err = ferr
		}
	}()
	if a.cfg.Show {
		_, err = io.WriteString(out, showQuery(q))
		return err
	}
	return listQueries(a.writer(out, a.cfg.Format, nil))
}

// listQueries writes the saved queries as one result set: name, title,
// the question it answers, and parameters with their defaults.
func listQueries(w output.Writer) error {
	if err := w.Begin([]string{"name", "title", "answers", "parameters"}); err != nil {
		return err
	}
	for _, q := range queries.All() {
		if err := w.Row([]any{q.Name, q.Title, q.Answers, paramList(q)}); err != nil {
			return err
		}
	}
	if err := w.End(); err != nil {
		return err
	}
	return w.Close()
}

func paramList(q queries.Query) string {
	var ps []string
	for _, p := range q.Params {
		ps = append(ps, p.Name+"="+p.Default)
	}
	return strings.Join(ps, ", ")
}

// showQuery is the saved query as its file has it: the header (title, the
// question it answers, its parameters) and the statement.
func showQuery(q queries.Query) string {
	var b strings.Builder
	b.WriteString(wrapComment("-- title: ", q.Title))
	b.WriteString(wrapComment("-- answers: ", q.Answers))
	for _, p := range q.Params {
		fmt.Fprintf(&b, "-- param: %s = %s  (%s)\n", p.Name, p.Default, p.Help)
	}
	b.WriteString("\n")
	b.WriteString(strings.TrimRight(q.SQL, "\n"))
	b.WriteString("\n")
	return b.String()
}

// wrapComment writes text after prefix, wrapped at 80 columns, continuation
// lines indented as the query files have them ("--" and spaces).
func wrapComment(prefix, text string) string {
	var b strings.Builder
	indent := "--" + strings.Repeat(" ", len(prefix)-2)
	line := prefix
	empty := true
	for _, w := range strings.Fields(text) {
		if !empty && len(line)+1+len(w) > 80 {
			b.WriteString(line + "\n")
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	b.WriteString(line + "\n")
	return b.String()
}

// parseRunArgs reads the arguments of .run: NAME, then NAME=VALUE pairs.
// A value may be quoted with ' or " to hold spaces (now='2026-11-26 12:00').
func parseRunArgs(line string) (name string, params map[string]string, err error) {
	words, err := splitWords(line)
	if err != nil {
		return "", nil, err
	}
	if len(words) == 0 {
		return "", nil, fmt.Errorf("usage: .run NAME [PARAM=VALUE]... (.queries lists the saved queries)")
	}
	name = words[0]
	for _, w := range words[1:] {
		k, v, ok := strings.Cut(w, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return "", nil, fmt.Errorf(".run: %q: want PARAM=VALUE", w)
		}
		if params == nil {
			params = map[string]string{}
		}
		if _, dup := params[k]; dup {
			return "", nil, fmt.Errorf(".run: parameter %s given twice", k)
		}
		params[k] = v
	}
	return name, params, nil
}

// splitWords splits s at spaces outside quotes; quotes (' or ") group and
// are removed, as in a shell without escapes.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
