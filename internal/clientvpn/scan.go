package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Source pages through the two Client VPN listings. *Service is the AWS
// source (with its cache); benchmarks serve pages from memory.
type Source interface {
	// Connections calls page with each page of one endpoint's connections.
	Connections(ctx context.Context, q ConnectionQuery, page func([]types.ClientVpnConnection) error) error
	// Endpoints calls page with each page of one region's endpoints.
	Endpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error
}

// ScanOptions govern one scan.
type ScanOptions struct {
	Concurrency int
	// Strict turns tolerated failures (a region that cannot be listed, a
	// discovered endpoint that cannot be read) into the scan's error.
	Strict bool
	// Warn receives each tolerated failure as it happens.
	Warn func(Warning)
	// Progress, if set, counts endpoints and rows.
	Progress *Progress
}

// ConnectionScan is what one scan of client_vpn_connections fetches.
type ConnectionScan struct {
	Regions []string
	// EndpointIDs to read; empty means every endpoint of each region
	// (listed with DescribeClientVpnEndpoints first).
	EndpointIDs   []string
	ConnectionIDs []string
	Usernames     []string
}

// ScanConnections fetches the connections of scan from src, concurrently.
//
// Named endpoints must be readable: a failure ends the scan with its error.
// With several regions in scope a named endpoint is asked for in each, and
// NotFound from the regions it does not live in is expected: only an
// endpoint no region knows is an error.
//
// Discovered endpoints follow the partial-failure rule (README, "When
// reads fail"): a region whose endpoints cannot be listed, or an endpoint
// that cannot be read, becomes a warning and the other rows still come
// back, as long as something was read: an endpoint's connections, or a
// region's (empty) list of endpoints. When nothing was, or opts.Strict is
// set, the scan ends with an error naming the failures, after all were
// tried.
//
// A connection the API lists twice for one endpoint (by connectionId), or
// an endpoint listed twice in one region, is returned once, with a warning.
func ScanConnections(ctx context.Context, src Source, scan ConnectionScan, opts ScanOptions) *Stream[types.ClientVpnConnection] {
	st := newStream[types.ClientVpnConnection](ctx, opts.Concurrency)
	var mu sync.Mutex
	notFound := map[string][]error{} // named endpoint -> NotFound errors, one per region
	var readOK atomic.Int64          // reads that succeeded: endpoints, and regions without endpoints
	read := func(region, endpoint string, named bool) {
		opts.Progress.addEndpoints(1)
		st.spawn(func(ctx context.Context) {
			defer opts.Progress.addDone(1)
			q := ConnectionQuery{Region: region, EndpointID: endpoint, ConnectionIDs: scan.ConnectionIDs, Usernames: scan.Usernames}
			seen := dedupe[types.ClientVpnConnection]{id: func(c *types.ClientVpnConnection) *string { return c.ConnectionId }}
			err := src.Connections(ctx, q, func(items []types.ClientVpnConnection) error {
				items = seen.drop(items)
				opts.Progress.addRows(len(items))
				return st.emit(Page[types.ClientVpnConnection]{Region: region, EndpointID: endpoint, Items: items})
			})
			seen.warn(opts, region, endpoint, "DescribeClientVpnConnections", "connection")
			switch {
			case err == nil:
				readOK.Add(1)
			case ctx.Err() != nil:
			case named && len(scan.Regions) > 1 && isEndpointNotFound(err):
				mu.Lock()
				notFound[endpoint] = append(notFound[endpoint], err)
				mu.Unlock()
			case named:
				_ = st.emit(Page[types.ClientVpnConnection]{Region: region, EndpointID: endpoint, Err: err})
			default:
				st.tolerate(fmt.Errorf("%s: %w", endpoint, err))
				opts.warn(region, endpoint, err)
			}
		})
	}
	if len(scan.EndpointIDs) > 0 {
		for _, region := range scan.Regions {
			for _, endpoint := range scan.EndpointIDs {
				read(region, endpoint, true)
			}
		}
	} else {
		for _, region := range scan.Regions {
			st.spawn(func(ctx context.Context) {
				seen := dedupe[types.ClientVpnEndpoint]{id: func(e *types.ClientVpnEndpoint) *string { return e.ClientVpnEndpointId }}
				found := 0
				err := src.Endpoints(ctx, EndpointQuery{Region: region}, func(items []types.ClientVpnEndpoint) error {
					for _, e := range seen.drop(items) {
						if e.ClientVpnEndpointId != nil {
							found++
							read(region, *e.ClientVpnEndpointId, false)
						}
					}
					return nil
				})
				seen.warn(opts, region, "", "DescribeClientVpnEndpoints", "endpoint")
				switch {
				case err == nil && found == 0:
					readOK.Add(1)
				case err != nil && ctx.Err() == nil:
					st.tolerate(err)
					opts.warn(region, "", err)
				}
			})
		}
	}
	st.finish(func(failures []error) error {
		for _, endpoint := range scan.EndpointIDs {
			if errs := notFound[endpoint]; len(errs) == len(scan.Regions) {
				return fmt.Errorf("%s exists in none of the regions in scope (%s): %w",
					endpoint, strings.Join(scan.Regions, ", "), errs[0])
			}
		}
		return failuresError(failures, opts.Strict, readOK.Load() == 0)
	})
	return st
}

