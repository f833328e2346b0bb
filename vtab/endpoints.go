package vtab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// client_vpn_endpoints: the rows of DescribeClientVpnEndpoints, the natural
// outer table of a join with client_vpn_connections.
//
// Columns carry the API's wire names (dnsServer, tagSet, securityGroupIdSet
// are lists, as postureComplianceStatusSet is for connections). Nested
// values are JSON text with the wire's member names; splitTunnel and
// disconnectOnSessionTimeout are 0/1, ports and hours INTEGER.
//
// Pushed down to the API:
//   - clientVpnEndpointId = / IN: all values in one request per region
//   - transportProtocol =: the API's transport-protocol filter
//   - region, accountId = / IN: the regions and accounts to ask (scope.go)
const (
	epClientVpnEndpointID = iota
	epDescription
	epStatus
	epCreationTime
	epDeletionTime
	epDNSName
	epClientCidrBlock
	epDNSServer
	epSplitTunnel
	epVpnProtocol
	epTransportProtocol
	epVpnPort
	epServerCertificateArn
	epAuthenticationOptions
	epConnectionLogOptions
	epTagSet
	epSecurityGroupIDSet
	epVpcID
	epSelfServicePortalURL
	epClientConnectOptions
	epSessionTimeoutHours
	epDisconnectOnSessionTimeout
	epClientLoginBannerOptions
	epRegion
	epAccountID
)

var endpointsColumns = []sqlite.Column{
	epClientVpnEndpointID: {Name: "clientVpnEndpointId", Type: "TEXT", Description: "ID of the Client VPN endpoint (cvpn-endpoint-…)"},
	epDescription:         {Name: "description", Type: "TEXT", Description: "the endpoint's description, as its owner wrote it"},
	epStatus: {Name: "status", Type: "TEXT", JSON: true,
		Description: `JSON {"code":…,"message":…}; code is pending-associate, available, deleting or deleted`},
	epCreationTime: {Name: "creationTime", Type: "TEXT", Description: "when the endpoint was created, as the API sends it"},
	epDeletionTime: {Name: "deletionTime", Type: "TEXT", Description: "when the endpoint was deleted; NULL unless it was"},
	epDNSName:      {Name: "dnsName", Type: "TEXT", Description: "DNS name clients connect to"},
	epClientCidrBlock: {Name: "clientCidrBlock", Type: "TEXT",
		Description: "IPv4 range client addresses (clientIp) are assigned from"},
	epDNSServer:         {Name: "dnsServer", Type: "TEXT", JSON: true, Description: "JSON array of the DNS servers clients use"},
	epSplitTunnel:       {Name: "splitTunnel", Type: "INTEGER", Description: "1 if only traffic for the endpoint's routes goes through the VPN, else 0"},
	epVpnProtocol:       {Name: "vpnProtocol", Type: "TEXT", Description: "VPN protocol, openvpn"},
	epTransportProtocol: {Name: "transportProtocol", Type: "TEXT", Description: "transport protocol, tcp or udp"},
	epVpnPort:           {Name: "vpnPort", Type: "INTEGER", Description: "port clients connect to, 443 or 1194"},
	epServerCertificateArn: {Name: "serverCertificateArn", Type: "TEXT",
		Description: "ARN of the endpoint's server certificate in ACM"},
	epAuthenticationOptions: {Name: "authenticationOptions", Type: "TEXT", JSON: true,
		Description: "JSON array of the authentication methods: certificate, Active Directory, federated (SAML)"},
	epConnectionLogOptions: {Name: "connectionLogOptions", Type: "TEXT", JSON: true,
		Description: "JSON: whether connection logging is on, and its CloudWatch Logs group and stream"},
	epTagSet:             {Name: "tagSet", Type: "TEXT", JSON: true, Description: `JSON array of the endpoint's tags, [{"key":…,"value":…}]`},
	epSecurityGroupIDSet: {Name: "securityGroupIdSet", Type: "TEXT", JSON: true, Description: "JSON array of the security groups applied to the endpoint's network"},
	epVpcID:              {Name: "vpcId", Type: "TEXT", Description: "ID of the VPC the endpoint is associated with"},
	epSelfServicePortalURL: {Name: "selfServicePortalUrl", Type: "TEXT",
		Description: "URL of the self-service portal where clients download their configuration; NULL if off"},
	epClientConnectOptions: {Name: "clientConnectOptions", Type: "TEXT", JSON: true,
		Description: "JSON: the client connect handler (a Lambda) that authorizes new connections, if any"},
	epSessionTimeoutHours: {Name: "sessionTimeoutHours", Type: "INTEGER", Description: "maximum VPN session length, in hours"},
	epDisconnectOnSessionTimeout: {Name: "disconnectOnSessionTimeout", Type: "INTEGER",
		Description: "1 if clients are disconnected at the session timeout rather than prompted to reconnect"},
	epClientLoginBannerOptions: {Name: "clientLoginBannerOptions", Type: "TEXT", JSON: true,
		Description: `JSON {"enabled":…,"bannerText":…}: the text shown when a session starts`},
	epRegion:    regionColumn,
	epAccountID: accountIDColumn,
}

