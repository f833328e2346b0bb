package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/vtab"
)

const dotHelp = `.check [--control ID]... [--tag TAG]... [CONTROL.PARAM=VALUE]...
                         run the security controls (all by default), as vpnsql check
.describe TABLE           list TABLE's columns: name, type, and for vpnsql's tables what each holds
.exit [N], .quit         leave (with exit status N); Ctrl-D on an empty line does too
.headers on|off          show or omit the header row (table, markdown, csv)
.help                    show this help
.mode [FORMAT]           show or set the output format: %s
.output [FILE|stdout]    send results to FILE (truncated first), or back to standard output
.queries                 list the saved audit queries and their parameters
.run NAME [P=VALUE]...   run a saved query, setting its parameters P (quote values
                         with spaces: .run long_sessions now='2026-11-26 12:00')
.schema [TABLE]          show CREATE statements (temp.TABLE for a temp table); for
                         vpnsql's tables, their columns and what each holds
.tables [PATTERN]        list tables and views, optionally only those LIKE PATTERN
.timer on|off            show how long each statement takes
Dot commands work in scripts too (files, standard input), on a line of their own.
At the prompt, Tab completes table, column and function names, dot commands and
saved query names; Ctrl-C cancels a running statement, or clears the line being typed.
`

// dotCommands are the commands dotHelp lists, for completion.
var dotCommands = []string{".describe", ".exit", ".headers", ".help", ".mode", ".output", ".queries",
	".quit", ".run", ".schema", ".tables", ".timer"}

// liveTables names the tables vpnsql declares, as a JSON array for SQL.
var liveTables = func() string {
	var names []string
	for _, t := range vtab.Tables() {
		names = append(names, t.Name)
	}
	b, _ := json.Marshal(names)
	return string(b)
}()

// dot runs a dot command; .quit and .exit set p.quit. A script's open
// writer is closed first: the command may change the output or print.
func (p *prompt) dot(line string) (err error) {
	cmd, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	ctx := context.Background()
	if p.ctx != nil {
		ctx = p.ctx
	}
	if err := p.finish(); err != nil {
		return err
	}
	switch cmd {
	case ".quit", ".exit":
		code := 0
		if arg != "" {
			n, cerr := strconv.Atoi(arg)
			if cerr != nil || n < 0 || n > 255 {
				return fmt.Errorf("usage: %s [N], N an exit status from 0 to 255", cmd)
			}
			code = n
		}
		p.quit, p.exitCode = true, code
	case ".help":
		_, err = fmt.Fprintf(p.out, dotHelp, formatNames())
	case ".tables":
		err = p.tables(ctx, arg)
	case ".schema":
		err = p.schema(ctx, arg)
	case ".describe":
		err = p.describe(ctx, arg)
	case ".mode":
		if arg == "" {
			_, err = fmt.Fprintf(p.out, "current output mode: %s\n", p.format)
			break
		}
		f, perr := output.ParseFormat(arg)
		if perr != nil {
			return fmt.Errorf(".mode: %w", perr)
		}
		p.format = f
	case ".output":
		err = p.setOutput(unquote(arg))
	case ".queries":
		err = listQueries(p.newWriter())
	case ".run":
		name, params, perr := parseRunArgs(arg)
		if perr != nil {
			return perr
		}
		saved, perr := prepareSaved(name, params)
		if perr != nil {
			return fmt.Errorf(".run: %w", perr)
		}
		err = p.exec(saved.sql, saved.args...)
	case ".check":
		err = p.check(arg)
	case ".timer":
		p.timer, err = onOff(cmd, arg)
	case ".headers":
		var on bool
		on, err = onOff(cmd, arg)
		if err == nil {
			p.noHeader = !on
		}
	default:
		return fmt.Errorf("unknown command %s; .help lists the commands", cmd)
	}
	return err
}

