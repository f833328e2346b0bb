package clientvpn

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Page is one page of results from one account's region (and, for
// connections, one endpoint), or the error that ended a fetch the query
// cannot do without.
type Page[T any] struct {
	AccountID  string // "" for the default account when its id was not needed
	Region     string
	EndpointID string
	Items      []T
	Err        error
}

// Stream runs the tasks of one scan with at most concurrency in flight and
// delivers their pages as they arrive.
//
// Memory is bounded: a task keeps its slot while it waits for its page to
// be taken, so at most one page per slot is held. Close cancels requests in
// flight, starts no new task, and waits until every task has returned.
type Stream[T any] struct {
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{}
	pages  chan Page[T]
	tasks  sync.WaitGroup
	done   chan struct{}

	mu       sync.Mutex
	failures []error // errors tolerated as warnings; fatal in strict mode
}

func newStream[T any](ctx context.Context, concurrency int) *Stream[T] {
	ctx, cancel := context.WithCancel(ctx)
	return &Stream[T]{
		ctx:    ctx,
		cancel: cancel,
		slots:  make(chan struct{}, max(1, concurrency)),
		pages:  make(chan Page[T]),
		done:   make(chan struct{}),
	}
}

// spawn runs task once a slot is free, unless the stream is closed first.
// Tasks may spawn further tasks.
func (st *Stream[T]) spawn(task func(ctx context.Context)) {
	st.tasks.Add(1)
	go func() {
		defer st.tasks.Done()
		select {
		case st.slots <- struct{}{}:
		case <-st.ctx.Done():
			return
		}
		defer func() { <-st.slots }()
		if st.ctx.Err() != nil {
			return
		}
		task(st.ctx)
	}()
}

// emit hands a page to the reader, waiting until it is taken.
func (st *Stream[T]) emit(p Page[T]) error {
	select {
	case st.pages <- p:
		return nil
	case <-st.ctx.Done():
		return st.ctx.Err()
	}
}

// tolerate records an error the scan survives (a failing region).
func (st *Stream[T]) tolerate(err error) {
	st.mu.Lock()
	st.failures = append(st.failures, err)
	st.mu.Unlock()
}

// finish closes the page channel once every task has returned; final, if
// it returns an error, is delivered as the last page.
func (st *Stream[T]) finish(final func(failures []error) error) {
	go func() {
		defer close(st.done)
		st.tasks.Wait()
		st.mu.Lock()
		failures := st.failures
		st.mu.Unlock()
		if err := final(failures); err != nil {
			_ = st.emit(Page[T]{Err: err})
		}
		close(st.pages)
	}()
}

// Next returns the next page, waiting for one; ok is false once the scan
// is complete. It returns ctx's error if ctx ends first.
func (st *Stream[T]) Next(ctx context.Context) (p Page[T], ok bool, err error) {
	select {
	case p, ok = <-st.pages:
		return p, ok, nil
	case <-ctx.Done():
		return Page[T]{}, false, ctx.Err()
	}
}

// Close cancels the scan and waits for all of its goroutines.
func (st *Stream[T]) Close() {
	st.cancel()
	<-st.done
}

// joinFailures is the one-line error of a scan whose failures are fatal:
// the first few in full, then how many more.
func joinFailures(failures []error) error {
	const shown = 3
	if len(failures) == 1 {
		return failures[0]
	}
	n := min(len(failures), shown)
	format := fmt.Sprintf("%d calls failed: ", len(failures)) + strings.TrimSuffix(strings.Repeat("%w; ", n), "; ")
	args := make([]any, n)
	for i := range n {
		args[i] = failures[i]
	}
	if len(failures) > shown {
		format += fmt.Sprintf("; and %d more (see vpnsql_warnings)", len(failures)-shown)
	}
	return fmt.Errorf(format, args...)
}