var endpointsPushdown = []pushdown{
	{column: epClientVpnEndpointID, omit: true, check: awsid.CheckEndpointID},
	regionPushdown(epRegion),
	accountIDPushdown(epAccountID),
	{column: epTransportProtocol, check: checkTransportProtocol},
}

// Plan costs: one request per region, fewer rows when ids are named. Cheap
// next to client_vpn_connections without an endpoint, so a join lists
// endpoints first and reads connections per endpoint.
const (
	costEndpointsByID  = 10.0
	costEndpointsAll   = 1000.0
	rowsEndpointsByID  = 1
	rowsEndpointsAll   = 20
	regionCostDiscount = 2
)

type endpointsTable struct {
	backend Backend
}

func (t *endpointsTable) BestIndex(info *sqlite.IndexInfo) error {
	used := planPushdown(info, endpointsColumns, endpointsPushdown)
	wantsAccountID(info, epAccountID)
	info.EstimatedCost, info.EstimatedRows = costEndpointsAll, rowsEndpointsAll
	if used[epClientVpnEndpointID] {
		info.EstimatedCost, info.EstimatedRows = costEndpointsByID, rowsEndpointsByID
	}
	if used[epRegion] {
		info.EstimatedCost /= regionCostDiscount
	}
	return nil
}

func (t *endpointsTable) Open() (sqlite.Cursor, error) {
	c := &endpointsCursor{}
	c.table, c.addRow, c.backend = "client_vpn_endpoints", addEndpointRow, t.backend
	c.regionCol, c.accountCol = epRegion, epAccountID
	return c, nil
}

type endpointsCursor struct {
	streamCursor[types.ClientVpnEndpoint]
}

func (c *endpointsCursor) Filter(ctx context.Context, idxNum int, idxStr string, args [][]any) error {
	c.Close()
	bound, err := bindPushdown(idxStr, args, endpointsColumns, endpointsPushdown)
	if err != nil {
		return fmt.Errorf("client_vpn_endpoints: %w", err)
	}
	if bound.empty {
		return nil
	}
	var transport string
	if v := bound.values[epTransportProtocol]; len(v) > 0 {
		transport = v[0]
	}
	stream, err := c.backend.ScanEndpoints(ctx, clientvpn.EndpointScan{
		Accounts:          bound.values[epAccountID],
		WithAccountIDs:    idxNum&idxWantsAccountID != 0,
		Regions:           bound.values[epRegion],
		EndpointIDs:       bound.values[epClientVpnEndpointID],
		TransportProtocol: transport,
	})
	if err != nil {
		return fmt.Errorf("client_vpn_endpoints: %w", err)
	}
	c.start(ctx, stream)
	return nil
}

