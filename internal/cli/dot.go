package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/vpnsql/vpnsql/internal/output"
)

const dotHelp = `.check [--control ID]... [--tag TAG]... [CONTROL.PARAM=VALUE]...
                         run the security controls (all by default), as vpnsql check
.exit, .quit             leave the prompt (Ctrl-D on an empty line does too)
.headers on|off          show or omit the csv header row
.help                    show this help
.mode [FORMAT]           show or set the output format: %s
.output [FILE|stdout]    send results to FILE (truncated first), or back to the terminal
.queries                 list the saved audit queries and their parameters
.run NAME [P=VALUE]...   run a saved query, setting its parameters P (quote values
                         with spaces: .run long_sessions now='2026-11-26 12:00')
.schema [TABLE]          show CREATE statements; for vpnsql's tables, their columns
.tables [PATTERN]        list tables and views, optionally only those LIKE PATTERN
.timer on|off            show how long each statement takes
Ctrl-C cancels a running statement, or clears the line being typed.
`

// vpnsqlTables lists the eponymous virtual tables vpnsql registers: every
// module whose name starts with client_vpn.
const vpnsqlTables = `SELECT name FROM pragma_module_list WHERE name LIKE 'client\_vpn\_%' ESCAPE '\'`

// dot runs a dot command. quit reports .quit or .exit.
func (p *prompt) dot(line string) (quit bool, err error) {
	cmd, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	ctx := context.Background()
	switch cmd {
	case ".quit", ".exit":
		return true, nil
	case ".help":
		_, err = fmt.Fprintf(p.app.std.Out, dotHelp, formatNames())
	case ".tables":
		err = p.tables(ctx, arg)
	case ".schema":
		err = p.schema(ctx, arg)
	case ".mode":
		if arg == "" {
			_, err = fmt.Fprintf(p.app.std.Out, "current output mode: %s\n", p.format)
			break
		}
		f, perr := output.ParseFormat(arg)
		if perr != nil {
			return false, fmt.Errorf(".mode: %w", perr)
		}
		p.format = f
	case ".output":
		err = p.setOutput(unquote(arg))
	case ".queries":
		err = listQueries(newWriter(p.out, p.format, p.noHeader, nil))
	case ".run":
		name, params, perr := parseRunArgs(arg)
		if perr != nil {
			return false, perr
		}
		saved, perr := prepareSaved(name, params)
		if perr != nil {
			return false, fmt.Errorf(".run: %w", perr)
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
		return false, fmt.Errorf("unknown command %s; .help lists the commands", cmd)
	}
	return false, err
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
	q := `SELECT name FROM (
		` + vpnsqlTables + `
		UNION SELECT name FROM main.sqlite_schema
		 WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		UNION SELECT 'temp.' || name FROM temp.sqlite_schema WHERE type IN ('table', 'view')
	) WHERE ?1 = '' OR name LIKE ?1 ORDER BY name`
	names, err := p.strings(ctx, q, pattern)
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

// schema prints the CREATE statements of table (all tables if ""), or for
// vpnsql's virtual tables, which have none, an equivalent CREATE TABLE
// built from pragma_table_xinfo with the hidden columns marked.
func (p *prompt) schema(ctx context.Context, table string) error {
	const stored = `SELECT sql || ';' FROM (
		SELECT sql, tbl_name, type, name FROM main.sqlite_schema
		UNION ALL SELECT sql, tbl_name, type, name FROM temp.sqlite_schema
	) WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
	    AND (?1 = '' OR tbl_name = ?1 COLLATE NOCASE)
	ORDER BY tbl_name, type DESC, name`
	stmts, err := p.strings(ctx, stored, table)
	if err != nil {
		return fmt.Errorf(".schema: %w", err)
	}
	vtabs, err := p.strings(ctx, `SELECT name FROM (`+vpnsqlTables+`)
		WHERE ?1 = '' OR name = ?1 COLLATE NOCASE ORDER BY name`, table)
	if err != nil {
		return fmt.Errorf(".schema: %w", err)
	}
	for _, name := range vtabs {
		s, err := p.virtualSchema(ctx, name)
		if err != nil {
			return fmt.Errorf(".schema: %w", err)
		}
		stmts = append(stmts, s)
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

func (p *prompt) virtualSchema(ctx context.Context, name string) (string, error) {
	rows, err := p.run.conn.QueryContext(ctx,
		`SELECT name, type, hidden FROM pragma_table_xinfo(?1) ORDER BY cid`, name)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: built into vpnsql (a virtual table served from the AWS API)\nCREATE TABLE %s(", name, name)
	n := 0
	for rows.Next() {
		var col, typ string
		var hidden int
		if err := rows.Scan(&col, &typ, &hidden); err != nil {
			return "", err
		}
		if n > 0 {
			b.WriteString(",")
		}
		n++
		fmt.Fprintf(&b, "\n  %s %s", col, typ)
		if hidden == 1 {
			b.WriteString(" HIDDEN")
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b.WriteString("\n);")
	return b.String(), nil
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
