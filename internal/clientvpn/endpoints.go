package clientvpn

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EndpointQuery selects the endpoints of one account's region.
type EndpointQuery struct {
	AccountID         string // "" for the default account
	Region            string
	EndpointIDs       []string // the ClientVpnEndpointId.N list: unknown ids are an error
	EndpointIDFilter  []string // the endpoint-id filter: unknown ids are skipped
	TransportProtocol string   // the transport-protocol filter
}

// Endpoints calls page with each page of DescribeClientVpnEndpoints.
func (s *Service) Endpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error {
	return cached(s, ctx, q.cacheKey(), page, func(page func(p []types.ClientVpnEndpoint, last bool) error) error {
		return s.fetchEndpoints(ctx, q, page)
	})
}

func (s *Service) fetchEndpoints(ctx context.Context, q EndpointQuery, page func(p []types.ClientVpnEndpoint, last bool) error) error {
	const op = "DescribeClientVpnEndpoints"
	client, err := s.client(ctx, q.AccountID, q.Region)
	if err != nil {
		return err
	}
	in := &ec2.DescribeClientVpnEndpointsInput{
		ClientVpnEndpointIds: q.EndpointIDs,
		MaxResults:           aws.Int32(pageSize),
	}
	if len(q.EndpointIDFilter) > 0 {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String("endpoint-id"), Values: q.EndpointIDFilter})
	}
	if q.TransportProtocol != "" {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String("transport-protocol"), Values: []string{q.TransportProtocol}})
	}
	return listPages(q.Region, op,
		func(token *string) (*ec2.DescribeClientVpnEndpointsOutput, *string, error) {
			in.NextToken = token
			out, err := client.DescribeClientVpnEndpoints(ctx, in)
			if err != nil {
				return nil, nil, apiError(q.Region, op, err)
			}
			return out, out.NextToken, nil
		},
		func(out *ec2.DescribeClientVpnEndpointsOutput, last bool) error {
			return page(out.ClientVpnEndpoints, last)
		})
}

// enabledRegions lists the regions enabled in any of the accounts (what
// "*" means), asking DescribeRegions in the configured region, else
// us-east-1. A region enabled in some accounts only is read in all of
// them: the others answer AuthFailure, a warning naming the account.
// DescribeRegions answers in one document (it has no nextToken); that
// document is checked like every other (see document.go).
func (s *Service) enabledRegions(ctx context.Context, accountIDs []string) ([]string, error) {
	home, err := s.Scope().HomeRegion(ctx)
	if err != nil {
		return nil, err
	}
	if home == "" {
		home = "us-east-1"
	}
	var regions []string
	var failures []error
	for _, account := range accountIDs {
		client, err := s.client(ctx, account, home)
		if err == nil {
			var out *ec2.DescribeRegionsOutput
			if out, err = client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err == nil {
				for _, r := range out.Regions {
					if r.RegionName != nil && !slices.Contains(regions, *r.RegionName) {
						regions = append(regions, *r.RegionName)
					}
				}
				continue
			}
			err = apiError(home, "DescribeRegions", err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		failures = append(failures, inAccount(account, err))
	}
	if len(regions) == 0 && len(failures) > 0 {
		return nil, joinFailures(failures)
	}
	return regions, nil
}
