// Package vtab declares vpnsql's virtual tables. Each table lives in one
// file that states its columns, which constraints it pushes down to the API
// and what a plan costs; the AWS calls live in internal/clientvpn and the
// SQLite plumbing in internal/sqlite.
package vtab

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// Backend is where the tables read from. *clientvpn.Service is the AWS
// backend; benchmarks serve rows from memory through the same interface.
type Backend interface {
	// ScanConnections starts fetching the connections of scan; regions left
	// empty mean the configured ones.
	ScanConnections(ctx context.Context, scan clientvpn.ConnectionScan) (*clientvpn.Stream[types.ClientVpnConnection], error)
	// ScanEndpoints starts listing the endpoints of scan likewise.
	ScanEndpoints(ctx context.Context, scan clientvpn.EndpointScan) (*clientvpn.Stream[types.ClientVpnEndpoint], error)
	// Warnings returns the failures queries survived, after mark since.
	Warnings(since int64) []clientvpn.Warning
	// Accounts lists the accounts in scope, with their ids and status.
	Accounts(ctx context.Context) ([]accounts.Account, error)
}

// Register declares every table on conn.
func Register(conn *sqlite.Conn, b Backend) error {
	if err := conn.CreateModule("client_vpn_connections", connectionsColumns, &connectionsTable{backend: b}); err != nil {
		return err
	}
	if err := conn.CreateModule("client_vpn_endpoints", endpointsColumns, &endpointsTable{backend: b}); err != nil {
		return err
	}
	if err := conn.CreateModule("vpnsql_accounts", accountsColumns, &accountsTable{backend: b}); err != nil {
		return err
	}
	return conn.CreateModule("vpnsql_warnings", warningsColumns, &warningsTable{backend: b})
}
