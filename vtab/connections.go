package vtab

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// client_vpn_connections: the rows of DescribeClientVpnConnections.
//
// Columns carry the API's names. Counters are INTEGER (the API sends
// strings), times are the API's "YYYY-MM-DD HH:MM:SS" UTC text,
// connectionEndTime is NULL while a connection is open (the API sends "-"),
// status is JSON {"code":…,"message":…} and postureComplianceStatusSet a
// JSON array. The hidden region and accountId columns (scope.go) say
// where each row came from.
//
// Pushed down to the API (the rest SQLite filters):
//   - clientVpnEndpointId = / IN: the endpoints to fetch; without it, every
//     endpoint of each region in scope (listed first: expensive)
//   - region, accountId = / IN: the regions and accounts to ask (scope.go)
//   - connectionId = / IN: the API's connection-id filter
//   - username = / IN: the API's username filter
//
// SELECT * lists identity first (connection, endpoint, who, from where),
// then state, times and counters.
const (
	colConnectionID = iota
	colClientVpnEndpointID
	colUsername
	colCommonName
	colClientIP
	colStatus
	colConnectionEstablishedTime
	colConnectionEndTime
	colTimestamp
	colIngressBytes
	colEgressBytes
	colIngressPackets
	colEgressPackets
	colPostureComplianceStatusSet
	colRegion
	colAccountID
)

var connectionsColumns = []sqlite.Column{
	colConnectionID:        {Name: "connectionId", Type: "TEXT", Description: "ID of the client connection (cvpn-connection-…)"},
	colClientVpnEndpointID: {Name: "clientVpnEndpointId", Type: "TEXT", Description: "ID of the Client VPN endpoint the client is connected to"},
	colUsername: {Name: "username", Type: "TEXT",
		Description: "user name of the client; only with Active Directory or federated authentication, else NULL"},
	colCommonName: {Name: "commonName", Type: "TEXT",
		Description: "common name of the client certificate, or the Active Directory user name"},
	colClientIP: {Name: "clientIp", Type: "TEXT",
		Description: "address the endpoint assigned to the client from its client CIDR (not the device's own address)"},
	colStatus: {Name: "status", Type: "TEXT", JSON: true,
		Description: `JSON {"code":…,"message":…}; code is active, failed-to-terminate, terminating or terminated`},
	colConnectionEstablishedTime: {Name: "connectionEstablishedTime", Type: "TEXT",
		Description: "when the connection was established, 'YYYY-MM-DD HH:MM:SS' UTC"},
	colConnectionEndTime: {Name: "connectionEndTime", Type: "TEXT",
		Description: "when the connection ended, 'YYYY-MM-DD HH:MM:SS' UTC; NULL while it is open"},
	colTimestamp:      {Name: "timestamp", Type: "TEXT", Description: "when AWS produced this row (the counters' time), 'YYYY-MM-DD HH:MM:SS' UTC"},
	colIngressBytes:   {Name: "ingressBytes", Type: "INTEGER", Description: "bytes sent by the client"},
	colEgressBytes:    {Name: "egressBytes", Type: "INTEGER", Description: "bytes received by the client"},
	colIngressPackets: {Name: "ingressPackets", Type: "INTEGER", Description: "packets sent by the client"},
	colEgressPackets:  {Name: "egressPackets", Type: "INTEGER", Description: "packets received by the client"},
	colPostureComplianceStatusSet: {Name: "postureComplianceStatusSet", Type: "TEXT", JSON: true,
		Description: "JSON array of the statuses the client connect handler returned for posture compliance; NULL when the API sent no set, [] for an empty one"},
	colRegion:    regionColumn,
	colAccountID: accountIDColumn,
}

// connectionsPushdown lists the columns handed to the API, in the order
// their values reach Filter.
var connectionsPushdown = []pushdown{
	{column: colClientVpnEndpointID, omit: true, check: awsid.CheckEndpointID},
	regionPushdown(colRegion),
	accountIDPushdown(colAccountID),
	// SQLite re-checks these two: the API's filters are its business.
	{column: colConnectionID, check: awsid.CheckConnectionID},
	{column: colUsername, check: awsid.CheckUsername},
}

// Plan costs. A plan that names endpoints costs a few requests per endpoint;
// one that must discover endpoints in every region costs far more, so in a
// join SQLite puts whatever supplies endpoint ids on the outside, even when
// an ORDER BY makes it weigh a large sort against that (3.40 with 1e9 put
// the virtual table outside for "ORDER BY c.connectionId").
const (
	costPerEndpoint     = 25.0
	costWithoutEndpoint = 1e12
	rowsPerEndpoint     = 100
	rowsWithoutEndpoint = 1e6
)

type connectionsTable struct {
	backend Backend
}

