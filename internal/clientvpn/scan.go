package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

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
	st.tolerate(inAccount(at.account, err))
	opts.warn(at.account, at.region, endpoint, err)
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
// an endpoint no account's region knows is an error. Discovered ones are tolerated: a region whose endpoints cannot be listed,
// or an endpoint that cannot be read, becomes a warning and the other rows
// still come back, unless every region failed or opts.Strict is set. Then
// the scan ends with an error naming every failure, after all were tried.
func ScanConnections(ctx context.Context, src Source, scan ConnectionScan, opts ScanOptions) *Stream[types.ClientVpnConnection] {
	st := newStream[types.ClientVpnConnection](ctx, opts.Concurrency)
	tolerateUnreadable(st, opts)
	all := targets(scan.Accounts, scan.Regions)
	var mu sync.Mutex
	notFound := map[string][]error{} // named endpoint -> NotFound errors, one per target
	unreached := map[string]int{}    // named endpoint -> targets whose account failed
	var fa failedAccounts
	read := func(at target, endpoint string, named bool) {
		opts.Progress.addEndpoints(1)
		st.spawn(func(ctx context.Context) {
			defer opts.Progress.addDone(1)
			q := ConnectionQuery{AccountID: at.account, Region: at.region, EndpointID: endpoint, ConnectionIDs: scan.ConnectionIDs, Usernames: scan.Usernames}
			err := src.Connections(ctx, q, func(items []types.ClientVpnConnection) error {
				opts.Progress.addRows(len(items))
				return st.emit(Page[types.ClientVpnConnection]{AccountID: at.account, Region: at.region, EndpointID: endpoint, Items: items})
			})
			switch {
			case err == nil || ctx.Err() != nil:
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
				_ = st.emit(Page[types.ClientVpnConnection]{AccountID: at.account, Region: at.region, EndpointID: endpoint, Err: err})
			default:
				tolerate(st, opts, &fa, at, endpoint, err)
			}
		})
	}
	var targetsFailed atomic.Int64
	if len(scan.EndpointIDs) > 0 {
		for _, at := range all {
			for _, endpoint := range scan.EndpointIDs {
				read(at, endpoint, true)
			}
		}
	} else {
		for _, at := range all {
			st.spawn(func(ctx context.Context) {
				err := src.Endpoints(ctx, EndpointQuery{AccountID: at.account, Region: at.region}, func(items []types.ClientVpnEndpoint) error {
					for _, e := range items {
						if e.ClientVpnEndpointId != nil {
							read(at, *e.ClientVpnEndpointId, false)
						}
					}
					return nil
				})
				if err != nil && ctx.Err() == nil {
					targetsFailed.Add(1)
					tolerate(st, opts, &fa, at, "", err)
				}
			})
		}
	}
	st.finish(func(failures []error) error {
		for _, endpoint := range scan.EndpointIDs {
			if errs := notFound[endpoint]; len(errs) > 0 && len(errs)+unreached[endpoint] == len(all) {
				return fmt.Errorf("%s exists in none of the %s in scope (%s): %w",
					endpoint, scopeNoun(scan.Accounts), strings.Join(scan.Regions, ", "), errs[0])
			}
		}
		allFailed := len(scan.EndpointIDs) == 0 && len(all) > 0 && targetsFailed.Load() == int64(len(all))
		if len(failures) > 0 && (opts.Strict || allFailed) {
			return joinFailures(failures)
		}
		return nil
	})
	return st
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
// or opts.Strict is set.
func ScanEndpoints(ctx context.Context, src Source, scan EndpointScan, opts ScanOptions) *Stream[types.ClientVpnEndpoint] {
	st := newStream[types.ClientVpnEndpoint](ctx, opts.Concurrency)
	tolerateUnreadable(st, opts)
	all := targets(scan.Accounts, scan.Regions)
	var targetsFailed atomic.Int64
	var fa failedAccounts
	for _, at := range all {
		st.spawn(func(ctx context.Context) {
			q := EndpointQuery{AccountID: at.account, Region: at.region, TransportProtocol: scan.TransportProtocol}
			if len(all) == 1 {
				q.EndpointIDs = scan.EndpointIDs
			} else {
				q.EndpointIDFilter = scan.EndpointIDs
			}
			err := src.Endpoints(ctx, q, func(items []types.ClientVpnEndpoint) error {
				return st.emit(Page[types.ClientVpnEndpoint]{AccountID: at.account, Region: at.region, Items: items})
			})
			switch {
			case err == nil || ctx.Err() != nil:
			case len(q.EndpointIDs) > 0:
				_ = st.emit(Page[types.ClientVpnEndpoint]{AccountID: at.account, Region: at.region, Err: err})
			default:
				targetsFailed.Add(1)
				tolerate(st, opts, &fa, at, "", err)
			}
		})
	}
	st.finish(func(failures []error) error {
		if len(failures) > 0 && (opts.Strict || targetsFailed.Load() == int64(len(all))) {
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
