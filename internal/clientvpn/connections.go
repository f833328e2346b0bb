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
	return cached(s, ctx, q.cacheKey(), page, func(page func(p []types.ClientVpnConnection, last bool) error) error {
		return s.fetchConnections(ctx, q, page)
	})
}

func (s *Service) fetchConnections(ctx context.Context, q ConnectionQuery, page func(p []types.ClientVpnConnection, last bool) error) error {
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
	return listPages(q.Region, op,
		func(token *string) (*ec2.DescribeClientVpnConnectionsOutput, *string, error) {
			in.NextToken = token
			out, err := client.DescribeClientVpnConnections(ctx, in)
			if err != nil {
				return nil, nil, apiError(q.Region, op, err)
			}
			return out, out.NextToken, nil
		},
		func(out *ec2.DescribeClientVpnConnectionsOutput, last bool) error {
			return page(out.Connections, last)
		})
}