func (t *connectionsTable) BestIndex(info *sqlite.IndexInfo) error {
	used := planPushdown(info, connectionsColumns, connectionsPushdown)
	wantsAccountID(info, colAccountID)
	if used[colClientVpnEndpointID] {
		info.EstimatedCost, info.EstimatedRows = costPerEndpoint, rowsPerEndpoint
		if used[colRegion] {
			info.EstimatedCost /= 2 // no need to ask the configured regions
		}
		if used[colConnectionID] || used[colUsername] {
			info.EstimatedCost /= 2
			info.EstimatedRows = 1
		}
	} else {
		info.EstimatedCost, info.EstimatedRows = costWithoutEndpoint, rowsWithoutEndpoint
	}
	return nil
}

func (t *connectionsTable) Open() (sqlite.Cursor, error) {
	c := &connectionsCursor{}
	c.table, c.addRow, c.backend = "client_vpn_connections", c.addConnection, t.backend
	c.regionCol, c.accountCol = colRegion, colAccountID
	return c, nil
}

type connectionsCursor struct {
	streamCursor[types.ClientVpnConnection]
	json []byte // scratch space for JSON columns
}

func (c *connectionsCursor) Filter(ctx context.Context, idxNum int, idxStr string, args [][]any) error {
	c.Close()
	bound, err := bindPushdown(idxStr, args, connectionsColumns, connectionsPushdown)
	if err != nil {
		return fmt.Errorf("client_vpn_connections: %w", err)
	}
	if bound.empty {
		return nil // a NULL or an empty list on a pushed-down column: no rows
	}
	stream, err := c.backend.ScanConnections(ctx, clientvpn.ConnectionScan{
		Accounts:       bound.values[colAccountID],
		WithAccountIDs: idxNum&idxWantsAccountID != 0,
		Regions:        bound.values[colRegion],
		EndpointIDs:    bound.values[colClientVpnEndpointID],
		ConnectionIDs:  bound.values[colConnectionID],
		Usernames:      bound.values[colUsername],
	})
	if err != nil {
		return fmt.Errorf("client_vpn_connections: %w", err)
	}
	c.start(ctx, stream)
	return nil
}

func (c *connectionsCursor) addConnection(rows *sqlite.Rows, conn *types.ClientVpnConnection) {
	text(rows, colClientIP, conn.ClientIp)
	// Echo what was asked for, or SQLite would filter the row away.
	rows.Text(colClientVpnEndpointID, c.page.EndpointID)
	text(rows, colCommonName, conn.CommonName)
	if conn.ConnectionEndTime != nil && *conn.ConnectionEndTime != "-" {
		rows.Text(colConnectionEndTime, *conn.ConnectionEndTime)
	}
	text(rows, colConnectionEstablishedTime, conn.ConnectionEstablishedTime)
	text(rows, colConnectionID, conn.ConnectionId)
	counter(rows, colEgressBytes, conn.EgressBytes)
	counter(rows, colEgressPackets, conn.EgressPackets)
	counter(rows, colIngressBytes, conn.IngressBytes)
	counter(rows, colIngressPackets, conn.IngressPackets)
	if conn.PostureComplianceStatuses != nil { // absent from the answer: NULL, not []
		rows.Text(colPostureComplianceStatusSet, c.jsonArray(conn.PostureComplianceStatuses))
	}
	if conn.Status != nil {
		rows.Text(colStatus, c.jsonStatus(conn.Status.Code, conn.Status.Message))
	}
	text(rows, colTimestamp, conn.Timestamp)
	text(rows, colUsername, conn.Username)
}

// text sets a column from an optional API string; absent stays NULL.
func text(rows *sqlite.Rows, col int, s *string) {
	if s != nil {
		rows.Text(col, *s)
	}
}

// counter sets an INTEGER column from the API's decimal string. A value
// that does not fit in int64 is kept as text rather than lost.
func counter(rows *sqlite.Rows, col int, s *string) {
	if s == nil {
		return
	}
	if n, err := strconv.ParseInt(*s, 10, 64); err == nil {
		rows.Int(col, n)
		return
	}
	rows.Text(col, *s)
}

func (c *connectionsCursor) jsonStatus(code types.ClientVpnConnectionStatusCode, message *string) string {
	b := append(c.json[:0], `{"code":`...)
	b = appendJSONString(b, string(code))
	b = append(b, `,"message":`...)
	if message != nil {
		b = appendJSONString(b, *message)
	} else {
		b = append(b, "null"...)
	}
	c.json = append(b, '}')
	return string(c.json)
}

func (c *connectionsCursor) jsonArray(items []string) string {
	b := append(c.json[:0], '[')
	for i, s := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	c.json = append(b, ']')
	return string(c.json)
}
