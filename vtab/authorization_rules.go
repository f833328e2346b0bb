package vtab

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// client_vpn_authorization_rules: the rows of
// DescribeClientVpnAuthorizationRules, which networks each endpoint lets
// which clients reach. accessAll is 0/1, status JSON {"code":…,"message":…}.
//
// Pushed down to the API (the rest SQLite filters):
//   - clientVpnEndpointId = / IN: the endpoints to read; without it, every
//     endpoint of each region in scope (listed first: expensive)
//   - region, accountId = / IN: the regions and accounts to ask (scope.go)
//   - description, destinationCidr, groupId = / IN: the API's description,
//     destination-cidr and group-id filters (SQLite re-checks them)
const (
	arClientVpnEndpointID = iota
	arDescription
	arGroupID
	arAccessAll
	arDestinationCidr
	arStatus
	arRegion
	arAccountID
)

var authorizationRulesColumns = []sqlite.Column{
	arClientVpnEndpointID: {Name: "clientVpnEndpointId", Type: "TEXT", Description: `The endpoint the rule belongs to.`},
	arDescription:         {Name: "description", Type: "TEXT", Description: `The rule's description; NULL when it has none.`},
	arGroupID:             {Name: "groupId", Type: "TEXT", Description: `The Active Directory or IdP group allowed; NULL when accessAll is 1.`},
	arAccessAll:           {Name: "accessAll", Type: "INTEGER", Description: `1 when every client may reach destinationCidr, whatever its groups.`},
	arDestinationCidr:     {Name: "destinationCidr", Type: "TEXT", Description: `The network (IPv4 CIDR) the rule grants access to.`},
	arStatus:              {Name: "status", Type: "TEXT", JSON: true, Description: `JSON {"code":…,"message":…}; code authorizing, active, failed or revoking.`},
	arRegion:              regionColumn,
	arAccountID:           accountIDColumn,
}

var authorizationRulesPushdown = []pushdown{
	{column: arClientVpnEndpointID, omit: true, check: awsid.CheckEndpointID},
	regionPushdown(arRegion),
	accountIDPushdown(arAccountID),
	// SQLite re-checks these: the API's filters are its business.
	{column: arDescription, check: checkFilterValue},
	{column: arDestinationCidr, check: checkFilterValue},
	{column: arGroupID, check: checkFilterValue},
}

type authorizationRulesTable struct {
	backend Backend
}

// BestIndex costs plans like client_vpn_connections: an endpoint is a
// request or two, discovery is expensive, so a join reads endpoints first.
func (t *authorizationRulesTable) BestIndex(info *sqlite.IndexInfo) error {
	used := planPushdown(info, authorizationRulesColumns, authorizationRulesPushdown)
	wantsAccountID(info, arAccountID)
	if used[arClientVpnEndpointID] {
		info.EstimatedCost, info.EstimatedRows = costPerEndpoint, rowsPerEndpoint
		if used[arRegion] {
			info.EstimatedCost /= 2
		}
		if used[arDescription] || used[arDestinationCidr] || used[arGroupID] {
			info.EstimatedCost /= 2
			info.EstimatedRows = 1
		}
	} else {
		info.EstimatedCost, info.EstimatedRows = costWithoutEndpoint, rowsWithoutEndpoint
	}
	return nil
}

func (t *authorizationRulesTable) Open() (sqlite.Cursor, error) {
	c := &authorizationRulesCursor{}
	c.table, c.addRow, c.backend = "client_vpn_authorization_rules", c.addRule, t.backend
	c.regionCol, c.accountCol = arRegion, arAccountID
	return c, nil
}

type authorizationRulesCursor struct {
	streamCursor[types.AuthorizationRule]
	json []byte // scratch space for the status column
}

func (c *authorizationRulesCursor) Filter(ctx context.Context, idxNum int, idxStr string, args [][]any) error {
	c.Close()
	bound, err := bindPushdown(idxStr, args, authorizationRulesColumns, authorizationRulesPushdown)
	if err != nil {
		return fmt.Errorf("client_vpn_authorization_rules: %w", err)
	}
	if bound.empty {
		return nil // a NULL or an empty list on a pushed-down column: no rows
	}
	// A rule without a description or group has none on the wire (NULL
	// here), so '' matches nothing; EC2 is not asked for an empty value.
	filter := func(col int) ([]string, bool) {
		v, ok := bound.values[col]
		v = slices.DeleteFunc(slices.Clone(v), func(s string) bool { return s == "" })
		return v, ok && len(v) == 0
	}
	descriptions, none1 := filter(arDescription)
	cidrs, none2 := filter(arDestinationCidr)
	groups, none3 := filter(arGroupID)
	if none1 || none2 || none3 {
		return nil
	}
	stream, err := c.backend.ScanAuthorizationRules(ctx, clientvpn.AuthorizationRuleScan{
		Accounts:         bound.values[arAccountID],
		WithAccountIDs:   idxNum&idxWantsAccountID != 0,
		Regions:          bound.values[arRegion],
		EndpointIDs:      bound.values[arClientVpnEndpointID],
		Descriptions:     descriptions,
		DestinationCidrs: cidrs,
		GroupIDs:         groups,
	})
	if err != nil {
		return fmt.Errorf("client_vpn_authorization_rules: %w", err)
	}
	c.start(ctx, stream)
	return nil
}

func (c *authorizationRulesCursor) addRule(rows *sqlite.Rows, r *types.AuthorizationRule) {
	// Echo what was asked for, or SQLite would filter the row away.
	rows.Text(arClientVpnEndpointID, c.page.EndpointID)
	text(rows, arDescription, r.Description)
	text(rows, arGroupID, r.GroupId)
	boolean(rows, arAccessAll, r.AccessAll)
	text(rows, arDestinationCidr, r.DestinationCidr)
	if r.Status != nil {
		b := append(c.json[:0], `{"code":`...)
		b = appendJSONString(b, string(r.Status.Code))
		b = append(b, `,"message":`...)
		if r.Status.Message != nil {
			b = appendJSONString(b, *r.Status.Message)
		} else {
			b = append(b, "null"...)
		}
		c.json = append(b, '}')
		rows.Text(arStatus, string(c.json))
	}
}

// checkFilterValue refuses what no filter value can hold.
func checkFilterValue(column, v string) error {
	if strings.ContainsRune(v, 0) {
		return fmt.Errorf("%s %s cannot be sent as an API filter value", column, awsid.Quote(v))
	}
	return nil
}
