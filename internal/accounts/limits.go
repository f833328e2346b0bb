package accounts

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddle "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Limits say how hard vpnsql may press on AWS. EC2 rate-limits each
// account in each region with token buckets shared by every caller of that
// account, so the limits that matter are per account+region; the
// process-wide cap only keeps an organization scan from opening thousands
// of connections at once.
type Limits struct {
	// RegionConcurrency bounds the requests in flight to one account in one
	// region (default 8).
	RegionConcurrency int
	// Concurrency bounds the requests in flight in the whole process, all
	// accounts and regions together (default 64).
	Concurrency int
	// StallTimeout is how long requests to one account+region may go on
	// being throttled without that account+region answering anything else;
	// then the request fails (default 5m). Throttling alone never fails a
	// request before that.
	StallTimeout time.Duration
	// MaxAttempts bounds the tries of a request that fails for any other
	// retryable reason (5xx, network), the first included (default 5).
	MaxAttempts int
	// MaxBackoff caps the wait between two tries (default 20s).
	MaxBackoff time.Duration
}

// Defaults of Limits.
const (
	DefaultRegionConcurrency = 8
	DefaultConcurrency       = 64
	DefaultStallTimeout      = 5 * time.Minute
	DefaultMaxAttempts       = 5
	DefaultMaxBackoff        = 20 * time.Second
)

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.RegionConcurrency <= 0 {
		l.RegionConcurrency = DefaultRegionConcurrency
	}
	if l.Concurrency <= 0 {
		l.Concurrency = DefaultConcurrency
	}
	if l.StallTimeout <= 0 {
		l.StallTimeout = DefaultStallTimeout
	}
	if l.MaxAttempts <= 0 {
		l.MaxAttempts = DefaultMaxAttempts
	}
	if l.MaxBackoff <= 0 {
		l.MaxBackoff = DefaultMaxBackoff
	}
	return l
}

// Limiter applies Limits to the aws.Config of every (account, region). It
// keeps the state each account+region shares across clients, scans and
// queries: its concurrency slots, the SDK's adaptive rate limiter, and
// when it last answered. One Limiter serves the whole process.
type Limiter struct {
	mu      sync.Mutex
	limits  Limits
	total   *gate
	regions map[regionKey]*regionLimit
}

type regionKey struct{ account, region string }

// regionLimit is the shared state of one account+region.
type regionLimit struct {
	account, region string
	slots           *gate
	// rate is the SDK's adaptive retry mode, used for its client-side rate
	// limiter: after a throttle it lowers the rate of attempts to this
	// account+region and raises it again (CUBIC) while they succeed.
	rate       *retry.AdaptiveMode
	lastAnswer atomic.Int64 // UnixNano of the last answer that was not a throttle
}

// NewLimiter returns a Limiter with l (zero fields: the defaults).
func NewLimiter(l Limits) *Limiter {
	l = l.withDefaults()
	return &Limiter{limits: l, total: newGate(l.Concurrency), regions: map[regionKey]*regionLimit{}}
}

// Limits returns the limits in force.
func (l *Limiter) Limits() Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits
}

// SetLimits changes the limits. Concurrency and the stall timeout apply at
// once, to requests already waiting too; MaxAttempts and MaxBackoff apply
// to configurations built afterwards.
func (l *Limiter) SetLimits(limits Limits) {
	limits = limits.withDefaults()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = limits
	l.total.setLimit(limits.Concurrency)
	for _, r := range l.regions {
		r.slots.setLimit(limits.RegionConcurrency)
	}
}

func (l *Limiter) region(account, region string) *regionLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := regionKey{account, region}
	r := l.regions[k]
	if r == nil {
		r = &regionLimit{
			account: account,
			region:  region,
			slots:   newGate(l.limits.RegionConcurrency),
			rate:    retry.NewAdaptiveMode(),
		}
		l.regions[k] = r
	}
	return r
}

// Apply makes cfg, the configuration of one account (accountID; "" for the
// default one) in one region, obey the limits: every request waits for a
// slot of its account+region and one of the process, and for the adaptive
// rate limiter; a throttled request is tried again, with backoff, until
// the account+region has answered nothing but throttles for StallTimeout;
// other retryable failures get MaxAttempts tries in all (the SDK's
// standard retryer), a timed-out request two (timeoutBoundRetryer). Call it on a copy of the configuration per
// (account, region), before creating clients from it.
func (l *Limiter) Apply(cfg *aws.Config, accountID, region string) {
	r := l.region(accountID, region)
	limits := l.Limits()
	cfg.Retryer = func() aws.Retryer {
		return timeoutBoundRetryer{retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = limits.MaxAttempts
			o.MaxBackoff = limits.MaxBackoff
		})}
	}
	throttled := &throttleRetry{limiter: l, region: r}
	// Clip: the slice may share its array with other configurations.
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], func(st *middleware.Stack) error {
		// After the SDK's retry loop: every try the SDK makes is one
		// run of this loop of tries until the answer is not a throttle.
		return st.Finalize.Insert(throttled, "Retry", middleware.After)
	})
}

// throttleRetry is the Finalize middleware that waits for slots and keeps
// retrying throttled requests.
type throttleRetry struct {
	limiter *Limiter
	region  *regionLimit
}

