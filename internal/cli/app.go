package cli

import (
	"context"
	"database/sql"
	"fmt"
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

	"github.com/vpnsql/vpnsql"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/output"
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
	inputs, err := resolveInputs(a.cfg.Args)
	if err != nil {
		return err
	}
	interactive := len(inputs) == 0 && term.IsTerminal(int(a.std.In.Fd()))
	if len(inputs) == 0 && !interactive {
		inputs = []input{{name: "stdin", stdin: true}}
	}

	// The tables must be registered before the connection opens.
	opts, announce, stop, err := a.backend()
	if err != nil {
		return err
	}
	defer stop()
	if err := vpnsql.Register(opts); err != nil {
		return fmt.Errorf("registering the vpnsql tables: %w", err)
	}

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
	out := a.std.Out
	if a.cfg.OutputFile != "" {
		f, err := os.Create(a.cfg.OutputFile)
		if err != nil {
			return &UsageError{Err: fmt.Errorf("--output-file: %w", err)}
		}
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("writing %s: %w", a.cfg.OutputFile, cerr)
			}
		}()
		out = f
	}

	if announce != "" {
		fmt.Fprintln(a.std.Err, announce)
	}
	r := &runner{conn: conn}
	if interactive {
		return newPrompt(a, r, out).loop()
	}
	w := a.writer(out, a.cfg.Format)
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

// writer returns an output writer for out, fitting tables to the terminal
// when out is one.
func (a *app) writer(out *os.File, f output.Format) output.Writer {
	return output.New(out, f, output.Options{NoHeader: a.cfg.NoHeader, Width: terminalWidth(out)})
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

// backend builds the registration options. With --demo it starts the
// fake EC2 on a loopback port and returns the line that announces it and
// the function that stops it.
func (a *app) backend() (opts vpnsql.Options, announce string, stop func(), err error) {
	opts = vpnsql.Options{
		Regions:     a.cfg.Regions,
		Profile:     a.cfg.Profile,
		EndpointURL: a.cfg.EndpointURL,
		Concurrency: a.cfg.Concurrency,
	}
	if !a.cfg.Demo {
		return opts, "", func() {}, nil
	}
	ds := ec2fake.SampleDataset(time.Now().UTC())
	srv, err := ec2fake.Start(ec2fake.New(ds))
	if err != nil {
		return opts, "", nil, fmt.Errorf("starting the demo server: %w", err)
	}
	opts.EndpointURL = srv.URL
	opts.Credentials = clientvpn.DummyCredentials()
	if len(opts.Regions) == 0 {
		opts.Regions = slices.Clone(ds.Regions)
	}
	announce = fmt.Sprintf("vpnsql: demo mode: built-in sample data served on %s, no AWS account used",
		strings.TrimPrefix(srv.URL, "http://"))
	return opts, announce, srv.Close, nil
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
