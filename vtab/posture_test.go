package vtab_test

import (
	"testing"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// TestPostureSetMissingIsNull: a connection whose answer has no
// postureComplianceStatusSet reads as NULL, an empty set as [], so that
// "no handler reported" and "the handler reported nothing" differ, through
// both decoders (the fast one and the SDK's, by column use).
func TestPostureSetMissingIsNull(t *testing.T) {
	ds := sample()
	e := endpointByDescription(t, ds, "Contractors")
	e.Connections[0].PostureComplianceStatusSet = nil
	e.Connections[1].PostureComplianceStatusSet = []string{}
	e.Connections[2].PostureComplianceStatusSet = []string{"compliant", "mdm-enrolled"}
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	for i, want := range []string{"NULL", "[]", `["compliant","mdm-enrolled"]`} {
		var got string
		err := env.DB.QueryRow(`SELECT coalesce(postureComplianceStatusSet, 'NULL') FROM client_vpn_connections
			WHERE clientVpnEndpointId = ? AND connectionId = ?`, e.ID, e.Connections[i].ConnectionID).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("connection %d: postureComplianceStatusSet %s, want %s", i, got, want)
		}
	}
}
