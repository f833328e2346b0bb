package clientvpn

import (
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ConnectionQuery selects the connections of one endpoint in one region,
// optionally narrowed by the API's own filters.
type ConnectionQuery struct {
	Region        string
	EndpointID    string
	ConnectionIDs []string // the connection-id filter
	Usernames     []string // the username filter
}

// Connections calls page with each page of DescribeClientVpnConnections, in
// order, until the last page, an error, or page returns an error.
func (s *Service) Connections(ctx context.Context, q ConnectionQuery, page func([]types.ClientVpnConnection) error) error {
	const op = "DescribeClientVpnConnections"
	client, err := s.client(ctx, q.Region)
	if err != nil {
		return err
	}
	in := &ec2.DescribeClientVpnConnectionsInput{
		ClientVpnEndpointId: aws.String(q.EndpointID),
		MaxResults:          aws.Int32(pageSize),
	}
	if len(q.ConnectionIDs) > 0 {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String("connection-id"), Values: q.ConnectionIDs})
	}
	if len(q.Usernames) > 0 {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String("username"), Values: q.Usernames})
	}
	pages := ec2.NewDescribeClientVpnConnectionsPaginator(client, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return apiError(q.Region, op, err)
		}
		if err := page(out.Connections); err != nil {
			return err
		}
	}
	return nil
}

// Fetch lists the connections of one query, page by page.
type Fetch func(ctx context.Context, q ConnectionQuery, page func([]types.ClientVpnConnection) error) error

// Page is one page of a Stream: the connections of Query, or the error that
// ended Query.
type Page struct {
	Query       ConnectionQuery
	Connections []types.ClientVpnConnection
	Err         error
}

// Stream runs many queries with at most concurrency in flight and delivers
// their pages as they arrive. Memory is bounded by one page per worker: a
// worker waits until its page is taken before it fetches the next.
type Stream struct {
	pages  chan Page
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewStream starts fetching queries with fetch.
func NewStream(ctx context.Context, fetch Fetch, queries []ConnectionQuery, concurrency int) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	st := &Stream{pages: make(chan Page), cancel: cancel}
	todo := make(chan ConnectionQuery)
	workers := max(1, min(concurrency, len(queries)))
	st.wg.Add(workers)
	for range workers {
		go func() {
			defer st.wg.Done()
			for q := range todo {
				st.run(ctx, fetch, q)
			}
		}()
	}
	go func() {
		defer close(todo)
		for _, q := range slices.Clone(queries) {
			select {
			case todo <- q:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		st.wg.Wait()
		close(st.pages)
	}()
	return st
}

func (st *Stream) run(ctx context.Context, fetch Fetch, q ConnectionQuery) {
	send := func(p Page) error {
		select {
		case st.pages <- p:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := fetch(ctx, q, func(conns []types.ClientVpnConnection) error {
		return send(Page{Query: q, Connections: conns})
	})
	if err != nil && ctx.Err() == nil {
		_ = send(Page{Query: q, Err: err})
	}
}

// Next returns the next page, waiting for one; ok is false once every query
// has finished or ctx ends.
func (st *Stream) Next(ctx context.Context) (p Page, ok bool, err error) {
	select {
	case p, ok = <-st.pages:
		return p, ok, nil
	case <-ctx.Done():
		return Page{}, false, ctx.Err()
	}
}

// Close cancels outstanding requests, starts no new ones, and waits for
// every worker to return.
func (st *Stream) Close() {
	st.cancel()
	for range st.pages {
		// Drain so that workers blocked on send can see the cancellation.
	}
	st.wg.Wait()
}