// failuresError is the error a scan with tolerated failures ends with:
// none while something was read and the scan is not strict.
func failuresError(failures []error, strict, nothingRead bool) error {
	switch {
	case len(failures) == 0:
		return nil
	case nothingRead:
		return fmt.Errorf("nothing could be read: %w", joinFailures(failures))
	case strict:
		return joinFailures(failures)
	}
	return nil
}

// dedupe drops the items of one listing whose id an earlier item had.
type dedupe[T any] struct {
	id    func(*T) *string
	seen  map[string]struct{}
	count int    // items dropped
	first string // the first id dropped
}

// drop returns items without the ones seen before; items itself is not
// changed (it may be a page the cache holds).
func (d *dedupe[T]) drop(items []T) []T {
	if d.seen == nil {
		d.seen = make(map[string]struct{}, len(items))
	}
	var kept []T
	for i := range items {
		id := d.id(&items[i])
		if id == nil {
			if kept != nil {
				kept = append(kept, items[i])
			}
			continue
		}
		if _, dup := d.seen[*id]; !dup {
			// A copy: the key must not keep the page's memory alive.
			d.seen[strings.Clone(*id)] = struct{}{}
			if kept != nil {
				kept = append(kept, items[i])
			}
			continue
		}
		if d.count == 0 {
			d.first = *id
		}
		d.count++
		if kept == nil {
			kept = append(make([]T, 0, len(items)-1), items[:i]...)
		}
	}
	if kept == nil {
		return items
	}
	return kept
}

// warn records a warning if any item was dropped.
func (d *dedupe[T]) warn(opts ScanOptions, region, endpoint, op, what string) {
	if d.count == 0 || opts.Warn == nil {
		return
	}
	opts.Warn(Warning{Time: time.Now().UTC(), Region: region, EndpointID: endpoint, Operation: op, Message: shorten(fmt.Sprintf(
		"the API listed %d %s(s) again (first %s); each is returned once", d.count, what, d.first))})
}

// EndpointScan is what one scan of client_vpn_endpoints fetches.
type EndpointScan struct {
	Regions []string
	// EndpointIDs, all in one request per region: the ClientVpnEndpointId.N
	// list when one region is in scope (an unknown id is an error, as it
	// should be), the endpoint-id filter when several are (each id lives in
	// one region; the list would make every other region answer NotFound).
	EndpointIDs       []string
	TransportProtocol string
}

// ScanEndpoints lists the endpoints of scan, one task per region. A region
// that fails is tolerated as in ScanConnections, unless every region failed
// or opts.Strict is set; an endpoint listed twice is returned once, with a
// warning.
func ScanEndpoints(ctx context.Context, src Source, scan EndpointScan, opts ScanOptions) *Stream[types.ClientVpnEndpoint] {
	st := newStream[types.ClientVpnEndpoint](ctx, opts.Concurrency)
	var readOK atomic.Int64 // regions listed
	for _, region := range scan.Regions {
		st.spawn(func(ctx context.Context) {
			q := EndpointQuery{Region: region, TransportProtocol: scan.TransportProtocol}
			if len(scan.Regions) == 1 {
				q.EndpointIDs = scan.EndpointIDs
			} else {
				q.EndpointIDFilter = scan.EndpointIDs
			}
			seen := dedupe[types.ClientVpnEndpoint]{id: func(e *types.ClientVpnEndpoint) *string { return e.ClientVpnEndpointId }}
			err := src.Endpoints(ctx, q, func(items []types.ClientVpnEndpoint) error {
				return st.emit(Page[types.ClientVpnEndpoint]{Region: region, Items: seen.drop(items)})
			})
			seen.warn(opts, region, "", "DescribeClientVpnEndpoints", "endpoint")
			switch {
			case err == nil:
				readOK.Add(1)
			case ctx.Err() != nil:
			case len(q.EndpointIDs) > 0:
				_ = st.emit(Page[types.ClientVpnEndpoint]{Region: region, Err: err})
			default:
				st.tolerate(err)
				opts.warn(region, "", err)
			}
		})
	}
	st.finish(func(failures []error) error {
		return failuresError(failures, opts.Strict, readOK.Load() == 0)
	})
	return st
}

func isEndpointNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == "InvalidClientVpnEndpointId.NotFound"
}

func (o ScanOptions) warn(region, endpoint string, err error) {
	if o.Warn != nil {
		o.Warn(newWarning(region, endpoint, err))
	}
}
