package vtab_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

func TestEndpointsEveryColumn(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	got := queryRows(t, env.DB, `SELECT region, clientVpnEndpointId, description, status->>'code' AS code,
		creationTime, dnsName, clientCidrBlock, dnsServer, splitTunnel, vpnProtocol, transportProtocol,
		vpnPort, serverCertificateArn, authenticationOptions, connectionLogOptions, tagSet,
		securityGroupIdSet, vpcId, selfServicePortalUrl, sessionTimeoutHours
		FROM client_vpn_endpoints ORDER BY clientVpnEndpointId`)
	want := slices.Clone(ds.Endpoints)
	slices.SortFunc(want, func(a, b *ec2fake.Endpoint) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	js := func(v any) string { // without HTML escaping, as the table writes JSON
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		return "text:" + strings.TrimSpace(b.String())
	}
	for i, e := range want {
		type tag struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		}
		tags := []tag{}
		for _, t := range e.Tags {
			tags = append(tags, tag{t.Key, t.Value})
		}
		var types []string
		var auth []map[string]any
		if err := json.Unmarshal([]byte(got[i]["authenticationOptions"][5:]), &auth); err != nil {
			t.Fatal(err)
		}
		for _, a := range auth {
			types = append(types, a["type"].(string))
		}
		var logs map[string]any
		if err := json.Unmarshal([]byte(got[i]["connectionLogOptions"][5:]), &logs); err != nil || logs["Enabled"] != e.ConnectionLogEnabled {
			t.Fatalf("%s connectionLogOptions %s", e.ID, got[i]["connectionLogOptions"])
		}
		split := "int:0"
		if e.SplitTunnel {
			split = "int:1"
		}
		exp := row{
			"region": "text:" + e.Region, "clientVpnEndpointId": "text:" + e.ID, "description": "text:" + e.Description,
			"code": "text:" + e.StatusCode, "creationTime": "text:" + e.CreationTime, "dnsName": "text:" + e.DNSName,
			"clientCidrBlock": "text:" + e.ClientCidrBlock, "dnsServer": js(e.DNSServers), "splitTunnel": split,
			"vpnProtocol": "text:" + e.VpnProtocol, "transportProtocol": "text:" + e.TransportProtocol,
			"vpnPort": "int:" + strconv.Itoa(e.VpnPort), "serverCertificateArn": "text:" + e.ServerCertificateArn,
			"tagSet": js(tags), "securityGroupIdSet": js(e.SecurityGroupIDs), "vpcId": "text:" + e.VpcID,
			"sessionTimeoutHours": "int:" + strconv.Itoa(e.SessionTimeoutHours),
		}
		if e.SelfServicePortalURL != "" {
			exp["selfServicePortalUrl"] = "text:" + e.SelfServicePortalURL
		}
		for col, w := range exp {
			if got[i][col] != w {
				t.Fatalf("%s column %s = %q, want %q", e.ID, col, got[i][col], w)
			}
		}
		if !slices.Equal(types, e.AuthenticationTypes) {
			t.Fatalf("%s authentication types %v, want %v", e.ID, types, e.AuthenticationTypes)
		}
	}
}

func TestEndpointsPushdown(t *testing.T) {
	ds := sample()
	eps := usEast(ds)
	env := vpntest.Start(t, ds, clientvpn.Config{})
	// One region in scope: the ids go as the ClientVpnEndpointId.N list.
	rows := queryRows(t, env.DB, `SELECT clientVpnEndpointId FROM client_vpn_endpoints WHERE clientVpnEndpointId IN (?, ?)`, eps[0].ID, eps[2].ID)
	reqs := env.Calls(describeEndpoints)
	sent := []string{reqs[0].Params.Get("ClientVpnEndpointId.1"), reqs[0].Params.Get("ClientVpnEndpointId.2")}
	slices.Sort(sent)
	asked := []string{eps[0].ID, eps[2].ID}
	slices.Sort(asked)
	if len(rows) != 2 || len(reqs) != 1 || !slices.Equal(sent, asked) {
		t.Fatalf("rows %v, requests %+v", rows, reqs)
	}
	// Several regions: the endpoint-id filter, since each id lives in one.
	env.Fake.ResetLog()
	rows = queryRows(t, env.DB, `SELECT region FROM client_vpn_endpoints WHERE clientVpnEndpointId = ? AND region IN ('us-east-1', 'eu-west-1')`, eps[0].ID)
	reqs = env.Calls(describeEndpoints)
	if len(rows) != 1 || rows[0]["region"] != "text:us-east-1" || len(reqs) != 2 ||
		!slices.Equal(filterValues(reqs[0].Params, "endpoint-id"), []string{eps[0].ID}) {
		t.Fatalf("rows %v, requests %+v", rows, reqs)
	}
	// transportProtocol goes as the API filter; SQLite re-checks.
	env.Fake.ResetLog()
	rows = queryRows(t, env.DB, `SELECT transportProtocol FROM client_vpn_endpoints WHERE transportProtocol = 'tcp'`)
	reqs = env.Calls(describeEndpoints)
	tcp := 0
	for _, e := range eps {
		if e.TransportProtocol == "tcp" {
			tcp++
		}
	}
	if len(rows) != tcp || len(reqs) != 1 || !slices.Equal(filterValues(reqs[0].Params, "transport-protocol"), []string{"tcp"}) {
		t.Fatalf("rows %v, requests %+v", rows, reqs)
	}
	// An unknown id in the only region is the API's error.
	_, err := env.DB.Exec(`SELECT * FROM client_vpn_endpoints WHERE clientVpnEndpointId = 'cvpn-endpoint-00000000000000000'`)
	if err == nil || !strings.Contains(err.Error(), "InvalidClientVpnEndpointId.NotFound") {
		t.Fatalf("err %v", err)
	}
}
