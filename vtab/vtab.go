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
	// ScanAuthorizationRules starts fetching the authorization rules of scan.
	ScanAuthorizationRules(ctx context.Context, scan clientvpn.AuthorizationRuleScan) (*clientvpn.Stream[types.AuthorizationRule], error)
	// Warnings returns the failures queries survived, after mark since.
	Warnings(since int64) []clientvpn.Warning
	// Accounts lists the accounts in scope, with their ids and status.
	Accounts(ctx context.Context) ([]accounts.Account, error)
}

// tables is every table vpnsql declares, in the order front ends list
// them. Register and Tables both read it, so they cannot disagree.
var tables = []struct {
	name    string
	columns []sqlite.Column
	module  func(Backend) sqlite.Table
}{
	{"client_vpn_connections", connectionsColumns, func(b Backend) sqlite.Table { return &connectionsTable{backend: b} }},
	{"client_vpn_endpoints", endpointsColumns, func(b Backend) sqlite.Table { return &endpointsTable{backend: b} }},
	{"client_vpn_authorization_rules", authorizationRulesColumns, func(b Backend) sqlite.Table { return &authorizationRulesTable{backend: b} }},
	{connectionLogName, connectionLogColumns, func(b Backend) sqlite.Table { return &connectionLogTable{backend: b} }},
	{"vpnsql_accounts", accountsColumns, func(b Backend) sqlite.Table { return &accountsTable{backend: b} }},
	{"vpnsql_warnings", warningsColumns, func(b Backend) sqlite.Table { return &warningsTable{backend: b} }},
}

// Register declares every table on conn.
func Register(conn *sqlite.Conn, b Backend) error {
	for _, t := range tables {
		if err := conn.CreateModule(t.name, t.columns, t.module(b)); err != nil {
			return err
		}
	}
	return nil
}

// TableInfo describes one table Register declares, for front ends (the
// CLI's .describe and its completion): its name and columns as declared.
type TableInfo struct {
	Name    string
	Columns []sqlite.Column
}

// Tables lists the tables Register declares, in its order.
func Tables() []TableInfo {
	infos := make([]TableInfo, len(tables))
	for i, t := range tables {
		infos[i] = TableInfo{t.name, t.columns}
	}
	return infos
}
