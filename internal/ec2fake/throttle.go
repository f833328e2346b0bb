package ec2fake

import (
	"net/url"
	"strings"
	"sync"
	"time"
)

// ActionClass names one of EC2's request token buckets. EC2 throttles each
// account in each region with token buckets that every caller of the
// account shares (other tools, the console, automation): a request takes
// one token from its class's bucket, a request finding it empty is answered
// 503 RequestLimitExceeded and takes nothing, and the bucket refills at a
// fixed rate up to its size.
type ActionClass string

// The classes and their sizes in AWS (tokens, tokens per second refilled).
const (
	// NonMutating: Describe*, List*, Get*, Search* (AWS: 100, 20/s).
	NonMutating ActionClass = "non-mutating"
	// UnfilteredUnpaginated: a non-mutating call without MaxResults and
	// without filters, which makes EC2 read everything (AWS: 50, 10/s).
	UnfilteredUnpaginated ActionClass = "unfiltered-unpaginated"
	// Mutating: every other action, e.g. TerminateClientVpnConnections
	// (AWS: 200, 5/s).
	Mutating ActionClass = "mutating"
)

// tokenBucket is the size and refill of one class; background is what
// other callers of every account take from it each second.
type tokenBucket struct {
	size, refill, background float64
}

// bucketKey is one bucket: an account in a region, for one class.
type bucketKey struct {
	account, region string
	class           ActionClass
}

type bucketState struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// buckets is the throttling state of a Server. No class has a bucket until
// a test sets one, so existing data and benchmarks are never throttled.
type buckets struct {
	mu      sync.Mutex
	classes map[ActionClass]tokenBucket
	state   map[bucketKey]*bucketState
}

// SetTokenBucket gives every account+region a bucket of size tokens for
// class, refilled at refillPerSec (0: never). Buckets start full; setting a
// class again refills its buckets to the new size. size 0 removes the
// bucket: the class is never throttled.
func (s *Server) SetTokenBucket(class ActionClass, size int, refillPerSec float64) {
	b := &s.buckets
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.classes == nil {
		b.classes, b.state = map[ActionClass]tokenBucket{}, map[bucketKey]*bucketState{}
	}
	for k := range b.state {
		if k.class == class {
			delete(b.state, k)
		}
	}
	if size <= 0 {
		delete(b.classes, class)
		return
	}
	tb := b.classes[class]
	tb.size, tb.refill = float64(size), refillPerSec
	b.classes[class] = tb
}

// SetEC2TokenBuckets sets the three classes to AWS's documented sizes.
func (s *Server) SetEC2TokenBuckets() {
	s.SetTokenBucket(NonMutating, 100, 20)
	s.SetTokenBucket(UnfilteredUnpaginated, 50, 10)
	s.SetTokenBucket(Mutating, 200, 5)
}

// SetOtherAutomation makes other callers take perSec tokens a second from
// every account+region's bucket of class (as long as there are any), as
// busy automation in the same account does. The class must have a bucket.
func (s *Server) SetOtherAutomation(class ActionClass, perSec float64) {
	b := &s.buckets
	b.mu.Lock()
	defer b.mu.Unlock()
	if tb, ok := b.classes[class]; ok {
		tb.background = perSec
		b.classes[class] = tb
	}
}

// take reports whether the request may proceed, taking a token if its
// class has a bucket; false means it is throttled.
func (b *buckets) take(account, region string, class ActionClass) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	tb, ok := b.classes[class]
	if !ok {
		return true
	}
	now := time.Now()
	k := bucketKey{account, region, class}
	st := b.state[k]
	if st == nil {
		st = &bucketState{tokens: tb.size, at: now}
		b.state[k] = st
	}
	if dt := now.Sub(st.at).Seconds(); dt > 0 {
		st.tokens = min(tb.size, max(0, st.tokens+dt*(tb.refill-tb.background)))
		st.at = now
	}
	if st.tokens < 1 {
		return false
	}
	st.tokens--
	return true
}

// classOf sorts an action into its bucket. Mutating is everything that is
// not a read; a read with neither MaxResults nor a filter is unpaginated
// and unfiltered.
func classOf(action string, p url.Values) ActionClass {
	read := false
	for _, prefix := range []string{"Describe", "List", "Get", "Search"} {
		read = read || strings.HasPrefix(action, prefix)
	}
	if !read {
		return Mutating
	}
	if p.Has("MaxResults") {
		return NonMutating
	}
	for name := range p {
		if strings.HasPrefix(name, "Filter.") {
			return NonMutating
		}
	}
	return UnfilteredUnpaginated
}

// overRateLimit reports whether a request signed with sig for account finds
// its token bucket empty. With declared accounts the buckets are the
// account's; without, every key signs for the one account, and the key
// stands for an account of its own (the fan-out bench's accounts are keys).
func (s *Server) overRateLimit(sig signature, account, action string, p url.Values) bool {
	if len(s.ds.Accounts) == 0 { // Accounts never change after New
		account = sig.key
	}
	return !s.buckets.take(account, sig.region, classOf(action, p))
}
