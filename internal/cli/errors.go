package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Exit statuses.
const (
	ExitOK          = 0
	ExitError       = 1 // a query, AWS or I/O error
	ExitUsage       = 2 // a bad command line
	ExitAlarm       = 3 // vpnsql check: some control alarmed
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// signalError is the cancellation cause when a signal stops the run.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string {
	if e.sig == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

func (e *signalError) status() int {
	if e.sig == syscall.SIGTERM {
		return ExitTerminated
	}
	return ExitInterrupted
}

// timeoutError is the cancellation cause when --timeout runs out.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("stopped: --timeout %s reached", e.d)
}

// locatedError is a statement's error with where the statement came from.
type locatedError struct {
	where string // "file.sql:3"
	err   error
}

func (e *locatedError) Error() string { return e.where + ": " + e.err.Error() }
func (e *locatedError) Unwrap() error { return e.err }

// exitStatus maps an error of the run to the process's exit status.
func exitStatus(err error) int {
	var se *signalError
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &se):
		return se.status()
	case errors.As(err, &ue):
		return ExitUsage
	}
	var own interface{ exitStatus() int }
	if errors.As(err, &own) {
		return own.exitStatus()
	}
	return ExitError
}

// Report writes err as the single line "vpnsql: …" to w and returns the
// exit status it calls for. A nil err writes nothing and returns 0.
func Report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if msg := oneLine(err.Error()); msg != "" { // "" when the command reported already
		fmt.Fprintf(w, "vpnsql: %s\n", msg)
	}
	return exitStatus(err)
}

// oneLine folds a message onto one line: SQLite, the SDK and users' own
// RAISE() messages may contain newlines, and scripts expect one line per
// error on stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return l == "" })
	return strings.Join(lines, " ")
}
