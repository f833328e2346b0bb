package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
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
	err := a.run()
	var ex *exitRequest
	if errors.As(err, &ex) {
		return ex.code
	}
	return Report(std.Err, err)
}

type app struct {
	cfg        Config
	std        Stdio
	version    string       // for the prompt's greeting; see Version
	noticeOnce func(string) // see notice
}

func (a *app) run() (err error) {
	var saved *savedRun
	var inputs []input
	var check *checkPlan
	if a.cfg.Check {
		if check, err = a.prepareCheck(); err != nil {
			return err
		}
	} else if a.cfg.Queries {
		if a.cfg.QueryName == "" || a.cfg.Show {
			return a.queriesCommand()
		}
		if saved, err = prepareSaved(a.cfg.QueryName, a.cfg.Params); err != nil {
			return &UsageError{Err: err}
		}
	} else if inputs, err = resolveInputs(a.cfg.Args); err != nil {
		return err
	}
	interactive := check == nil && saved == nil && len(inputs) == 0 && term.IsTerminal(int(a.std.In.Fd()))
	if check == nil && saved == nil && len(inputs) == 0 && !interactive {
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
	out, finishOut, err := a.openOutput()
	if err != nil {
		return err
	}
	defer func() {
		if ferr := finishOut(err); err == nil {
			err = ferr
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
	if check != nil {
		return a.checkCommand(ctx, r, out, check)
	}
	p := newScript(ctx, a, r, out)
	// Closed whatever happens, so that -o json output stops on a
	// complete document even after a failed statement.
	defer func() { err = errors.Join(err, p.finish(), p.closeOwned()) }()
	if saved != nil {
		return p.exec(saved.sql, saved.args...)
	}
	for _, in := range inputs {
		var rd io.Reader = a.std.In
		if !in.stdin {
			rd = strings.NewReader(in.text)
		}
		if err := p.runScript(in, rd); err != nil {
			return err
		}
		if p.quit {
			break
		}
	}
	return p.end()
}

// openOutput opens where results go: --output-file, else standard output.
// The file is written under a temporary name in the same directory and
// renamed over --output-file only when the run succeeded (finish(nil)), so
// a failed query leaves the previous file as it was; finish(err) removes
// the temporary file. finish reports a failure to complete the file.
func (a *app) openOutput() (out *os.File, finish func(runErr error) error, err error) {
	if a.cfg.OutputFile == "" {
		return a.std.Out, func(error) error { return nil }, nil
	}
	path := a.cfg.OutputFile
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, &UsageError{Err: fmt.Errorf("--output-file %s: not a regular file", path)}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, nil, &UsageError{Err: fmt.Errorf("--output-file: %w", err)}
	}
	// CreateTemp makes the file private; give it the mode a new file
	// would get (or the one the file it replaces has).
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return f, func(runErr error) error {
		err := f.Chmod(mode)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if runErr == nil && err == nil {
			err = os.Rename(f.Name(), path)
		}
		if runErr != nil || err != nil {
			os.Remove(f.Name())
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}, nil
}

// writer returns an output writer for out, fitting tables to the terminal
// when out is one, and erasing the progress display (view, if not nil)
// before writing to a terminal.
func (a *app) writer(out *os.File, f output.Format, view *progressView) output.Writer {
	return newWriter(out, f, a.cfg.NoHeader, view, a.notice())
}

// notice returns the function that tells the user, on stderr and once per
// run, how output was adapted (a table too wide for the terminal).
func (a *app) notice() func(string) {
	if a.noticeOnce == nil {
		var once sync.Once
		a.noticeOnce = func(s string) {
			once.Do(func() { fmt.Fprintf(a.std.Err, "vpnsql: note: %s\n", s) })
		}
	}
	return a.noticeOnce
}

func newWriter(out *os.File, f output.Format, noHeader bool, view *progressView, notice func(string)) output.Writer {
	width := terminalWidth(out)
	var w io.Writer = out
	if width > 0 {
		w = view.guard(out)
	}
	return output.New(w, f, output.Options{NoHeader: noHeader, Width: width, Notice: notice})
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

			RegionConcurrency: a.cfg.RegionConcurrency,
			StallTimeout:      a.cfg.StallTimeout,
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
		now := time.Now().UTC()
		ds := ec2fake.SampleOrganization(now)
		for _, r := range cfg.Regions {
			if r != "*" && !slices.Contains(ds.Regions, r) {
				return nil, "", nil, usageErrorf("--demo: the sample data has no region %s (it has %s)", r, strings.Join(ds.Regions, ", "))
			}
		}
		fake := ec2fake.New(ds)
		fake.LoadSampleLogs(now) // the connection log's week of history
		srv, err := ec2fake.Start(fake)
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

// Version describes the build: vpnsql's version, SQLite's and Go's. The
// version is main.version when set with -ldflags, else what the Go
// toolchain recorded in the binary (runtime/debug.ReadBuildInfo): the
// module version for "go install …@v1.2.3", else, for a build from a git
// checkout, the commit and its time ("+dirty" with uncommitted changes).
func Version(version string) string {
	if version == "" {
		version = buildVersion()
	}
	libVersion, _, _ := sqlite3.Version()
	return fmt.Sprintf("vpnsql %s (SQLite %s, %s)", version, libVersion, runtime.Version())
}

// buildVersion reads the version the Go toolchain stamped into the binary.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	v := "commit " + rev[:min(12, len(rev))]
	if at != "" {
		v += " " + at
	}
	if dirty {
		v += "+dirty"
	}
	return v
}
