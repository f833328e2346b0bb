package clientvpn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ConnectionsNow is Connections without the cache, for checks that must
// see the present, such as a dry run's look at its targets.
func (s *Service) ConnectionsNow(ctx context.Context, q ConnectionQuery, page func([]types.ClientVpnConnection) error) error {
	return s.fetchConnections(ctx, q, func(p []types.ClientVpnConnection, _ bool) error { return page(p) })
}
