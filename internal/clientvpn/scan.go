package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/accounts"
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
	// Unreadable are accounts known to fail before the scan starts (a
	// profile whose credentials could not be loaded): each is a tolerated
	// failure, warned about like a failing region.
	Unreadable []error
}

// target is one account's region.
type target struct{ account, region string }

// targets is every account × region of a scan; no accounts means the
// default account ("").
func targets(accountIDs, regions []string) []target {
	if len(accountIDs) == 0 {
		accountIDs = []string{""}
	}
	out := make([]target, 0, len(accountIDs)*len(regions))
	for _, a := range accountIDs {
		for _, r := range regions {
			out = append(out, target{a, r})
		}
	}
	return out
}

// inAccount prefixes err with the account it happened in (when there is
// one), so that a strict scan's error names every failing account.
func inAccount(account string, err error) error {
	var acct *accounts.Error
	if account == "" || errors.As(err, &acct) {
		return err
	}
	return fmt.Errorf("account %s: %w", account, err)
}

// failedAccounts remembers, within one scan, the accounts whose
// credentials failed, so that an account refusing its role is one warning
// (and one strict error), not one per region.
type failedAccounts struct {
	mu   sync.Mutex
	seen map[string]bool
}

// tolerate records err of target at as a tolerated failure and warns about
// it, once per account for an account's own failure.
func tolerate[T any](st *Stream[T], opts ScanOptions, fa *failedAccounts, at target, endpoint string, err error) {
	if isAccountError(err) {
		fa.mu.Lock()
		seen := fa.seen[at.account]
		if fa.seen == nil {
			fa.seen = map[string]bool{}
		}
		fa.seen[at.account] = true
		fa.mu.Unlock()
		if seen {
			return
		}
		at.region, endpoint = "", ""
	}
	opts.warn(at.account, at.region, endpoint, err)
	if endpoint != "" {
		err = fmt.Errorf("%s: %w", endpoint, err)
	}
	st.tolerate(inAccount(at.account, err))
}

// tolerateUnreadable records the accounts known to fail as warnings.
func tolerateUnreadable[T any](st *Stream[T], opts ScanOptions) {
	for _, err := range opts.Unreadable {
		st.tolerate(err)
		opts.warn("", "", "", err)
	}
}

// ConnectionScan is what one scan of client_vpn_connections fetches.
type ConnectionScan struct {
	// Accounts to read (empty: every account in scope); WithAccountIDs
	// asks for the default account's id too (it costs an STS call).
	Accounts       []string
	WithAccountIDs bool
	Regions        []string
	// EndpointIDs to read; empty means every endpoint of each region
	// (listed with DescribeClientVpnEndpoints first).
	EndpointIDs   []string
	ConnectionIDs []string
	Usernames     []string
}

// ScanConnections fetches the connections of scan from src, concurrently.
//
// Named endpoints must be readable: a failure ends the scan with its error.
// With several accounts or regions in scope a named endpoint is asked for
// in each, and NotFound from the ones it does not live in is expected: only
// an endpoint no account's region knows is an error.
//
// Discovered endpoints follow the partial-failure rule (README, "When
// reads fail"): an account that cannot be read, a region whose endpoints
// cannot be listed, or an endpoint that cannot be read, becomes a warning
// and the other rows still come back, as long as something was read: an
// endpoint's connections, or a region's (empty) list of endpoints. When
// nothing was, or opts.Strict is set, the scan ends with an error naming
// the failures, after all were tried.
//
// A connection the API lists twice for one endpoint (by connectionId), or
// an endpoint listed twice in one account's region, is returned once, with
// a warning.
func ScanConnections(ctx context.Context, src Source, scan ConnectionScan, opts ScanOptions) *Stream[types.ClientVpnConnection] {
	return scanPerEndpoint(ctx, src, scan.Accounts, scan.Regions, scan.EndpointIDs, opts, perEndpoint[types.ClientVpnConnection]{
		op: "DescribeClientVpnConnections", what: "connection",
		id: func(c *types.ClientVpnConnection) *string { return c.ConnectionId },
		fetch: func(ctx context.Context, at target, endpoint string, page func([]types.ClientVpnConnection) error) error {
			return src.Connections(ctx, ConnectionQuery{
				AccountID: at.account, Region: at.region, EndpointID: endpoint,
				ConnectionIDs: scan.ConnectionIDs, Usernames: scan.Usernames,
			}, page)
		},
	})
}