func formatNames() string {
	var names []string
	for _, f := range output.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

func onOff(cmd, arg string) (bool, error) {
	switch strings.ToLower(arg) {
	case "on", "yes", "true", "1":
		return true, nil
	case "off", "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("usage: %s on|off", cmd)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// setOutput points results at a file, or back at standard output.
func (p *prompt) setOutput(path string) error {
	if path == "" || path == "stdout" || path == "-" {
		p.out = p.app.std.Out
		return p.closeOwned()
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf(".output: %w", err)
	}
	cerr := p.closeOwned()
	p.out, p.owned = f, f
	return cerr
}

func (p *prompt) closeOwned() error {
	if p.owned == nil {
		return nil
	}
	name := p.owned.Name()
	err := p.owned.Close()
	p.owned = nil
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// tables lists vpnsql's tables, then the tables and views of the main and
// temp databases (temp ones as temp.NAME), sorted.
func (p *prompt) tables(ctx context.Context, pattern string) error {
	names, err := p.tableNames(ctx, pattern)
	if err != nil {
		return fmt.Errorf(".tables: %w", err)
	}
	for _, n := range names {
		if _, err := fmt.Fprintln(p.out, n); err != nil {
			return err
		}
	}
	return nil
}

// tableNames lists what .tables shows, those LIKE pattern if not "".
func (p *prompt) tableNames(ctx context.Context, pattern string) ([]string, error) {
	return p.strings(ctx, `SELECT name FROM (
		SELECT value AS name FROM json_each(?2)
		UNION SELECT name FROM main.sqlite_schema
		 WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		UNION SELECT 'temp.' || name FROM temp.sqlite_schema WHERE type IN ('table', 'view')
		 AND sql IS NOT 'CREATE VIRTUAL TABLE ' || name || ' USING ' || name -- vpnsql's pins
	) WHERE ?1 = '' OR name LIKE ?1 ORDER BY name`, pattern, liveTables)
}

// splitTableName splits "temp.t" or "main.t" into schema and name; other
// names have no schema.
func splitTableName(s string) (schema, name string) {
	if db, n, ok := strings.Cut(s, "."); ok && (strings.EqualFold(db, "main") || strings.EqualFold(db, "temp")) {
		return strings.ToLower(db), n
	}
	return "", s
}

// schema prints the CREATE statements of table (all tables if ""; a temp
// or main one with "temp." or "main."), or for vpnsql's virtual tables,
// which have none, an equivalent CREATE TABLE with the hidden columns
// marked and each column's description as a comment.
func (p *prompt) schema(ctx context.Context, table string) error {
	const stored = `SELECT sql || ';' FROM (
		SELECT 'main' AS db, sql, tbl_name, type, name FROM main.sqlite_schema
		UNION ALL SELECT 'temp', sql, tbl_name, type, name FROM temp.sqlite_schema
		 WHERE sql IS NOT 'CREATE VIRTUAL TABLE ' || name || ' USING ' || name -- vpnsql's pins
	) WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
	    AND (?1 = '' OR tbl_name = ?1 COLLATE NOCASE) AND (?2 = '' OR db = ?2)
	ORDER BY tbl_name, type DESC, name`
	db, name := splitTableName(table)
	stmts, err := p.strings(ctx, stored, name, db)
	if err != nil {
		return fmt.Errorf(".schema: %w", err)
	}
	if db == "" {
		for _, t := range vtab.Tables() {
			if table == "" || strings.EqualFold(table, t.Name) {
				stmts = append(stmts, virtualSchema(t))
			}
		}
	}
	if table != "" && len(stmts) == 0 {
		return fmt.Errorf(".schema: no such table: %s", table)
	}
	for _, s := range stmts {
		if _, err := fmt.Fprintln(p.out, s); err != nil {
			return err
		}
	}
	return nil
}

// virtualSchema is a CREATE TABLE equivalent to a vpnsql table, each
// column followed by what it holds.
func virtualSchema(t vtab.TableInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: built into vpnsql (a virtual table served from the AWS API)\nCREATE TABLE %s(", t.Name, t.Name)
	for i, c := range t.Columns {
		fmt.Fprintf(&b, "\n  %s %s", c.Name, c.Type)
		if c.Hidden {
			b.WriteString(" HIDDEN")
		}
		if i < len(t.Columns)-1 {
			b.WriteString(",")
		}
		if c.Description != "" {
			b.WriteString("  -- " + c.Description)
		}
	}
	b.WriteString("\n);")
	return b.String()
}

// describe lists a table's columns as a result set in the current format:
// name, type, hidden and, for vpnsql's tables, what each column holds.
func (p *prompt) describe(ctx context.Context, table string) error {
	if table == "" {
		return fmt.Errorf("usage: .describe TABLE (.tables lists them)")
	}
	var rows [][]any
	for _, t := range vtab.Tables() {
		if strings.EqualFold(t.Name, table) {
			for _, c := range t.Columns {
				rows = append(rows, []any{c.Name, c.Type, map[bool]int64{true: 1}[c.Hidden], c.Description})
			}
		}
	}
	if rows == nil {
		db, name := splitTableName(table)
		q := `SELECT name, type, hidden FROM pragma_table_xinfo(?1, nullif(?2, ''))`
		r, err := p.run.conn.QueryContext(ctx, q, name, db)
		if err != nil {
			return fmt.Errorf(".describe: %w", err)
		}
		defer r.Close()
		for r.Next() {
			var col, typ string
			var hidden int64
			if err := r.Scan(&col, &typ, &hidden); err != nil {
				return fmt.Errorf(".describe: %w", err)
			}
			rows = append(rows, []any{col, typ, min(hidden, 1), nil})
		}
		if err := r.Err(); err != nil {
			return fmt.Errorf(".describe: %w", err)
		}
	}
	if rows == nil {
		return fmt.Errorf(".describe: no such table: %s", table)
	}
	w := p.newWriter()
	if err := w.Begin([]string{"column", "type", "hidden", "description"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	if err := w.End(); err != nil {
		return err
	}
	return w.Close()
}

// strings runs a query returning one text column.
func (p *prompt) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := p.run.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s.String)
	}
	return out, rows.Err()
}
