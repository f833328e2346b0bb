package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/term"

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/engine"
	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/internal/sqlite/autoext"
)

// Stdio are the standard streams the command runs with.
type Stdio struct {
	In  *os.File
	Out *os.File
	Err *os.File
}

// forceExitAfter is how long the command waits, after a signal or the
// --timeout, for the running statement to wind down before it exits anyway
// (a read from a terminal or a pipe cannot be interrupted).
const forceExitAfter = 3 * time.Second

// Run runs the command cfg describes and returns its exit status. Every
// error is reported as one line "vpnsql: …" on std.Err. version is the
// build's version for the prompt's greeting (see Version).
func Run(cfg Config, std Stdio, version string) (status int) {
	defer func() {
		if p := recover(); p != nil {
			if os.Getenv("VPNSQL_DEBUG") != "" {
				debug.PrintStack()
			}
			fmt.Fprintf(std.Err, "vpnsql: internal error: %s (please report it; VPNSQL_DEBUG=1 shows details)\n",
				oneLine(fmt.Sprint(p)))
			status = ExitError
		}
	}()
	a := &app{cfg: cfg, std: std, version: version}
	return Report(std.Err, a.run())
}

type app struct {
	cfg     Config
	std     Stdio
	version string // for the prompt's greeting; see Version
}

