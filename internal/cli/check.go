package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/queries"
)

// `vpnsql check` and `.check`: run the controls of package queries and
// report, with the exit status, whether any alarms.

// checkColumns are the columns of the check's one result set: the
// control's, after the control's id, title and severity.
var checkColumns = append([]string{"control", "title", "severity"}, queries.ControlColumns...)

// parseCheckCommand recognises "check" as the first argument, takes the
// --param values as ID.NAME=VALUE for it, and checks that --control and
// --tag come only with it.
func parseCheckCommand(cfg *Config, params *[]string) error {
	if len(cfg.Args) == 0 || cfg.Args[0] != "check" {
		switch {
		case len(cfg.Controls) > 0:
			return usageErrorf("--control goes with check: vpnsql check --control %s", cfg.Controls[0])
		case len(cfg.Tags) > 0:
			return usageErrorf("--tag goes with check: vpnsql check --tag %s", cfg.Tags[0])
		}
		return nil
	}
	if len(cfg.Args) > 1 {
		return usageErrorf("check: unexpected argument %q (choose controls with --control ID or --tag TAG)", cfg.Args[1])
	}
	cfg.Check, cfg.Args = true, nil
	cfg.CheckParams, *params = *params, nil
	return nil
}

// checkPlan is a check ready to run: the controls and their arguments.
type checkPlan struct {
	controls []queries.Control
	args     map[string][]any // by control id
}

// planCheck selects the controls and binds their parameters. Its errors
// are the user's: unknown control, tag or parameter, a value that is not
// a number where one is wanted.
func planCheck(ids, tags, params []string) (*checkPlan, error) {
	controls, err := queries.SelectControls(ids, tags)
	if err != nil {
		return nil, err
	}
	set := map[string]map[string]string{}
	for _, p := range params {
		key, value, ok := strings.Cut(p, "=")
		id, name, dotted := strings.Cut(strings.TrimSpace(key), ".")
		if !ok || !dotted || id == "" || name == "" {
			return nil, fmt.Errorf("--param %q: want CONTROL.PARAM=VALUE, e.g. session_timeout.max_hours=8", p)
		}
		if _, err := queries.SelectControls([]string{id}, nil); err != nil {
			return nil, fmt.Errorf("--param %s: %w", key, err)
		}
		if set[id] == nil {
			set[id] = map[string]string{}
		}
		if _, dup := set[id][name]; dup {
			return nil, fmt.Errorf("--param %s given twice", key)
		}
		set[id][name] = value
	}
	plan := &checkPlan{controls: controls, args: map[string][]any{}}
	for _, c := range queries.Controls() { // every control: a bad value is an error even if unselected
		args, err := c.Args(set[c.Name])
		if err != nil {
			return nil, err
		}
		plan.args[c.Name] = args
	}
	return plan, nil
}

// checkSummary counts the rows of a check by status.
type checkSummary struct {
	controls int
	counts   map[string]int
}

func (s checkSummary) String() string {
	total := 0
	var parts []string
	for _, st := range []string{"ok", "alarm", "error", "info", "skip"} {
		total += s.counts[st]
		parts = append(parts, fmt.Sprintf("%d %s", s.counts[st], st))
	}
	controls := "controls"
	if s.controls == 1 {
		controls = "control"
	}
	return fmt.Sprintf("check: %d %s, %d results: %s", s.controls, controls, total, strings.Join(parts, ", "))
}

// checkFailed ends a check whose rows include errors or alarms; the
// summary line already said so, so it prints nothing more.
type checkFailed struct{ status int }

func (e *checkFailed) Error() string   { return "" }
func (e *checkFailed) exitStatus() int { return e.status }

// outcome is what a finished check means for the exit status: any error
// row (a control that could not look everywhere) beats any alarm.
func (s checkSummary) outcome() error {
	switch {
	case s.counts["error"] > 0:
		return &checkFailed{status: ExitError}
	case s.counts["alarm"] > 0:
		return &checkFailed{status: ExitAlarm}
	}
	return nil
}

// check runs every control of plan in turn on r's connection, so they
// share the fetch cache, and writes all rows to w as one result set. A
// control that fails, or whose scan skipped a region or endpoint, adds
// error rows and the run goes on; only a cancelled ctx stops it.
func (r *runner) check(ctx context.Context, w output.Writer, plan *checkPlan) (checkSummary, error) {
	sum := checkSummary{controls: len(plan.controls), counts: map[string]int{}}
	if err := w.Begin(checkColumns); err != nil {
		return sum, err
	}
	for _, c := range plan.controls {
		emit := func(row []any) error {
			status, _ := row[3].(string)
			sum.counts[status]++
			return w.Row(append([]any{c.Name, c.Title, c.Severity}, row...))
		}
		if err := r.checkOne(ctx, c, plan.args[c.Name], emit); err != nil {
			return sum, errors.Join(err, w.End())
		}
	}
	return sum, w.End()
}