func addEndpointRow(rows *sqlite.Rows, e *types.ClientVpnEndpoint) {
	text(rows, epClientVpnEndpointID, e.ClientVpnEndpointId)
	text(rows, epDescription, e.Description)
	if e.Status != nil {
		rows.Text(epStatus, jsonText(struct {
			Code    string  `json:"code"`
			Message *string `json:"message"`
		}{string(e.Status.Code), e.Status.Message}))
	}
	text(rows, epCreationTime, e.CreationTime)
	text(rows, epDeletionTime, e.DeletionTime)
	text(rows, epDNSName, e.DnsName)
	text(rows, epClientCidrBlock, e.ClientCidrBlock)
	rows.Text(epDNSServer, jsonText(nonNil(e.DnsServers)))
	boolean(rows, epSplitTunnel, e.SplitTunnel)
	rows.Text(epVpnProtocol, string(e.VpnProtocol))
	rows.Text(epTransportProtocol, string(e.TransportProtocol))
	if e.VpnPort != nil {
		rows.Int(epVpnPort, int64(*e.VpnPort))
	}
	text(rows, epServerCertificateArn, e.ServerCertificateArn)
	rows.Text(epAuthenticationOptions, jsonText(authenticationOptions(e.AuthenticationOptions)))
	if o := e.ConnectionLogOptions; o != nil {
		rows.Text(epConnectionLogOptions, jsonText(struct {
			Enabled             *bool   `json:"Enabled"`
			CloudwatchLogGroup  *string `json:"CloudwatchLogGroup,omitempty"`
			CloudwatchLogStream *string `json:"CloudwatchLogStream,omitempty"`
		}{o.Enabled, o.CloudwatchLogGroup, o.CloudwatchLogStream}))
	}
	type tag struct {
		Key   *string `json:"key"`
		Value *string `json:"value"`
	}
	tags := make([]tag, 0, len(e.Tags))
	for _, t := range e.Tags {
		tags = append(tags, tag{t.Key, t.Value})
	}
	rows.Text(epTagSet, jsonText(tags))
	rows.Text(epSecurityGroupIDSet, jsonText(nonNil(e.SecurityGroupIds)))
	text(rows, epVpcID, e.VpcId)
	text(rows, epSelfServicePortalURL, e.SelfServicePortalUrl)
	if o := e.ClientConnectOptions; o != nil {
		type status struct {
			Code    string  `json:"code"`
			Message *string `json:"message"`
		}
		var st *status
		if o.Status != nil {
			st = &status{string(o.Status.Code), o.Status.Message}
		}
		rows.Text(epClientConnectOptions, jsonText(struct {
			Enabled           *bool   `json:"enabled"`
			LambdaFunctionArn *string `json:"lambdaFunctionArn,omitempty"`
			Status            *status `json:"status,omitempty"`
		}{o.Enabled, o.LambdaFunctionArn, st}))
	}
	if e.SessionTimeoutHours != nil {
		rows.Int(epSessionTimeoutHours, int64(*e.SessionTimeoutHours))
	}
	boolean(rows, epDisconnectOnSessionTimeout, e.DisconnectOnSessionTimeout)
	if o := e.ClientLoginBannerOptions; o != nil {
		rows.Text(epClientLoginBannerOptions, jsonText(struct {
			Enabled    *bool   `json:"enabled"`
			BannerText *string `json:"bannerText,omitempty"`
		}{o.Enabled, o.BannerText}))
	}
}

// authenticationOptions keeps the wire's member names.
func authenticationOptions(opts []types.ClientVpnAuthentication) any {
	type option struct {
		Type                 string `json:"type"`
		ActiveDirectory      any    `json:"activeDirectory,omitempty"`
		MutualAuthentication any    `json:"mutualAuthentication,omitempty"`
		FederatedAuth        any    `json:"federatedAuthentication,omitempty"`
	}
	out := make([]option, 0, len(opts))
	for _, o := range opts {
		opt := option{Type: string(o.Type)}
		if d := o.ActiveDirectory; d != nil {
			opt.ActiveDirectory = map[string]*string{"directoryId": d.DirectoryId}
		}
		if m := o.MutualAuthentication; m != nil {
			opt.MutualAuthentication = map[string]*string{"clientRootCertificateChain": m.ClientRootCertificateChain}
		}
		if f := o.FederatedAuthentication; f != nil {
			opt.FederatedAuth = map[string]*string{"samlProviderArn": f.SamlProviderArn, "selfServiceSamlProviderArn": f.SelfServiceSamlProviderArn}
		}
		out = append(out, opt)
	}
	return out
}

func boolean(rows *sqlite.Rows, col int, b *bool) {
	if b == nil {
		return
	}
	if *b {
		rows.Int(col, 1)
	} else {
		rows.Int(col, 0)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// jsonText marshals v without HTML escaping, so values read back exactly.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null" // only plain data reaches here; cannot happen
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func checkTransportProtocol(column, v string) error {
	if v != "tcp" && v != "udp" {
		return fmt.Errorf("%s %s is not a transport protocol (tcp or udp)", column, awsid.Quote(v))
	}
	return nil
}
