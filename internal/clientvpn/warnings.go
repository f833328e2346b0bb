package clientvpn

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpnsql/vpnsql/internal/accounts"
)

// Warning is a failure a query survived: an account, a region or an
// endpoint whose rows are missing from the result.
type Warning struct {
	Seq        int64 // increasing, to ask for the warnings since a point
	Time       time.Time
	AccountID  string // "" for the default account (or a profile that failed: see Message)
	Region     string // "" when a whole account failed
	EndpointID string // "" when a whole region failed
	Operation  string
	Code       string // the AWS error code, if AWS answered
	Message    string
}

func newWarning(account, region, endpoint string, err error) Warning {
	w := Warning{Time: time.Now().UTC(), AccountID: account, Region: region, EndpointID: endpoint, Message: err.Error()}
	var ae *APIError
	var acct *accounts.Error
	switch {
	case errors.As(err, &ae):
		w.Operation, w.Code, w.Message = ae.Operation, ae.Code, ae.Message
	case errors.As(err, &acct) && acct.Account.ID != "":
		w.AccountID, w.Message = acct.Account.ID, acct.Err.Error()
	}
	return w
}

// String is the warning on one line, as the CLI prints it.
func (w Warning) String() string {
	where := strings.TrimSpace(w.AccountID + " " + w.Region + " " + w.EndpointID)
	where = strings.Join(strings.Fields(where), " ")
	msg := w.Message
	if w.Code != "" {
		msg = w.Code + ": " + msg
	}
	if w.Operation != "" {
		msg = w.Operation + ": " + msg
	}
	return where + ": " + msg + " (rows from there are missing)"
}

// warnings keeps the most recent warnings of the process.
type warnings struct {
	mu   sync.Mutex
	seq  int64
	list []Warning
}

const keptWarnings = 1000

func (ws *warnings) add(w Warning) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.seq++
	w.Seq = ws.seq
	ws.list = append(ws.list, w)
	if len(ws.list) > keptWarnings {
		ws.list = append([]Warning(nil), ws.list[len(ws.list)-keptWarnings:]...)
	}
}

// Warnings returns the kept warnings with Seq greater than since, oldest
// first (since 0: all of them).
func (s *Service) Warnings(since int64) []Warning {
	s.warnings.mu.Lock()
	defer s.warnings.mu.Unlock()
	var out []Warning
	for _, w := range s.warnings.list {
		if w.Seq > since {
			out = append(out, w)
		}
	}
	return out
}

// WarningSeq is the Seq of the latest warning, a mark for Warnings(since).
func (s *Service) WarningSeq() int64 {
	s.warnings.mu.Lock()
	defer s.warnings.mu.Unlock()
	return s.warnings.seq
}

// ClearWarnings forgets the kept warnings.
func (s *Service) ClearWarnings() {
	s.warnings.mu.Lock()
	s.warnings.list = nil
	s.warnings.mu.Unlock()
}

// Progress counts the work of scans, for a progress display.
type Progress struct {
	endpoints atomic.Int64 // endpoints queued
	done      atomic.Int64 // endpoints finished
	rows      atomic.Int64
}

// Snapshot returns endpoints finished, endpoints queued, and rows fetched.
func (p *Progress) Snapshot() (done, total, rows int64) {
	if p == nil {
		return 0, 0, 0
	}
	return p.done.Load(), p.endpoints.Load(), p.rows.Load()
}

func (p *Progress) addEndpoints(n int) {
	if p != nil {
		p.endpoints.Add(int64(n))
	}
}

func (p *Progress) addDone(n int) {
	if p != nil {
		p.done.Add(int64(n))
	}
}

func (p *Progress) addRows(n int) {
	if p != nil {
		p.rows.Add(int64(n))
	}
}