func (a *app) run() (err error) {
	var saved *savedRun
	var inputs []input
	if a.cfg.Queries {
		if a.cfg.QueryName == "" || a.cfg.Show {
			return a.queriesCommand()
		}
		if saved, err = prepareSaved(a.cfg.QueryName, a.cfg.Params); err != nil {
			return &UsageError{Err: err}
		}
	} else if inputs, err = resolveInputs(a.cfg.Args); err != nil {
		return err
	}
	interactive := saved == nil && len(inputs) == 0 && term.IsTerminal(int(a.std.In.Fd()))
	if saved == nil && len(inputs) == 0 && !interactive {
		inputs = []input{{name: "stdin", stdin: true}}
	}

	// The tables must be registered before the connection opens.
	svc, announce, stop, err := a.install()
	if err != nil {
		return err
	}
	defer stop()

	ctx := context.Background()
	if !interactive {
		var finish func()
		ctx, finish = a.guard()
		defer finish()
		defer func() {
			if ctx.Err() != nil {
				// The statement failed because of the signal or timeout;
				// say that, not "interrupted" from SQLite or a context
				// error from the SDK.
				err = context.Cause(ctx)
			}
		}()
	}

	db, conn, err := openDB(ctx, a.cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	defer conn.Close()

	// Created only once everything else is in place, so that a bad flag
	// does not truncate the previous results.
	out, closeOut, err := a.openOutput()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeOut(); err == nil {
			err = cerr
		}
	}()

	if announce != "" {
		fmt.Fprintln(a.std.Err, announce)
	}
	r := &runner{conn: conn, svc: svc, stderr: a.std.Err}
	if term.IsTerminal(int(a.std.Err.Fd())) {
		r.view = newProgressView(a.std.Err, svc.Progress())
	}
	if interactive {
		return newPrompt(a, r, out).loop()
	}
	w := a.writer(out, a.cfg.Format, r.view)
	if saved != nil {
		return r.exec(ctx, w, saved.sql, saved.args...)
	}
	for _, in := range inputs {
		if in.stdin {
			err = r.runStream(ctx, w, in, a.std.In)
		} else {
			err = r.runText(ctx, w, in)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// openOutput opens where results go: --output-file (truncated), else
// standard output. closeOut reports a failure to finish writing the file.
func (a *app) openOutput() (out *os.File, closeOut func() error, err error) {
	if a.cfg.OutputFile == "" {
		return a.std.Out, func() error { return nil }, nil
	}
	f, err := os.Create(a.cfg.OutputFile)
	if err != nil {
		return nil, nil, &UsageError{Err: fmt.Errorf("--output-file: %w", err)}
	}
	return f, func() error {
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing %s: %w", a.cfg.OutputFile, err)
		}
		return nil
	}, nil
}

// writer returns an output writer for out, fitting tables to the terminal
// when out is one, and erasing the progress display (view, if not nil)
// before writing to a terminal.
func (a *app) writer(out *os.File, f output.Format, view *progressView) output.Writer {
	return newWriter(out, f, a.cfg.NoHeader, view)
}

func newWriter(out *os.File, f output.Format, noHeader bool, view *progressView) output.Writer {
	width := terminalWidth(out)
	var w io.Writer = out
	if width > 0 {
		w = view.guard(out)
	}
	return output.New(w, f, output.Options{NoHeader: noHeader, Width: width})
}

func terminalWidth(f *os.File) int {
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return 0
	}
	w, _, err := term.GetSize(fd)
	if err != nil {
		return 0
	}
	return w
}

// install installs the engine (the tables and functions every connection
// opened from now on gets) for the flags, and returns its Service. With
// --demo it first starts the fake EC2 on a loopback port, and returns the
// line that announces it and the function that stops it.
func (a *app) install() (svc *clientvpn.Service, announce string, stop func(), err error) {
	cacheTTL := a.cfg.CacheTTL
	if cacheTTL == 0 {
		cacheTTL = -1 // off; clientvpn reads 0 as "the default"
	}
	cfg := clientvpn.Config{
		Settings: clientvpn.Settings{
			Regions:     a.cfg.Regions,
			Concurrency: a.cfg.Concurrency,
			CacheTTL:    cacheTTL,
			Strict:      a.cfg.Strict,
			Profiles:    a.cfg.Profiles,
			OrgRole:     a.cfg.OrgRole,
		},
		Profile:     a.cfg.Profile,
		EndpointURL: a.cfg.EndpointURL,
		MaxAttempts: a.cfg.MaxAttempts,
	}
	auditLog := a.cfg.AuditLog
	if auditLog == "" {
		auditLog = os.Getenv("VPNSQL_AUDIT_LOG") // else the audit package's default
	}
	policy := functions.TerminatePolicy{
		Allow:      a.cfg.AllowTerminate,
		Door:       functions.DoorCLI,
		EnableHint: "run vpnsql with --allow-terminate",
		AuditLog:   auditLog,
	}
	stop = func() {}
	if a.cfg.Demo {
		ds := ec2fake.SampleOrganization(time.Now().UTC())
		for _, r := range cfg.Regions {
			if r != "*" && !slices.Contains(ds.Regions, r) {
				return nil, "", nil, usageErrorf("--demo: the sample data has no region %s (it has %s)", r, strings.Join(ds.Regions, ", "))
			}
		}
		srv, err := ec2fake.Start(ec2fake.New(ds))
		if err != nil {
			return nil, "", nil, fmt.Errorf("starting the demo server: %w", err)
		}
		// The demo ignores every AWS setting (profiles, files, endpoint
		// variables): its keys, its endpoint and nothing else.
		cfg.Isolated = true
		cfg.EndpointURL = srv.URL
		cfg.Credentials = clientvpn.DummyCredentials()
		if len(cfg.Regions) == 0 {
			cfg.Regions = slices.Clone(ds.Regions)
		}
		announce = fmt.Sprintf("vpnsql: demo mode: built-in sample data served on %s, no AWS account used; regions %s; account %s (--org-role %s adds the sample organization's other accounts)",
			strings.TrimPrefix(srv.URL, "http://"), strings.Join(ds.Regions, ", "), ec2fake.SampleManagementAccount, ec2fake.DefaultOrgRole)
		if cfg.OrgRole != "" {
			announce = fmt.Sprintf("vpnsql: demo mode: built-in sample data served on %s, no AWS account used; regions %s; organization of %d accounts",
				strings.TrimPrefix(srv.URL, "http://"), strings.Join(ds.Regions, ", "), len(ds.Accounts))
		}
		stop = srv.Close
	} else if err := accounts.CheckProfiles(append([]string{a.cfg.Profile}, a.cfg.Profiles...)); err != nil {
		return nil, "", nil, &UsageError{Err: err}
	}
	svc = engine.Install(cfg, policy)
	if err := autoext.Install(); err != nil {
		stop()
		return nil, "", nil, fmt.Errorf("registering the vpnsql tables: %w", err)
	}
	return svc, announce, stop, nil
}

// guard returns the context of a non-interactive run: cancelled by SIGINT
// or SIGTERM (cause *signalError) and by --timeout (cause *timeoutError).
// If the run has not returned forceExitAfter later (or at a second
// signal), guard reports the cause and exits the process itself. finish
// must be called when the run returns.
func (a *app) guard() (ctx context.Context, finish func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ctx, cancelTimeout := withTimeout(ctx, a.cfg.Timeout)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)

	var mu sync.Mutex
	finished := false
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			cancel(&signalError{sig: sig})
		case <-ctx.Done():
		case <-done:
			return
		}
		select {
		case <-sigs:
		case <-time.After(forceExitAfter):
		case <-done:
			return
		}
		mu.Lock() // held until the process exits: Run's report never comes
		if !finished {
			os.Exit(Report(a.std.Err, context.Cause(ctx)))
		}
		mu.Unlock()
	}()
	return ctx, func() {
		mu.Lock()
		finished = true
		mu.Unlock()
		close(done)
		signal.Stop(sigs)
		cancelTimeout()
		cancel(nil)
	}
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, &timeoutError{d: d})
}

// openDB opens the --db database and the one connection every statement
// runs on.
func openDB(ctx context.Context, path string) (*sql.DB, *sql.Conn, error) {
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, nil, &UsageError{Err: fmt.Errorf("--db %s: %w", path, err)}
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		// Opening is lazy; reading the schema shows a file that is not a
		// database now rather than at the first statement.
		var v int
		if err = conn.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
			conn.Close()
		}
	}
	if err != nil {
		db.Close()
		if ctx.Err() != nil {
			return nil, nil, err
		}
		return nil, nil, &UsageError{Err: fmt.Errorf("--db %s: %w", path, err)}
	}
	return db, conn, nil
}

// dsn turns a --db path into the driver's data source name: a "file:" URI,
// so that '?' and '#' in a file name are not read as URI parameters.
// ":memory:" and URIs the user wrote ("file:audit.db?mode=ro") pass through.
func dsn(path string) string {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return path
	}
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Version describes the build: vpnsql's version (main.version when set
// with -ldflags, else the module version), SQLite's and Go's.
func Version(version string) string {
	if version == "" {
		version = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
	}
	libVersion, _, _ := sqlite3.Version()
	return fmt.Sprintf("vpnsql %s (SQLite %s, %s)", version, libVersion, runtime.Version())
}