// checkOne runs one control, passing each of its rows (the control's
// columns) to emit. Its error is emit's or ctx's, never the control's.
func (r *runner) checkOne(ctx context.Context, c queries.Control, args []any, emit func([]any) error) error {
	errorRow := func(account, region, resource any, reason string) error {
		return emit([]any{account, region, resource, "error", oneLine(reason)})
	}
	for _, table := range c.Needs {
		var n int
		if err := r.conn.QueryRowContext(ctx, "SELECT count(*) FROM pragma_module_list WHERE name = ?", table).Scan(&n); err != nil {
			return errorRow(nil, nil, nil, err.Error())
		}
		if n == 0 {
			return emit([]any{nil, nil, nil, "skip", "needs the table " + table + ", which this build of vpnsql lacks"})
		}
	}
	mark := r.svc.WarningSeq()
	r.view.begin(true)
	err := r.controlRows(ctx, c, args, emit)
	r.view.end()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var emitErr *emitError
	if errors.As(err, &emitErr) {
		return emitErr.err
	}
	if err != nil {
		if err := errorRow(nil, nil, nil, err.Error()); err != nil {
			return err
		}
	}
	// An account, region or endpoint the scan could not read went
	// unchecked: one row for each, however many of the control's scans met
	// the failure.
	seen := map[string]bool{}
	for _, wn := range r.svc.Warnings(mark) {
		key := wn.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		resource := cmp.Or(wn.EndpointID, wn.Region, wn.AccountID)
		if err := errorRow(nullIfEmpty(wn.AccountID), nullIfEmpty(wn.Region), resource, wn.String()); err != nil {
			return err
		}
	}
	return nil
}

// emitError wraps a failure to write a row, which ends the check, unlike
// the control's own errors.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

// controlRows runs the control's statement and emits its rows, checking
// that it has the control columns and valid statuses.
func (r *runner) controlRows(ctx context.Context, c queries.Control, args []any, emit func([]any) error) (err error) {
	rows, err := r.conn.QueryContext(ctx, c.SQL, args...)
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
	if !slices.Equal(cols, queries.ControlColumns) {
		return fmt.Errorf("control %s returns the columns %v, not %v", c.Name, cols, queries.ControlColumns)
	}
	for rows.Next() {
		row := make([]any, len(cols))
		dest := make([]any, len(cols))
		for i := range row {
			dest[i] = &row[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range row {
			if b, ok := v.([]byte); ok {
				row[i] = string(b)
			}
		}
		if status, _ := row[3].(string); !slices.Contains(queries.ControlStatuses, status) {
			row[3], row[4] = "error", fmt.Sprintf("control %s returned the status %v (want one of %s)", c.Name, row[3], strings.Join(queries.ControlStatuses, ", "))
		}
		if err := emit(row); err != nil {
			return &emitError{err}
		}
	}
	return rows.Err()
}

// prepareCheck plans `vpnsql check` from the command line; its errors are
// usage errors.
func (a *app) prepareCheck() (*checkPlan, error) {
	plan, err := planCheck(a.cfg.Controls, a.cfg.Tags, a.cfg.CheckParams)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("check: %w", err)}
	}
	return plan, nil
}

// checkCommand runs `vpnsql check`: the summary goes to stderr, the exit
// status says whether anything alarmed.
func (a *app) checkCommand(ctx context.Context, r *runner, out *os.File, plan *checkPlan) error {
	w := a.writer(out, a.cfg.Format, r.view)
	sum, err := r.check(ctx, w, plan)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.std.Err, "vpnsql: %s\n", sum)
	return sum.outcome()
}

// check runs `.check [--control ID]... [--tag TAG]... [ID.NAME=VALUE]...`
// at the prompt, in the prompt's output format.
func (p *prompt) check(arg string) error {
	words, err := splitWords(arg)
	if err != nil {
		return fmt.Errorf(".check: %w", err)
	}
	var ids, tags, params []string
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case (w == "--control" || w == "--tag") && i+1 < len(words):
			if w == "--control" {
				ids = append(ids, words[i+1])
			} else {
				tags = append(tags, words[i+1])
			}
			i++
		case strings.Contains(w, "=") && !strings.HasPrefix(w, "-"):
			params = append(params, w)
		default:
			return fmt.Errorf(".check: %q: usage: .check [--control ID] [--tag TAG] [CONTROL.PARAM=VALUE], each repeatable", w)
		}
	}
	plan, err := planCheck(ids, tags, params)
	if err != nil {
		return fmt.Errorf(".check: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx, cancelTimeout := withTimeout(ctx, p.app.cfg.Timeout)
	defer cancelTimeout()
	p.setCancel(cancel)
	defer p.setCancel(nil)
	start := time.Now()
	w := p.newWriter()
	sum, err := p.run.check(ctx, w, plan)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if p.timer {
		fmt.Fprintf(p.app.std.Err, "Run Time: %.3fs\n", time.Since(start).Seconds())
	}
	if err != nil {
		var te *timeoutError
		if cause := context.Cause(ctx); errors.As(cause, &te) {
			return cause
		}
		if ctx.Err() != nil {
			return &signalError{sig: os.Interrupt}
		}
		return err
	}
	_, err = io.WriteString(p.app.std.Err, "vpnsql: "+sum.String()+"\n")
	return err
}

// nullIfEmpty is s, or SQL NULL for "" (a warning's account or region it
// does not know).
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
