package clientvpn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ConnectionQuery selects the connections of one endpoint in one region,
// optionally narrowed by the API's own filters.
type ConnectionQuery struct {
	AccountID     string // "" for the default account
	Region        string
	EndpointID    string
	ConnectionIDs []string // the connection-id filter
	Usernames     []string // the username filter
}

// Connections calls page with each page of DescribeClientVpnConnections, in
// order, until the last page, an error, or page returns an error.
func (s *Service) Connections(ctx context.Context, q ConnectionQuery, page func([]types.ClientVpnConnection) error) error {
	return cached(s, ctx, q.cacheKey(), page, func(page func([]types.ClientVpnConnection) error) error {
		return s.fetchConnections(ctx, q, page)
	})
}

func (s *Service) fetchConnections(ctx context.Context, q ConnectionQuery, page func([]types.ClientVpnConnection) error) error {
	const op = "DescribeClientVpnConnections"
	client, err := s.client(ctx, q.AccountID, q.Region)
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
