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

// prompt is a session of statements and dot commands (see dot.go): the
// interactive prompt, where statements typed over one or more lines run
// when a ';' completes them, or a script (files, arguments, standard
// input), where, as in sqlite3, a line starting with '.' between
// statements is a dot command too ("printf '.mode csv\nSELECT 1;' | vpnsql").
type prompt struct {
	app *app
	run *runner
	rl  *readline.Instance // nil in a script

	out      *os.File // where results go: stdout, --output-file or .output
	owned    *os.File // the file .output opened, closed when replaced
	format   output.Format
	noHeader bool
	timer    bool
	quit     bool // .exit or .quit was given
	exitCode int  // the N of ".exit N"

	// A script runs under one context (signals, --timeout) and writes all
	// its statements' rows through one writer, so that -o json makes one
	// document; a dot command that changes or prints output closes it
	// first. At the prompt each statement gets its own.
	script bool
	ctx    context.Context
	w      output.Writer

	mu     sync.Mutex
	cancel context.CancelFunc // of the running statement; nil at the prompt
}

func newPrompt(a *app, r *runner, out *os.File) *prompt {
	return &prompt{app: a, run: r, out: out, format: a.cfg.Format, noHeader: a.cfg.NoHeader}
}

// newScript returns a prompt that runs scripts under ctx.
func newScript(ctx context.Context, a *app, r *runner, out *os.File) *prompt {
	p := newPrompt(a, r, out)
	p.script, p.ctx = true, ctx
	return p
}

// exitRequest ends the run with the status ".exit N" asked for, and no
// message.
type exitRequest struct{ code int }

func (e *exitRequest) Error() string { return fmt.Sprintf("exit %d", e.code) }

// end is the error that ends the session once it stops: ".exit N" with N
// other than 0 asks for that status.
func (p *prompt) end() error {
	if p.quit && p.exitCode != 0 {
		return &exitRequest{code: p.exitCode}
	}
	return nil
}

// finish closes the script's writer, if one is open.
func (p *prompt) finish() error {
	if p.w == nil {
		return nil
	}
	err := p.w.Close()
	p.w = nil
	return err
}

func (p *prompt) newWriter() output.Writer {
	return newWriter(p.out, p.format, p.noHeader, p.run.view, p.app.notice())
}

// loop reads and runs input until Ctrl-D, .quit or .exit.
func (p *prompt) loop() (err error) {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 primaryPrompt,
		AutoComplete:           &completer{p: p},
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
			if err := p.dot(cmd); err != nil {
				p.report(err)
			}
			if p.quit {
				return p.end()
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

// exec runs one statement with args bound to its parameters. At the
// prompt, Ctrl-C cancels it and --timeout bounds it; a script's context
// does both for the whole script.
func (p *prompt) exec(stmt string, args ...any) error {
	if p.script {
		if p.w == nil {
			p.w = p.newWriter()
		}
		start := time.Now()
		err := p.run.exec(p.ctx, p.w, stmt, args...)
		if p.timer {
			fmt.Fprintf(p.app.std.Err, "Run Time: %.3fs\n", time.Since(start).Seconds())
		}
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx, cancelTimeout := withTimeout(ctx, p.app.cfg.Timeout)
	defer cancelTimeout()
	p.setCancel(cancel)
	defer p.setCancel(nil)

	start := time.Now()
	w := p.newWriter()
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

// saveHistory records input as one history entry, so that recalling it
// brings the whole statement back: a statement typed over several lines
// is joined into one line, or, where joining would change it (a --
// comment, a line break inside a string), kept with its line breaks.
// (The history file holds one entry per line, so such an entry comes back
// whole in this session and line by line in the next.)
func (p *prompt) saveHistory(input string) {
	input = strings.TrimSpace(input)
	if input == "" {
		return
	}
	if line, ok := sqlsplit.OneLine(input); ok {
		input = line
	}
	_ = p.rl.SaveHistory(input)
}

// runScript runs the statements and dot commands read from rd as each one
// completes, so a long script (or a producer that writes statements over
// time) starts running before its end arrives and is never held in memory
// whole. It stops at the first error, and at .exit. A cancelled context
// stops it even while it waits for input.
func (p *prompt) runScript(in input, rd io.Reader) error {
	lines := readLines(rd)
	pending := ""
	base := 1 // line number of pending's first line
	n := 0    // line number of the last line read
	for {
		var l line
		select {
		case l = <-lines:
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
		if l.err != nil && l.err != io.EOF {
			return fmt.Errorf("reading %s: %w", in.name, l.err)
		}
		if n++; n == 1 {
			l.text = strings.TrimPrefix(l.text, "\uFEFF")
		}
		eof := l.err == io.EOF
		if cmd := strings.TrimSpace(l.text); strings.HasPrefix(cmd, ".") && !sqlsplit.Pending(pending) {
			if err := p.dot(cmd); err != nil {
				return locate(in, n, err)
			}
			if p.quit || eof {
				return nil
			}
			pending, base = "", n+1
			continue
		}
		pending += l.text
		if !eof && !strings.Contains(l.text, ";") {
			continue // no statement can have ended on this line
		}
		var stmts []sqlsplit.Statement
		rest := ""
		if eof {
			stmts = sqlsplit.SplitAll(pending)
		} else {
			stmts, rest = sqlsplit.Split(pending)
		}
		for _, st := range stmts {
			if err := p.exec(st.Text); err != nil {
				return locate(in, base+st.Line-1, err)
			}
		}
		if eof {
			return nil
		}
		base += strings.Count(pending[:len(pending)-len(rest)], "\n")
		pending = rest
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
