// Package connlog reads Client VPN connection logs from CloudWatch Logs
// through aws-sdk-go-v2: FilterLogEvents paging, throttling, the record
// format. It knows nothing of SQLite, and nothing of how the AWS
// configuration of a region is made: a ConfigFor supplies it.
package connlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
)

// ConfigFor returns the AWS configuration (credentials, retryer, endpoint)
// of an account ("" for the default one) in a region.
type ConfigFor func(ctx context.Context, account, region string) (aws.Config, error)

// Options configure a Reader.
type Options struct {
	ConfigFor ConfigFor
	// Concurrency bounds the groups read at the same time (default 4:
	// CloudWatch Logs allows FilterLogEvents a few requests per second per
	// account and region, so more only buys throttling).
	Concurrency int
	// Warn receives each group the scan could not read (missing, access
	// denied); its rows are missing from the result.
	Warn func(account, region, group string, err error)
	// Strict, if set and true when a scan starts, makes such a group the
	// scan's error instead of a warning.
	Strict func() bool
	// Progress, if set, counts groups and rows.
	Progress Progress
	// MaxBackoff caps the wait before a page is asked for again after
	// throttling (default 20s).
	MaxBackoff time.Duration
}

// Progress counts the work of scans, for a progress display.
type Progress interface {
	AddTasks(n int)
	TaskDone()
	AddRows(n int)
}

// DefaultConcurrency is Options.Concurrency's default.
const DefaultConcurrency = 4

// Reader reads connection logs. It is safe for concurrent use.
type Reader struct {
	opts Options

	mu      sync.Mutex
	clients map[string]*cloudwatchlogs.Client // by account/region
}

// New returns a Reader.
func New(opts Options) *Reader {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 20 * time.Second
	}
	return &Reader{opts: opts, clients: map[string]*cloudwatchlogs.Client{}}
}

// Group is one log group to read, with the streams the endpoints logging
// to it name. An endpoint that names no stream logs to streams CloudWatch
// names for it, so then the whole group is read (Streams nil).
type Group struct {
	Account string // "" for the configuration's own account
	Region  string
	Name    string
	Streams []string
}

// Scan is what one scan reads.
type Scan struct {
	Groups []Group
	// StartMs and EndMs bound the events' timestamps (ms since the epoch,
	// both inclusive), as FilterLogEvents takes them; nil means unbounded.
	StartMs, EndMs *int64
	// Terms, if any, become a filter pattern matching events whose
	// message contains at least one of them. Each must be plain (see
	// PlainTerm); the caller re-checks rows, as CloudWatch's matching is
	// its own.
	Terms []string
}

// Event is one log event.
type Event struct {
	Stream    string
	Timestamp int64 // ms since the epoch
	Message   string
}

// Page is one page of events of one group, or the error that ended the
// scan.
type Page struct {
	Group  *Group
	Events []Event
	Err    error
}

// PlainTerm says whether s can be matched as a quoted filter-pattern term
// that appears verbatim in the JSON message: no quote, backslash, control
// or non-ASCII character (JSON could escape those).
func PlainTerm(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' {
			return false
		}
	}
	return true
}

// FilterPattern is the CloudWatch Logs pattern of terms: events containing
// any of them ("?" joins alternatives; quotes make each an exact phrase).
func FilterPattern(terms []string) string {
	if len(terms) == 0 {
		return ""
	}
	if len(terms) == 1 {
		return `"` + terms[0] + `"`
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `?"` + t + `"`
	}
	return strings.Join(parts, " ")
}

// Stream delivers the pages of one scan as they arrive. Close cancels the
// requests in flight and waits for every goroutine of the scan.
type Stream struct {
	cancel context.CancelFunc
	pages  chan Page
	done   chan struct{}
}

// Next returns the next page; ok is false once the scan is complete. It
// returns ctx's error if ctx ends first.
func (st *Stream) Next(ctx context.Context) (p Page, ok bool, err error) {
	select {
	case p, ok = <-st.pages:
		return p, ok, nil
	case <-ctx.Done():
		return Page{}, false, ctx.Err()
	}
}

// Close cancels the scan and waits for it to stop.
func (st *Stream) Close() {
	st.cancel()
	<-st.done
}

