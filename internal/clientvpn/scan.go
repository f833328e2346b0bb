package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

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
// endpoint no region knows is an error. Discovered ones are tolerated: a region whose endpoints cannot be listed,
// or an endpoint that cannot be read, becomes a warning and the other rows
// still come back, unless every region failed or opts.Strict is set. Then
// the scan ends with an error naming every failure, after all were tried.
func ScanConnections(ctx context.Context, src Source, scan ConnectionScan, opts ScanOptions) *Stream[types.ClientVpnConnection] {
	st := newStream[types.ClientVpnConnection](ctx, opts.Concurrency)
	var mu sync.Mutex
	notFound := map[string][]error{} // named endpoint -> NotFound errors, one per region
	read := func(region, endpoint string, named bool) {
		opts.Progress.addEndpoints(1)
		st.spawn(func(ctx context.Context) {
			defer opts.Progress.addDone(1)
			q := ConnectionQuery{Region: region, EndpointID: endpoint, ConnectionIDs: scan.ConnectionIDs, Usernames: scan.Usernames}
			err := src.Connections(ctx, q, func(items []types.ClientVpnConnection) error {
				opts.Progress.addRows(len(items))
				return st.emit(Page[types.ClientVpnConnection]{Region: region, EndpointID: endpoint, Items: items})
			})
			switch {
			case err == nil || ctx.Err() != nil:
			case named && len(scan.Regions) > 1 && isEndpointNotFound(err):
				mu.Lock()
				notFound[endpoint] = append(notFound[endpoint], err)
				mu.Unlock()
			case named:
				_ = st.emit(Page[types.ClientVpnConnection]{Region: region, EndpointID: endpoint, Err: err})
			default:
				st.tolerate(err)
				opts.warn(region, endpoint, err)
			}
		})
	}
	var regionsFailed atomic.Int64
	if len(scan.EndpointIDs) > 0 {
		for _, region := range scan.Regions {
			for _, endpoint := range scan.EndpointIDs {
				read(region, endpoint, true)
			}
		}
	} else {
		for _, region := range scan.Regions {
			st.spawn(func(ctx context.Context) {
				err := src.Endpoints(ctx, EndpointQuery{Region: region}, func(items []types.ClientVpnEndpoint) error {
					for _, e := range items {
						if e.ClientVpnEndpointId != nil {
							read(region, *e.ClientVpnEndpointId, false)
						}
					}
					return nil
				})
				if err != nil && ctx.Err() == nil {
					regionsFailed.Add(1)
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
		allRegionsFailed := len(scan.EndpointIDs) == 0 && len(scan.Regions) > 0 && regionsFailed.Load() == int64(len(scan.Regions))
		if len(failures) > 0 && (opts.Strict || allRegionsFailed) {
			return joinFailures(failures)
		}
		return nil
	})
	return st
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
// or opts.Strict is set.
func ScanEndpoints(ctx context.Context, src Source, scan EndpointScan, opts ScanOptions) *Stream[types.ClientVpnEndpoint] {
	st := newStream[types.ClientVpnEndpoint](ctx, opts.Concurrency)
	for _, region := range scan.Regions {
		st.spawn(func(ctx context.Context) {
			q := EndpointQuery{Region: region, TransportProtocol: scan.TransportProtocol}
			if len(scan.Regions) == 1 {
				q.EndpointIDs = scan.EndpointIDs
			} else {
				q.EndpointIDFilter = scan.EndpointIDs
			}
			err := src.Endpoints(ctx, q, func(items []types.ClientVpnEndpoint) error {
				return st.emit(Page[types.ClientVpnEndpoint]{Region: region, Items: items})
			})
			switch {
			case err == nil || ctx.Err() != nil:
			case len(q.EndpointIDs) > 0:
				_ = st.emit(Page[types.ClientVpnEndpoint]{Region: region, Err: err})
			default:
				st.tolerate(err)
				opts.warn(region, "", err)
			}
		})
	}
	st.finish(func(failures []error) error {
		if len(failures) > 0 && (opts.Strict || len(failures) == len(scan.Regions)) {
			return joinFailures(failures)
		}
		return nil
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
