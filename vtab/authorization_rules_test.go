package vtab_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

const describeRules = "DescribeClientVpnAuthorizationRules"

// expectedRule is what the table must show for a dataset rule.
func expectedRule(e *ec2fake.Endpoint, r *ec2fake.AuthorizationRule) row {
	opt := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return "text:" + s
	}
	all := "int:0"
	if r.AccessAll {
		all = "int:1"
	}
	msg := "null"
	if r.StatusMessage != "" {
		msg = `"` + r.StatusMessage + `"`
	}
	return row{
		"region": "text:" + e.Region, "clientVpnEndpointId": "text:" + e.ID, "description": opt(r.Description),
		"groupId": opt(r.GroupID), "accessAll": all, "destinationCidr": "text:" + r.DestinationCidr,
		"status": `text:{"code":"` + r.StatusCode + `","message":` + msg + `}`,
	}
}

const ruleColumns = `region, clientVpnEndpointId, description, groupId, accessAll, destinationCidr, status`

// TestAuthorizationRulesEveryRow: without an endpoint, every endpoint of
// every region is listed and read; each rule comes back exactly once with
// every column as the dataset has it.
func TestAuthorizationRulesEveryRow(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	got := queryRows(t, env.DB, `SELECT `+ruleColumns+` FROM client_vpn_authorization_rules`)
	var want []row
	for _, e := range ds.Endpoints {
		for _, r := range e.AuthorizationRules {
			want = append(want, expectedRule(e, r))
		}
	}
	key := func(r row) string { return r["clientVpnEndpointId"] + r["destinationCidr"] + r["groupId"] }
	slices.SortFunc(got, func(a, b row) int { return strings.Compare(key(a), key(b)) })
	slices.SortFunc(want, func(a, b row) int { return strings.Compare(key(a), key(b)) })
	if len(got) != len(want) || len(want) < 10 {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for col, w := range want[i] {
			if got[i][col] != w {
				t.Fatalf("row %d column %s = %q, want %q", i, col, got[i][col], w)
			}
		}
	}
	calls := countByAction(env)
	if calls[describeEndpoints] != len(ds.Regions) || calls[describeRules] != len(ds.Endpoints) {
		t.Fatalf("calls %v, want %d listings and %d rule calls", calls, len(ds.Regions), len(ds.Endpoints))
	}
}