// perEndpoint says how scanPerEndpoint reads one endpoint's listing.
type perEndpoint[T any] struct {
	op, what string // the API operation, and what it lists, for warnings
	// id identifies an item, to return an item listed twice once (nil:
	// the items have no id of their own, and are all kept).
	id    func(*T) *string
	fetch func(ctx context.Context, at target, endpoint string, page func([]T) error) error
}

// scanPerEndpoint is the scan of a listing that the API answers per
// endpoint (connections, authorization rules): the named endpoints in
// every account's region in scope, or every endpoint each one lists.
// Failures are handled as ScanConnections documents.
func scanPerEndpoint[T any](ctx context.Context, src interface {
	Endpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error
}, accountIDs, regions, endpointIDs []string, opts ScanOptions, each perEndpoint[T]) *Stream[T] {
	st := newStream[T](ctx, opts.Concurrency)
	tolerateUnreadable(st, opts)
	all := targets(accountIDs, regions)
	var mu sync.Mutex
	notFound := map[string][]error{} // named endpoint -> NotFound errors, one per target
	unreached := map[string]int{}    // named endpoint -> targets whose account failed
	var readOK atomic.Int64          // reads that succeeded: endpoints, and regions without endpoints
	var fa failedAccounts
	read := func(at target, endpoint string, named bool) {
		opts.Progress.addEndpoints(1)
		st.spawn(func(ctx context.Context) {
			defer opts.Progress.addDone(1)
			seen := dedupe[T]{id: each.id}
			err := each.fetch(ctx, at, endpoint, func(items []T) error {
				items = seen.drop(items)
				opts.Progress.addRows(len(items))
				return st.emit(Page[T]{AccountID: at.account, Region: at.region, EndpointID: endpoint, Items: items})
			})
			seen.warn(opts, at, endpoint, each.op, each.what)
			switch {
			case err == nil:
				readOK.Add(1)
			case ctx.Err() != nil:
			case named && len(all) > 1 && isEndpointNotFound(err):
				mu.Lock()
				notFound[endpoint] = append(notFound[endpoint], err)
				mu.Unlock()
			case named && len(all) > 1 && isAccountError(err):
				mu.Lock()
				unreached[endpoint]++
				mu.Unlock()
				tolerate(st, opts, &fa, at, endpoint, err)
			case named:
				_ = st.emit(Page[T]{AccountID: at.account, Region: at.region, EndpointID: endpoint, Err: err})
			default:
				tolerate(st, opts, &fa, at, endpoint, err)
			}
		})
	}
	if len(endpointIDs) > 0 {
		for _, at := range all {
			for _, endpoint := range endpointIDs {
				read(at, endpoint, true)
			}
		}
	} else {
		for _, at := range all {
			st.spawn(func(ctx context.Context) {
				seen := dedupe[types.ClientVpnEndpoint]{id: func(e *types.ClientVpnEndpoint) *string { return e.ClientVpnEndpointId }}
				found := 0
				err := src.Endpoints(ctx, EndpointQuery{AccountID: at.account, Region: at.region}, func(items []types.ClientVpnEndpoint) error {
					for _, e := range seen.drop(items) {
						if e.ClientVpnEndpointId != nil {
							found++
							read(at, *e.ClientVpnEndpointId, false)
						}
					}
					return nil
				})
				seen.warn(opts, at, "", "DescribeClientVpnEndpoints", "endpoint")
				switch {
				case err == nil && found == 0:
					readOK.Add(1)
				case err != nil && ctx.Err() == nil:
					tolerate(st, opts, &fa, at, "", err)
				}
			})
		}
	}
	st.finish(func(failures []error) error {
		for _, endpoint := range endpointIDs {
			if errs := notFound[endpoint]; len(errs) > 0 && len(errs)+unreached[endpoint] == len(all) {
				return fmt.Errorf("%s exists in none of the %s in scope (%s): %w",
					endpoint, scopeNoun(accountIDs), strings.Join(regions, ", "), errs[0])
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
	id func(*T) *string
	// seen holds a 64-bit hash of each id, not a copy: 8 bytes an item
	// instead of some 50 while a big endpoint streams (two of 10,000 ids
	// collide with odds of 3 in a trillion; a collision would drop a row
	// with the warning, never silently).
	seen  map[uint64]struct{}
	seed  maphash.Seed
	count int    // items dropped
	first string // the first id dropped
}

// drop returns items without the ones seen before (all of them when id is
// nil); items itself is not changed (it may be a page the cache holds).
func (d *dedupe[T]) drop(items []T) []T {
	if d.id == nil {
		return items
	}
	if d.seen == nil {
		d.seen, d.seed = make(map[uint64]struct{}, len(items)), maphash.MakeSeed()
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
		h := maphash.String(d.seed, *id)
		if _, dup := d.seen[h]; !dup {
			d.seen[h] = struct{}{}
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
func (d *dedupe[T]) warn(opts ScanOptions, at target, endpoint, op, what string) {
	if d.count == 0 || opts.Warn == nil {
		return
	}
	opts.Warn(Warning{Time: time.Now().UTC(), AccountID: at.account, Region: at.region, EndpointID: endpoint, Operation: op, Message: shorten(fmt.Sprintf(
		"the API listed %d %s(s) again (first %s); each is returned once", d.count, what, d.first))})
}

// EndpointScan is what one scan of client_vpn_endpoints fetches.
type EndpointScan struct {
	// Accounts and WithAccountIDs as in ConnectionScan.
	Accounts       []string
	WithAccountIDs bool
	Regions        []string
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
	tolerateUnreadable(st, opts)
	all := targets(scan.Accounts, scan.Regions)
	var readOK atomic.Int64 // accounts' regions listed
	var fa failedAccounts
	for _, at := range all {
		st.spawn(func(ctx context.Context) {
			q := EndpointQuery{AccountID: at.account, Region: at.region, TransportProtocol: scan.TransportProtocol}
			if len(all) == 1 {
				q.EndpointIDs = scan.EndpointIDs
			} else {
				q.EndpointIDFilter = scan.EndpointIDs
			}
			seen := dedupe[types.ClientVpnEndpoint]{id: func(e *types.ClientVpnEndpoint) *string { return e.ClientVpnEndpointId }}
			err := src.Endpoints(ctx, q, func(items []types.ClientVpnEndpoint) error {
				return st.emit(Page[types.ClientVpnEndpoint]{AccountID: at.account, Region: at.region, Items: seen.drop(items)})
			})
			seen.warn(opts, at, "", "DescribeClientVpnEndpoints", "endpoint")
			switch {
			case err == nil:
				readOK.Add(1)
			case ctx.Err() != nil:
			case len(q.EndpointIDs) > 0:
				_ = st.emit(Page[types.ClientVpnEndpoint]{AccountID: at.account, Region: at.region, Err: err})
			default:
				tolerate(st, opts, &fa, at, "", err)
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

func isAccountError(err error) bool {
	var acct *accounts.Error
	return errors.As(err, &acct)
}

// scopeNoun names what a named endpoint was looked for in.
func scopeNoun(accountIDs []string) string {
	if len(accountIDs) > 1 {
		return "accounts and regions"
	}
	return "regions"
}

func (o ScanOptions) warn(account, region, endpoint string, err error) {
	if o.Warn != nil {
		o.Warn(newWarning(account, region, endpoint, err))
	}
}
