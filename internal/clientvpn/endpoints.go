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
	return cached(s, ctx, q.cacheKey(), page, func(page func([]types.ClientVpnEndpoint) error) error {
		return s.fetchEndpoints(ctx, q, page)
	})
}

func (s *Service) fetchEndpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error {
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
	pages := ec2.NewDescribeClientVpnEndpointsPaginator(client, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return apiError(q.Region, op, err)
		}
		if err := page(out.ClientVpnEndpoints); err != nil {
			return err
		}
	}
	return nil
}

// enabledRegions lists the regions enabled in any of the accounts (what
// "*" means), asking DescribeRegions in the configured region, else
// us-east-1. A region enabled in some accounts only is read in all of
// them: the others answer AuthFailure, a warning naming the account.
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
