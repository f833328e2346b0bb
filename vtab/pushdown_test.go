package vtab_test

import (
	"testing"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// TestPushdownFollowsSQLiteComparison: a constraint pushed down to the API
// must select the rows SQLite's own comparison selects. Each predicate is
// asked of the live table and of a plain temp table holding the same rows
// (its columns keep the TEXT affinity); the counts must agree, and a
// predicate that can match nothing (a BLOB against TEXT) sends no request.
func TestPushdownFollowsSQLiteComparison(t *testing.T) {
	ds := sample()
	e := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)
	// Usernames a number can equal: 42 compares as '42', 1.0 as '1.0'.
	e.Connections[0].Username, e.Connections[1].Username = "42", "1.0"
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: []string{e.Region}}})
	if _, err := env.DB.Exec(`CREATE TEMP TABLE copy AS SELECT region, clientVpnEndpointId, connectionId, username
		FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, e.ID); err != nil {
		t.Fatal(err)
	}
	c := e.Connections[2]
	tests := []struct {
		name, where string
		args        []any
		noRequest   bool
	}{
		{"blob endpoint equal to the id", "clientVpnEndpointId = CAST(? AS BLOB)", []any{e.ID}, true},
		{"blob endpoint parameter", "clientVpnEndpointId = ?", []any{[]byte(e.ID)}, true},
		{"blob and text endpoints", "clientVpnEndpointId IN (CAST(? AS BLOB), ?)", []any{e.ID, e.ID}, false},
		{"blob region", "clientVpnEndpointId = ? AND region = CAST(? AS BLOB)", []any{e.ID, e.Region}, true},
		{"blob connection id", "clientVpnEndpointId = ? AND connectionId = CAST(? AS BLOB)", []any{e.ID, c.ConnectionID}, true},
		{"blob username", "clientVpnEndpointId = ? AND username = CAST(? AS BLOB)", []any{e.ID, c.Username}, true},
		{"text username", "clientVpnEndpointId = ? AND username = ?", []any{e.ID, c.Username}, false},
		{"integer username", "clientVpnEndpointId = ? AND username = 42", []any{e.ID}, false},
		{"real username", "clientVpnEndpointId = ? AND username = 1.0", []any{e.ID}, false},
		{"real username parameter", "clientVpnEndpointId = ? AND username IN (?, 'nobody')", []any{e.ID, 1.0}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.Fake.ResetLog()
			var live, want int
			if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections WHERE `+tc.where, tc.args...).Scan(&live); err != nil {
				t.Fatal(err)
			}
			requests := len(env.Fake.Requests())
			if err := env.DB.QueryRow(`SELECT count(*) FROM copy WHERE `+tc.where, tc.args...).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if live != want {
				t.Fatalf("%d rows from the live table, SQLite's comparison gives %d", live, want)
			}
			if tc.noRequest && requests != 0 {
				t.Fatalf("%d requests for a predicate that matches nothing", requests)
			}
			t.Logf("%d rows, %d requests", live, requests)
		})
	}
}
