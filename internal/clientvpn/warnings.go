package clientvpn

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpnsql/vpnsql/internal/accounts"
)

// Warning is something a query survived: an account, a region or an
// endpoint whose rows are missing from the result, or rows the API listed
// twice.
type Warning struct {
	Seq        int64 // increasing, to ask for the warnings since a point
	Time       time.Time
	AccountID  string // "" for the default account (or a profile that failed: see Message)
	Region     string // "" when a whole account failed
	EndpointID string // "" when a whole region failed
	Operation  string
	Code       string // the AWS error code, if AWS answered
	Message    string // one line of at most maxMessage bytes
	// RowsMissing: a failure, so the rows from there are missing (else the
	// result is complete and the warning says what was dropped from it).
	RowsMissing bool
}

func newWarning(account, region, endpoint string, err error) Warning {
	w := Warning{Time: time.Now().UTC(), AccountID: account, Region: region, EndpointID: endpoint, Message: shorten(err.Error()), RowsMissing: true}
	var ae *APIError
	var acct *accounts.Error
	switch {
	case errors.As(err, &ae):
		w.Operation, w.Code, w.Message = ae.Operation, ae.Code, ae.Message
	case errors.As(err, &acct) && acct.Account.ID != "":
		w.AccountID, w.Message = acct.Account.ID, shorten(acct.Err.Error())
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
	if w.RowsMissing {
		msg += " (rows from there are missing)"
	}
	if where == "" {
		return msg
	}
	return where + ": " + msg
}

// warnings keeps the most recent warnings of the process, at most
// keptWarnings of them and keptWarningBytes of text: a long run of failing
// queries must not grow the process without bound. The oldest go first;
// Warnings then starts with a note saying how many went.
type warnings struct {
	mu       sync.Mutex
	seq      int64
	list     []Warning
	bytes    int   // the size of list, by warningSize
	dropped  int64 // warnings dropped to stay within the bounds
	lastGone int64 // the Seq of the latest one dropped
}

const (
	keptWarnings     = 1000
	keptWarningBytes = 512 << 10
)

// warningSize is what a warning costs to keep, about.
func warningSize(w Warning) int {
	return 128 + len(w.AccountID) + len(w.Region) + len(w.EndpointID) + len(w.Operation) + len(w.Code) + len(w.Message)
}

func (ws *warnings) add(w Warning) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.seq++
	w.Seq = ws.seq
	ws.list = append(ws.list, w)
	ws.bytes += warningSize(w)
	drop := 0
	for len(ws.list)-drop > keptWarnings || ws.bytes > keptWarningBytes && drop < len(ws.list)-1 {
		ws.bytes -= warningSize(ws.list[drop])
		ws.lastGone = ws.list[drop].Seq
		drop++
	}
	if drop > 0 {
		ws.dropped += int64(drop)
		// A fresh array, so the dropped warnings' memory can go.
		ws.list = append(make([]Warning, 0, len(ws.list)-drop+keptWarnings/4), ws.list[drop:]...)
	}
}

// Warnings returns the kept warnings with Seq greater than since, oldest
// first (since 0: all of them). If some of those were dropped to keep
// within the bounds, a note saying so comes first, with the Seq of the
// latest dropped one.
func (s *Service) Warnings(since int64) []Warning {
	ws := &s.warnings
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []Warning
	if ws.dropped > 0 && since < ws.lastGone {
		out = append(out, Warning{Seq: ws.lastGone, Time: ws.list[0].Time, Operation: "vpnsql", Message: fmt.Sprintf(
			"%d older warnings were dropped: vpnsql keeps the latest %d (at most %d KB); vpnsql_clear_warnings() empties the list",
			ws.dropped, keptWarnings, keptWarningBytes>>10)})
	}
	for _, w := range ws.list {
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

// ClearWarnings forgets the kept warnings, and their memory.
func (s *Service) ClearWarnings() {
	ws := &s.warnings
	ws.mu.Lock()
	ws.list, ws.bytes, ws.dropped, ws.lastGone = nil, 0, 0, 0
	ws.mu.Unlock()
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
