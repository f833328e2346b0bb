package clientvpn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EndpointQuery selects the endpoints of one region.
type EndpointQuery struct {
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
	client, err := s.client(ctx, q.Region)
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

// EnabledRegions lists the regions enabled for the account (what "*"
// means), asking DescribeRegions in the configured region, else us-east-1.
// DescribeRegions answers in one document (it has no nextToken); that
// document is checked like every other (see document.go).
func (s *Service) EnabledRegions(ctx context.Context) ([]string, error) {
	cfg, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	home := cfg.Region
	if home == "" {
		home = "us-east-1"
	}
	client, err := s.client(ctx, home)
	if err != nil {
		return nil, err
	}
	out, err := client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, apiError(home, "DescribeRegions", err)
	}
	regions := make([]string, 0, len(out.Regions))
	for _, r := range out.Regions {
		if r.RegionName != nil {
			regions = append(regions, *r.RegionName)
		}
	}
	return regions, nil
}