// TestAuthorizationRulesPushdown: the endpoint, region and the three API
// filters reach the request; SQLite's re-check keeps the answer exact.
func TestAuthorizationRulesPushdown(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	contractors := endpointByDescription(t, ds, ec2fake.SampleContractorEndpoint)
	hq := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)

	rows := queryRows(t, env.DB, `SELECT `+ruleColumns+` FROM client_vpn_authorization_rules
		WHERE clientVpnEndpointId = ? AND region = 'us-east-1' AND destinationCidr = '10.20.0.0/16'`, contractors.ID)
	reqs := env.Calls(describeRules)
	if len(rows) != 1 || rows[0]["accessAll"] != "int:1" || len(reqs) != 1 ||
		reqs[0].Params.Get("ClientVpnEndpointId") != contractors.ID || reqs[0].Region != "us-east-1" ||
		!slices.Equal(filterValues(reqs[0].Params, "destination-cidr"), []string{"10.20.0.0/16"}) ||
		len(env.Calls(describeEndpoints)) != 0 {
		t.Fatalf("rows %v, requests %+v", rows, env.Fake.Requests())
	}
	if want := expectedRule(contractors, contractors.AuthorizationRules[1]); !equalRow(rows[0], want) {
		t.Fatalf("row %v, want %v", rows[0], want)
	}

	for _, tc := range []struct{ where, filter, value string }{
		{"groupId = 'contractors'", "group-id", "contractors"},
		{"description = 'Contractor project VPC'", "description", "Contractor project VPC"},
	} {
		env.Fake.ResetLog()
		rows = queryRows(t, env.DB, `SELECT groupId FROM client_vpn_authorization_rules
			WHERE clientVpnEndpointId = ? AND region = 'us-east-1' AND `+tc.where, contractors.ID)
		reqs = env.Calls(describeRules)
		if len(rows) != 1 || rows[0]["groupId"] != "text:contractors" || len(reqs) != 1 ||
			!slices.Equal(filterValues(reqs[0].Params, tc.filter), []string{tc.value}) {
			t.Fatalf("%s: rows %v, requests %+v", tc.where, rows, reqs)
		}
	}

	// IN on endpoints: one call per endpoint; a LIKE stays with SQLite.
	env.Fake.ResetLog()
	rows = queryRows(t, env.DB, `SELECT description FROM client_vpn_authorization_rules
		WHERE clientVpnEndpointId IN (?, ?) AND region = 'us-east-1' AND description LIKE '%VPC%'`, contractors.ID, hq.ID)
	reqs = env.Calls(describeRules)
	if len(rows) != 2 || len(reqs) != 2 || filterValues(reqs[0].Params, "description") != nil {
		t.Fatalf("rows %v, requests %+v", rows, reqs)
	}

	// '' matches no rule and sends nothing.
	env.Fake.ResetLog()
	if rows = queryRows(t, env.DB, `SELECT * FROM client_vpn_authorization_rules
		WHERE clientVpnEndpointId = ? AND region = 'us-east-1' AND groupId = ''`, hq.ID); len(rows) != 0 || len(env.Fake.Requests()) != 0 {
		t.Fatalf("rows %v, requests %+v", rows, env.Fake.Requests())
	}

	// The planner reads endpoints first in a join.
	plan := queryRows(t, env.DB, `EXPLAIN QUERY PLAN SELECT e.description, r.destinationCidr
		FROM client_vpn_endpoints e JOIN client_vpn_authorization_rules r
		  ON r.clientVpnEndpointId = e.clientVpnEndpointId AND r.region = e.region`)
	if len(plan) != 2 || !strings.HasPrefix(plan[0]["detail"], "text:SCAN e VIRTUAL TABLE") ||
		!strings.Contains(plan[1]["detail"], "INDEX 0:clientVpnEndpointId,region") {
		t.Fatalf("plan %v", plan)
	}

	// A bad endpoint id never reaches AWS.
	env.Fake.ResetLog()
	_, err := env.DB.Exec(`SELECT * FROM client_vpn_authorization_rules WHERE clientVpnEndpointId = 'vpn-1'`)
	if err == nil || !strings.Contains(err.Error(), "client_vpn_authorization_rules") || len(env.Fake.Requests()) != 0 {
		t.Fatalf("err %v, requests %+v", err, env.Fake.Requests())
	}
}

func equalRow(a, b row) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestEndpointSecurityColumns: the settings the controls read come through
// client_vpn_endpoints as the dataset has them.
func TestEndpointSecurityColumns(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	rows := queryRows(t, env.DB, `SELECT clientVpnEndpointId AS id, disconnectOnSessionTimeout AS d,
		clientConnectOptions->>'enabled' AS handler, clientConnectOptions->>'lambdaFunctionArn' AS arn,
		clientLoginBannerOptions->>'enabled' AS banner, clientLoginBannerOptions->>'bannerText' AS text
		FROM client_vpn_endpoints`)
	if len(rows) != len(ds.Endpoints) {
		t.Fatalf("%d rows", len(rows))
	}
	b := func(v bool) string {
		if v {
			return "int:1"
		}
		return "int:0"
	}
	opt := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return "text:" + s
	}
	for _, r := range rows {
		e := ds.Endpoint(strings.TrimPrefix(r["id"], "text:"))
		want := row{"d": b(e.DisconnectOnSessionTimeout), "handler": b(e.ClientConnectLambdaArn != ""), "arn": opt(e.ClientConnectLambdaArn),
			"banner": b(e.LoginBannerText != ""), "text": opt(e.LoginBannerText)}
		if !equalRow(r, want) {
			t.Errorf("%s: %v, want %v", e.Description, r, want)
		}
	}
}
