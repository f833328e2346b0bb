package accounts

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestApplyLimits: Apply gives a configuration the retryer (with timed-out
// requests tried twice only) and the throttling middleware, and keeps one
// limiter per account+region.
func TestApplyLimits(t *testing.T) {
	l := NewLimiter(Limits{})
	var cfg aws.Config
	l.Apply(&cfg, "111122223333", "eu-west-1")
	if cfg.Retryer == nil || cfg.Retryer().MaxAttempts() != DefaultMaxAttempts || len(cfg.APIOptions) != 1 {
		t.Fatalf("retryer set: %t, %d API options", cfg.Retryer != nil, len(cfg.APIOptions))
	}
	if _, ok := cfg.Retryer().(timeoutBoundRetryer); !ok {
		t.Fatalf("retryer %T: timed-out requests are not bounded", cfg.Retryer())
	}
	first := l.region("111122223333", "eu-west-1")
	if again := l.region("111122223333", "eu-west-1"); again != first {
		t.Fatal("one account+region got two limiters")
	}
	if other := l.region("444455556666", "eu-west-1"); other == first {
		t.Fatal("two accounts share one limiter")
	}
}

// TestGate: waiters are served in order as slots free up or the limit
// grows; a waiter whose context ends leaves without taking a slot.
func TestGate(t *testing.T) {
	g := newGate(1)
	ctx := context.Background()
	if err := g.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.acquire(cancelled); err == nil {
		t.Fatal("a cancelled waiter got a slot")
	}
	got := make(chan int, 2)
	for i := range 2 {
		queued := make(chan struct{})
		go func() {
			close(queued)
			if err := g.acquire(ctx); err == nil {
				got <- i
			}
		}()
		<-queued
		waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiters) == i+1 })
	}
	g.release()
	if first := <-got; first != 0 {
		t.Fatalf("waiter %d served first", first)
	}
	g.setLimit(2)
	if second := <-got; second != 1 {
		t.Fatalf("waiter %d served second", second)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inUse != 2 || len(g.waiters) != 0 {
		t.Fatalf("%d in use, %d waiting; want 2 and 0", g.inUse, len(g.waiters))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
	}
}
