package clientvpn

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// AuthorizationRuleQuery selects the authorization rules of one endpoint in
// one region, optionally narrowed by the API's own filters.
type AuthorizationRuleQuery struct {
	Region           string
	EndpointID       string
	Descriptions     []string // the description filter
	DestinationCidrs []string // the destination-cidr filter
	GroupIDs         []string // the group-id filter
}

// AuthorizationRules calls page with each page of
// DescribeClientVpnAuthorizationRules, in order, until the last page, an
// error, or page returns an error.
func (s *Service) AuthorizationRules(ctx context.Context, q AuthorizationRuleQuery, page func([]types.AuthorizationRule) error) error {
	return cached(s, ctx, q.cacheKey(), page, func(page func(p []types.AuthorizationRule, last bool) error) error {
		return s.fetchAuthorizationRules(ctx, q, page)
	})
}

func (s *Service) fetchAuthorizationRules(ctx context.Context, q AuthorizationRuleQuery, page func(p []types.AuthorizationRule, last bool) error) error {
	const op = "DescribeClientVpnAuthorizationRules"
	client, err := s.client(ctx, q.Region)
	if err != nil {
		return err
	}
	in := &ec2.DescribeClientVpnAuthorizationRulesInput{
		ClientVpnEndpointId: aws.String(q.EndpointID),
		MaxResults:          aws.Int32(pageSize),
	}
	for _, f := range []struct {
		name   string
		values []string
	}{{"description", q.Descriptions}, {"destination-cidr", q.DestinationCidrs}, {"group-id", q.GroupIDs}} {
		if len(f.values) > 0 {
			in.Filters = append(in.Filters, types.Filter{Name: aws.String(f.name), Values: f.values})
		}
	}
	return listPages(q.Region, op,
		func(token *string) (*ec2.DescribeClientVpnAuthorizationRulesOutput, *string, error) {
			in.NextToken = token
			out, err := client.DescribeClientVpnAuthorizationRules(ctx, in)
			if err != nil {
				return nil, nil, apiError(q.Region, op, err)
			}
			return out, out.NextToken, nil
		},
		func(out *ec2.DescribeClientVpnAuthorizationRulesOutput, last bool) error {
			return page(out.AuthorizationRules, last)
		})
}

func (q AuthorizationRuleQuery) cacheKey() string {
	return fmt.Sprintf("authorization-rules\x00%s\x00%s\x00%q\x00%q\x00%q", q.Region, q.EndpointID, q.Descriptions, q.DestinationCidrs, q.GroupIDs)
}

// RuleSource pages through endpoints and their authorization rules.
// *Service is the AWS source.
type RuleSource interface {
	Endpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error
	AuthorizationRules(ctx context.Context, q AuthorizationRuleQuery, page func([]types.AuthorizationRule) error) error
}

// AuthorizationRuleScan is what one scan of client_vpn_authorization_rules
// fetches.
type AuthorizationRuleScan struct {
	Regions []string
	// EndpointIDs to read; empty means every endpoint of each region
	// (listed with DescribeClientVpnEndpoints first).
	EndpointIDs      []string
	Descriptions     []string
	DestinationCidrs []string
	GroupIDs         []string
}

// ScanAuthorizationRules fetches the rules of scan from src, concurrently,
// with the tolerance rules of ScanConnections.
func ScanAuthorizationRules(ctx context.Context, src RuleSource, scan AuthorizationRuleScan, opts ScanOptions) *Stream[types.AuthorizationRule] {
	return scanPerEndpoint(ctx, src, scan.Regions, scan.EndpointIDs, opts,
		func(ctx context.Context, region, endpoint string, page func([]types.AuthorizationRule) error) error {
			return src.AuthorizationRules(ctx, AuthorizationRuleQuery{
				Region: region, EndpointID: endpoint,
				Descriptions: scan.Descriptions, DestinationCidrs: scan.DestinationCidrs, GroupIDs: scan.GroupIDs,
			}, page)
		})
}

// ScanAuthorizationRules runs ScanAuthorizationRules over this Service with
// its settings, regions resolved, and warnings recorded.
func (s *Service) ScanAuthorizationRules(ctx context.Context, scan AuthorizationRuleScan) (*Stream[types.AuthorizationRule], error) {
	regions, err := s.Regions(ctx, scan.Regions)
	if err != nil {
		return nil, err
	}
	scan.Regions = regions
	return ScanAuthorizationRules(ctx, s, scan, s.scanOptions(len(regions))), nil
}

// scanPerEndpoint is the scan of a listing that the API answers per
// endpoint: the named endpoints in every region in scope, or every endpoint
// each region lists. fetch reads one endpoint. Failures are handled as
// ScanConnections documents (which has the same shape).
func scanPerEndpoint[T any](ctx context.Context, src interface {
	Endpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error
}, regions, endpointIDs []string, opts ScanOptions,
	fetch func(ctx context.Context, region, endpoint string, page func([]T) error) error) *Stream[T] {
	st := newStream[T](ctx, opts.Concurrency)
	var mu sync.Mutex
	notFound := map[string][]error{} // named endpoint -> NotFound errors, one per region
	read := func(region, endpoint string, named bool) {
		opts.Progress.addEndpoints(1)
		st.spawn(func(ctx context.Context) {
			defer opts.Progress.addDone(1)
			err := fetch(ctx, region, endpoint, func(items []T) error {
				opts.Progress.addRows(len(items))
				return st.emit(Page[T]{Region: region, EndpointID: endpoint, Items: items})
			})
			switch {
			case err == nil || ctx.Err() != nil:
			case named && len(regions) > 1 && isEndpointNotFound(err):
				mu.Lock()
				notFound[endpoint] = append(notFound[endpoint], err)
				mu.Unlock()
			case named:
				_ = st.emit(Page[T]{Region: region, EndpointID: endpoint, Err: err})
			default:
				st.tolerate(err)
				opts.warn(region, endpoint, err)
			}
		})
	}
	var regionsFailed atomic.Int64
	if len(endpointIDs) > 0 {
		for _, region := range regions {
			for _, endpoint := range endpointIDs {
				read(region, endpoint, true)
			}
		}
	} else {
		for _, region := range regions {
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
		for _, endpoint := range endpointIDs {
			if errs := notFound[endpoint]; len(errs) == len(regions) {
				return fmt.Errorf("%s exists in none of the regions in scope (%s): %w",
					endpoint, strings.Join(regions, ", "), errs[0])
			}
		}
		allRegionsFailed := len(endpointIDs) == 0 && len(regions) > 0 && regionsFailed.Load() == int64(len(regions))
		if len(failures) > 0 && (opts.Strict || allRegionsFailed) {
			return joinFailures(failures)
		}
		return nil
	})
	return st
}
