// Package audit appends one JSON line per call of a function that changes
// AWS state (terminating Client VPN connections) to an append-only file.
//
// A call that is sent goes through Begin, which opens the log for appending
// before anything is sent (so an unwritable log refuses the call), and
// Commit, which writes the call's record with its outcome and fsyncs it. A
// call refused before sending is recorded with Append. Records never carry
// credentials: vpnsql never sees more of them than the SDK's configuration.
package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Outcomes of a call.
const (
	// Refused: the door does not allow the call; nothing was sent.
	Refused = "refused"
	// Invalid: an argument was wrong; nothing was sent.
	Invalid = "invalid"
	// Failed: the request was sent and the API (or the network) refused it.
	Failed = "failed"
	// WouldSucceed: a dry run the API said would succeed (DryRunOperation).
	WouldSucceed = "would-succeed"
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

// Pending is a log opened for one record.
type Pending struct {
	f    *os.File
	path string
}

// Begin opens the log for appending, creating it (0600, in directories
// 0700) if need be. An error means the record could not be written, and
// the call must not be made.
func (l *Log) Begin() (*Pending, error) {
	path, err := l.Path()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a regular file", path)
		}
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &Pending{f: f, path: path}, nil
}

// Commit writes r as one line, fsyncs the file and closes it. The time,
// user, host and process are filled in here.
func (p *Pending) Commit(r Record) error {
	line, err := encode(r)
	if err == nil {
		writeMu.Lock()
		_, err = p.f.Write(line)
		if err == nil {
			err = p.f.Sync()
		}
		writeMu.Unlock()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit log %s: %w", p.path, err)
	}
	return nil
}

// Append writes one record now: Begin and Commit together.
func (l *Log) Append(r Record) error {
	p, err := l.Begin()
	if err != nil {
		return err
	}
	return p.Commit(r)
}

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
