// Package audit appends JSON lines recording each call of a function that
// changes AWS state (terminating Client VPN connections) to an append-only
// file.
//
// The log is written ahead: a call that is sent goes through Begin, which
// writes and fsyncs an intent record ("outcome":"sending") before anything
// is sent, so a log that cannot take a record (full disk, no permission)
// refuses the call; then Commit writes a second record with the outcome,
// under the same "call" id. An intent with no outcome means the process
// ended while its request was in flight. A call refused before sending is
// one record, written by Append. The log must be a regular file, opened
// without following a symbolic link and without ever blocking (see open).
// Records never carry credentials: vpnsql never sees more of them than the
// SDK's configuration.
package audit

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Outcomes of a call.
const (
	// Sending: the intent record, written before the request is sent; a
	// record with the same call id and the outcome follows.
	Sending = "sending"
	// Refused: the door does not allow the call; nothing was sent.
	Refused = "refused"
	// Invalid: an argument was wrong; nothing was sent.
	Invalid = "invalid"
	// Failed: the request was sent and the API (or the network) refused it.
	Failed = "failed"
	// WouldSucceed: a dry run whose checks all passed (see docs/terminate.md).
	WouldSucceed = "would-succeed"
	// WouldFail: a dry run with a check that did not pass.
	WouldFail = "would-fail"
	// Succeeded: the API terminated; Result holds its answer.
	Succeeded = "succeeded"
)

// Record is one call. Text arguments are recorded as given (also when
// refused), so a NULL or a number shows as such.
type Record struct {
	Time     time.Time `json:"time"`
	Door     string    `json:"door"` // cli, extension, go
	User     string    `json:"user"` // the operating-system user
	Host     string    `json:"host"`
	PID      int       `json:"pid"`
	Function string    `json:"function"`
	// Call links a sent call's intent and outcome records.
	Call string `json:"call,omitempty"`

	EndpointID   any    `json:"clientVpnEndpointId"`
	Region       any    `json:"region"`
	AccountID    string `json:"accountId,omitempty"` // the account that signed the request
	ConnectionID any    `json:"connectionId,omitempty"`
	Username     any    `json:"username,omitempty"`
	DryRun       bool   `json:"dryRun"`

	Outcome   string          `json:"outcome"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     string          `json:"error,omitempty"`
	ErrorCode string          `json:"errorCode,omitempty"` // the AWS error code, if any
}

// DefaultPath is $XDG_STATE_HOME/vpnsql/audit.jsonl, or
// ~/.local/state/vpnsql/audit.jsonl when XDG_STATE_HOME is unset (as the
// XDG base directory specification says).
func DefaultPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "vpnsql", "audit.jsonl"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", errors.New("no audit log location: set XDG_STATE_HOME or HOME, or configure the audit log path")
		}
	}
	return filepath.Join(home, ".local", "state", "vpnsql", "audit.jsonl"), nil
}

// Log is an audit log file. Its zero value is not usable; see New.
type Log struct {
	path string // "" means DefaultPath, resolved at each call
}

// New returns the log at path; "" means DefaultPath, resolved when a record
// is written (so the environment of that moment counts). A relative path is
// made absolute now, so that a later change of directory does not move it.
func New(path string) (*Log, error) {
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		path = abs
	}
	return &Log{path: path}, nil
}

// Path returns the log's file name.
func (l *Log) Path() (string, error) {
	if l.path != "" {
		return l.path, nil
	}
	return DefaultPath(os.Getenv)
}

// writeMu keeps one process's records from interleaving; O_APPEND does the
// same between processes for lines written by one write each.
var writeMu sync.Mutex

// Pending is a call whose intent is on disk and whose outcome is not.
type Pending struct {
	f    *os.File
	path string
	call string
}

// Begin writes and fsyncs intent, the record of a call about to be sent,
// with outcome Sending and a new call id. An error means the record is not
// on disk, and the call must not be made.
func (l *Log) Begin(intent Record) (*Pending, error) {
	path, err := l.Path()
	if err != nil {
		return nil, err
	}
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	p := &Pending{f: f, path: path, call: newCallID()}
	intent.Call, intent.Outcome = p.call, Sending
	if err := p.write(intent); err != nil {
		f.Close()
		return nil, err
	}
	return p, nil
}

// Commit writes the outcome record of the call (same call id), fsyncs it
// and closes the log.
func (p *Pending) Commit(outcome Record) error {
	outcome.Call = p.call
	err := p.write(outcome)
	if cerr := p.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("audit log %s: %w", p.path, cerr)
	}
	return err
}

// Append writes and fsyncs the one record of a call refused before sending.
func (l *Log) Append(r Record) error {
	path, err := l.Path()
	if err != nil {
		return err
	}
	f, err := open(path)
	if err != nil {
		return err
	}
	p := &Pending{f: f, path: path}
	err = p.write(r)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("audit log %s: %w", path, cerr)
	}
	return err
}

// write appends r as one line (one write, so O_APPEND keeps processes'
// lines whole) and fsyncs it. The time, user, host and process are filled
// in here.
func (p *Pending) write(r Record) error {
	line, err := encode(r)
	if err == nil {
		writeMu.Lock()
		_, err = p.f.Write(line)
		if err == nil {
			err = p.f.Sync()
		}
		writeMu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("audit log %s: %w", p.path, err)
	}
	return nil
}

// open opens the log at path for appending, creating it (0600, in
// directories 0700) if need be. It refuses anything but a regular file,
// and never blocks: O_NONBLOCK makes a named pipe fail or open at once
// (then fstat refuses it) instead of waiting for a reader. A symbolic link
// as the last component is refused, not followed (O_NOFOLLOW): a log in a
// shared directory must not become a way to append to another file of the
// user running vpnsql. Links among the directories above are followed.
func open(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if why := notRegular(path); why != "" {
			return nil, fmt.Errorf("audit log: %s %s; it must be a regular file", path, why)
		}
		return nil, fmt.Errorf("audit log: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s %s; it must be a regular file", path, describeMode(st.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return f, nil
}

// notRegular says what path is when it exists and is not a regular file.
func notRegular(path string) string {
	st, err := os.Lstat(path)
	if err != nil || st.Mode().IsRegular() {
		return ""
	}
	if st.Mode()&os.ModeSymlink != 0 {
		target, _ := os.Readlink(path)
		return fmt.Sprintf("is a symbolic link (to %s), which vpnsql does not follow: name the file itself", target)
	}
	return describeMode(st.Mode())
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "is a directory"
	case m&os.ModeNamedPipe != 0:
		return "is a named pipe"
	case m&os.ModeSocket != 0:
		return "is a socket"
	case m&os.ModeDevice != 0:
		return "is a device"
	}
	return "is not a regular file"
}

// newCallID is a random id linking a call's two records.
func newCallID() string { return rand.Text() }

func encode(r Record) ([]byte, error) {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	id := identity()
	r.User, r.Host, r.PID = id.user, id.host, id.pid
	line, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}

type who struct {
	user, host string
	pid        int
}

// identity is who and where this process runs, looked up once.
var identity = sync.OnceValue(func() who {
	w := who{pid: os.Getpid()}
	if u, err := user.Current(); err == nil && u.Username != "" {
		w.user = u.Username
	} else if name := os.Getenv("USER"); name != "" {
		w.user = name
	} else {
		w.user = "uid " + strconv.Itoa(os.Getuid())
	}
	w.host, _ = os.Hostname()
	return w
})