// ScanConnectionLog reads the groups of scan concurrently (at most Concurrency at a
// time) and streams their pages. Each group is read once. A group that does
// not exist, or that access is denied to, is a warning; any other failure
// ends the scan with its error. At most one page per group in flight is
// held in memory.
func (r *Reader) ScanConnectionLog(ctx context.Context, scan Scan) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	st := &Stream{cancel: cancel, pages: make(chan Page), done: make(chan struct{})}
	emit := func(p Page) bool {
		select {
		case st.pages <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if r.opts.Progress != nil {
		r.opts.Progress.AddTasks(len(scan.Groups))
	}
	strict := r.opts.Strict != nil && r.opts.Strict()
	slots := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for i := range scan.Groups {
		g := &scan.Groups[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r.opts.Progress != nil {
				defer r.opts.Progress.TaskDone()
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			err := r.readGroup(ctx, g, scan, func(events []Event) bool {
				if r.opts.Progress != nil {
					r.opts.Progress.AddRows(len(events))
				}
				return emit(Page{Group: g, Events: events})
			})
			switch {
			case err == nil || ctx.Err() != nil:
			case tolerated(err) && !strict:
				if r.opts.Warn != nil {
					r.opts.Warn(g.Account, g.Region, g.Name, err)
				}
			default:
				emit(Page{Group: g, Err: err})
			}
		}()
	}
	go func() {
		defer close(st.done)
		wg.Wait()
		close(st.pages)
	}()
	return st
}

// tolerated says whether a group's failure leaves the rest of the scan
// meaningful: the group is gone, or this identity may not read it.
func tolerated(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ResourceNotFoundException", "AccessDeniedException":
		return true
	}
	return false
}

func (r *Reader) client(ctx context.Context, account, region string) (*cloudwatchlogs.Client, error) {
	key := account + "/" + region
	r.mu.Lock()
	c, ok := r.clients[key]
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	cfg, err := r.opts.ConfigFor(ctx, account, region)
	if err != nil {
		return nil, err
	}
	c = cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.Region = region })
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.clients[key]; ok {
		return prev, nil
	}
	r.clients[key] = c
	return c, nil
}

// maxStalls bounds the throttled attempts in a row, each after the SDK's
// own retries, before a group gives up.
const maxStalls = 8

// readGroup pages through one group, calling page with each page's events
// until it returns false.
func (r *Reader) readGroup(ctx context.Context, g *Group, scan Scan, page func([]Event) bool) error {
	const op = "FilterLogEvents"
	client, err := r.client(ctx, g.Account, g.Region)
	if err != nil {
		return err
	}
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:   aws.String(g.Name),
		LogStreamNames: g.Streams,
		StartTime:      scan.StartMs,
		EndTime:        scan.EndMs,
	}
	if p := FilterPattern(scan.Terms); p != "" {
		in.FilterPattern = aws.String(p)
	}
	pages := cloudwatchlogs.NewFilterLogEventsPaginator(client, in)
	seen := map[string]bool{}
	stalls := 0
	backoff := min(500*time.Millisecond, r.opts.MaxBackoff)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			if !throttled(err) || stalls >= maxStalls || ctx.Err() != nil {
				return &Error{Region: g.Region, Group: g.Name, Operation: op, Err: err}
			}
			// The SDK's retries ran out while CloudWatch still throttles:
			// wait and ask for the same page again, so no row is lost.
			stalls++
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			backoff = min(2*backoff, r.opts.MaxBackoff)
			continue
		}
		stalls, backoff = 0, min(500*time.Millisecond, r.opts.MaxBackoff)
		if tok := aws.ToString(out.NextToken); tok != "" {
			if seen[tok] {
				return &Error{Region: g.Region, Group: g.Name, Operation: op,
					Err: errors.New("CloudWatch Logs repeated a nextToken; stopping rather than returning rows twice")}
			}
			seen[tok] = true
		}
		// An empty page does not end the scan: CloudWatch may return one
		// while more events follow.
		if len(out.Events) == 0 {
			continue
		}
		if !page(events(out.Events)) {
			return nil
		}
	}
	return nil
}

func events(in []types.FilteredLogEvent) []Event {
	out := make([]Event, len(in))
	for i, e := range in {
		out[i] = Event{Stream: aws.ToString(e.LogStreamName), Timestamp: aws.ToInt64(e.Timestamp), Message: aws.ToString(e.Message)}
	}
	return out
}

// throttled says whether err is CloudWatch throttling, or the SDK's retry
// budget spent on it.
func throttled(err error) bool {
	var qe ratelimit.QuotaExceededError
	if errors.As(err, &qe) {
		return true
	}
	var te *types.ThrottlingException
	if errors.As(err, &te) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException"
}

// Error is a failed read of one log group, on one line.
type Error struct {
	Region, Group, Operation string
	Err                      error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		msg = ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return fmt.Sprintf("%s on log group %s in %s: %s", e.Operation, e.Group, e.Region, msg)
}

func (e *Error) Unwrap() error { return e.Err }
