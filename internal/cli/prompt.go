package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"

	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/internal/sqlsplit"
)

const (
	primaryPrompt      = "vpnsql> "
	continuationPrompt = "   ...> "
)

// prompt is the interactive session: statements typed over one or more
// lines run when a ';' completes them; lines starting with '.' at the
// primary prompt are dot commands (see dot.go).
type prompt struct {
	app *app
	run *runner
	rl  *readline.Instance

	out      *os.File // where results go: stdout, --output-file or .output
	owned    *os.File // the file .output opened, closed when replaced
	format   output.Format
	noHeader bool
	timer    bool

	mu     sync.Mutex
	cancel context.CancelFunc // of the running statement; nil at the prompt
}

func newPrompt(a *app, r *runner, out *os.File) *prompt {
	return &prompt{app: a, run: r, out: out, format: a.cfg.Format, noHeader: a.cfg.NoHeader}
}

// loop reads and runs input until Ctrl-D, .quit or .exit.
func (p *prompt) loop() (err error) {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 primaryPrompt,
		HistoryFile:            historyPath(),
		HistoryLimit:           10000,
		HistorySearchFold:      true,
		DisableAutoSaveHistory: true, // whole statements are saved, not lines
		InterruptPrompt:        "^C",
		EOFPrompt:              "",
		Stdin:                  p.app.std.In,
		Stdout:                 p.app.std.Out,
		Stderr:                 p.app.std.Err,
	})
	if err != nil {
		return fmt.Errorf("starting the prompt: %w", err)
	}
	p.rl = rl
	defer rl.Close()
	defer func() {
		if cerr := p.closeOwned(); err == nil {
			err = cerr
		}
	}()
	defer p.catchInterrupts()()

	fmt.Fprintf(p.app.std.Out, "%s\nEnter SQL statements ending in \";\", .help for commands, Ctrl-D to quit.\n",
		Version(p.app.version))

	pending := "" // lines of a statement not yet complete
	for {
		if pending == "" {
			rl.SetPrompt(primaryPrompt)
		} else {
			rl.SetPrompt(continuationPrompt)
		}
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			pending = "" // Ctrl-C abandons the statement being typed
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("reading input: %w", err)
		}

		if pending == "" && strings.HasPrefix(strings.TrimSpace(line), ".") {
			cmd := strings.TrimSpace(line)
			p.saveHistory(cmd)
			quit, err := p.dot(cmd)
			if err != nil {
				p.report(err)
			}
			if quit {
				return nil
			}
			continue
		}

		pending += line + "\n"
		stmts, rest := sqlsplit.Split(pending)
		if len(stmts) > 0 {
			p.saveHistory(pending[:len(pending)-len(rest)])
		}
		failed := false
		for _, st := range stmts {
			if err := p.exec(st.Text); err != nil {
				p.report(err)
				failed = true
				break // as in a script: the rest of the line may depend on it
			}
		}
		if failed || !sqlsplit.Pending(rest) {
			pending = ""
		} else {
			pending = rest
		}
	}
}

// exec runs one statement with args bound to its parameters; Ctrl-C
// cancels it, and --timeout bounds it.
func (p *prompt) exec(stmt string, args ...any) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx, cancelTimeout := withTimeout(ctx, p.app.cfg.Timeout)
	defer cancelTimeout()
	p.setCancel(cancel)
	defer p.setCancel(nil)

	start := time.Now()
	w := newWriter(p.out, p.format, p.noHeader, p.run.view, p.app.notice())
	err := errors.Join(p.run.exec(ctx, w, stmt, args...), w.Close())
	if p.timer {
		fmt.Fprintf(p.app.std.Err, "Run Time: %.3fs\n", time.Since(start).Seconds())
	}
	if ctx.Err() != nil {
		var te *timeoutError
		if cause := context.Cause(ctx); errors.As(cause, &te) {
			return cause
		}
		return &signalError{sig: os.Interrupt}
	}
	return err
}

func (p *prompt) setCancel(cancel context.CancelFunc) {
	p.mu.Lock()
	p.cancel = cancel
	p.mu.Unlock()
}

// catchInterrupts turns SIGINT into cancelling the running statement. At
// the prompt the terminal is in raw mode and Ctrl-C reaches readline as a
// key instead; a SIGINT from elsewhere (kill -INT) is ignored there.
func (p *prompt) catchInterrupts() (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				p.mu.Lock()
				if p.cancel != nil {
					p.cancel()
				}
				p.mu.Unlock()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// report prints an error and carries on.
func (p *prompt) report(err error) {
	fmt.Fprintf(p.app.std.Err, "vpnsql: %s\n", oneLine(err.Error()))
}

// saveHistory records input as one history entry: a statement typed over
// several lines comes back as one line, unless joining its lines would
// change it (a -- comment, a line break inside a string), in which case
// its lines are saved one by one.
func (p *prompt) saveHistory(input string) {
	input = strings.TrimSpace(input)
	if input == "" {
		return
	}
	if line, ok := sqlsplit.OneLine(input); ok {
		_ = p.rl.SaveHistory(line)
		return
	}
	for l := range strings.Lines(input) {
		if l = strings.TrimRight(l, "\r\n"); strings.TrimSpace(l) != "" {
			_ = p.rl.SaveHistory(l)
		}
	}
}

// historyPath is $XDG_STATE_HOME/vpnsql/history (default
// ~/.local/state/vpnsql/history), its directory created if need be. It
// returns "" (no history) if there is no place for it.
func historyPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) { // the XDG spec says to ignore relative paths
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "vpnsql")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}
