// Package vtab declares vpnsql's virtual tables. Each table lives in one
// file that states its columns, which constraints it pushes down to the API
// and what a plan costs; the AWS calls live in internal/clientvpn and the
// SQLite plumbing in internal/sqlite.
package vtab

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// Backend is where the tables read from. *clientvpn.Service is the AWS
// backend; benchmarks serve rows from memory through the same interface.
type Backend interface {
	// DefaultRegions are the regions a query covers when it binds none.
	DefaultRegions(ctx context.Context) ([]string, error)
	// Connections calls page with each page of one endpoint's connections.
	Connections(ctx context.Context, q clientvpn.ConnectionQuery, page func([]types.ClientVpnConnection) error) error
	// Concurrency bounds the requests one scan keeps in flight.
	Concurrency() int
}

// Register declares every table on conn.
func Register(conn *sqlite.Conn, b Backend) error {
	return conn.CreateModule("client_vpn_connections", connectionsColumns, &connectionsTable{backend: b})
}