func (*throttleRetry) ID() string { return "vpnsqlThrottleRetry" }

// throttles recognises throttling answers: RequestLimitExceeded, the other
// codes the SDK knows (Throttling, ThrottlingException, …) and HTTP 429.
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

func (m *throttleRetry) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	out middleware.FinalizeOutput, md middleware.Metadata, err error,
) {
	// Every try sends a fresh copy of the request as the SDK built it.
	var pristine *smithyhttp.Request
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		pristine = req.Clone()
	}
	var throttledSince time.Time
	for try := 1; ; try++ {
		attempt := in
		if try > 1 && pristine != nil {
			req := pristine.Clone()
			if err := req.RewindStream(); err != nil {
				return out, md, fmt.Errorf("rewinding the request to send it again: %w", err)
			}
			attempt.Request = req
		}
		out, md, err = m.send(ctx, attempt, next)
		if err == nil || !throttles.IsErrorThrottle(err).Bool() {
			if answered(err) {
				m.region.lastAnswer.Store(time.Now().UnixNano())
			}
			return out, md, err
		}
		now := time.Now()
		if throttledSince.IsZero() {
			throttledSince = now
		}
		limits := m.limiter.Limits()
		since := throttledSince
		if last := time.Unix(0, m.region.lastAnswer.Load()); last.After(since) {
			since = last
		}
		if now.Sub(since) >= limits.StallTimeout {
			return out, md, &StallError{Service: awsmiddle.GetServiceID(ctx), Account: m.region.account,
				Region: m.region.region, Timeout: limits.StallTimeout, Err: err}
		}
		if err := sleep(ctx, backoff(try, limits.MaxBackoff)); err != nil {
			return out, md, err
		}
	}
}

// send makes one try: it waits for the adaptive rate limiter, then for a
// slot of the account+region and one of the process, in that order, so
// that a request never holds a process slot while its region is full.
func (m *throttleRetry) send(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	release, err := m.region.rate.GetAttemptToken(ctx)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	if err := m.region.slots.acquire(ctx); err != nil {
		_ = release(err)
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	defer m.region.slots.release()
	if err := m.limiter.total.acquire(ctx); err != nil {
		_ = release(err)
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	defer m.limiter.total.release()
	out, md, err := next.HandleFinalize(ctx, in)
	_ = release(err) // teaches the adaptive rate limiter whether this was throttled
	return out, md, err
}

// answered reports whether err (nil included) is an answer from the
// service rather than a failure to reach it.
func answered(err error) bool {
	var ae smithy.APIError
	return err == nil || errors.As(err, &ae)
}

// backoff is the wait before try+1 after try throttled tries in a row:
// "full jitter" over an exponential ceiling starting at one second, as the
// SDK and EC2's documentation advise for throttling.
func backoff(try int, maxBackoff time.Duration) time.Duration {
	ceiling := maxBackoff
	if try < 32 && time.Second<<(try-1) < ceiling {
		ceiling = time.Second << (try - 1)
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StallError ends a request whose account+region answered nothing but
// throttles for the stall timeout. It carries the AWS code of the last
// throttle, so it reads as that code with a message saying what happened,
// and it is not retried.
type StallError struct {
	Service, Account, Region string
	Timeout                  time.Duration
	Err                      error // the last throttled answer
}

func (e *StallError) Error() string { return e.ErrorCode() + ": " + e.ErrorMessage() }

// ErrorCode is the code of the last throttled answer.
func (e *StallError) ErrorCode() string {
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		return ae.ErrorCode()
	}
	return "Throttling"
}

// ErrorMessage says what happened and what to change, on one line.
func (e *StallError) ErrorMessage() string {
	who := "the account"
	if e.Account != "" {
		who = "account " + e.Account
	}
	return fmt.Sprintf("%s throttled every request of %s in %s for %s, with no other answer meanwhile; "+
		"other callers are using up its request rate (raise stall_timeout to wait longer)",
		e.Service, who, e.Region, e.Timeout)
}

// ErrorFault is the server's: AWS refused to serve, the request was fine.
func (e *StallError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

// RetryableError tells the SDK's retryer not to try again: the stall
// timeout was the retrying.
func (e *StallError) RetryableError() bool { return false }

func (e *StallError) Unwrap() error { return e.Err }

// gate is a counting semaphore whose size can change while requests wait;
// waiters are served first come, first served.
type gate struct {
	mu      sync.Mutex
	limit   int
	inUse   int
	waiters []chan struct{}
}

func newGate(limit int) *gate { return &gate{limit: limit} }

func (g *gate) acquire(ctx context.Context) error {
	g.mu.Lock()
	if g.inUse < g.limit && len(g.waiters) == 0 {
		g.inUse++
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		for i, w := range g.waiters {
			if w == ch {
				g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
				return ctx.Err()
			}
		}
		// Granted meanwhile: hand the slot on.
		g.inUse--
		g.grant()
		return ctx.Err()
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inUse--
	g.grant()
}

func (g *gate) setLimit(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limit = n
	g.grant()
}

// grant hands free slots to waiters; g.mu is held.
func (g *gate) grant() {
	for g.inUse < g.limit && len(g.waiters) > 0 {
		ch := g.waiters[0]
		g.waiters = g.waiters[1:]
		g.inUse++
		close(ch)
	}
}
