package vtab_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/vpntest"
	"github.com/vpnsql/vpnsql/vtab"
)

// Tables() lists what Register declares, column for column, and every
// column says what it holds (issue 9, item 17).
func TestTablesMatchRegister(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	for _, tbl := range vtab.Tables() {
		rows, err := env.DB.Query(`SELECT name, type, hidden FROM pragma_table_xinfo(?) ORDER BY cid`, tbl.Name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var name, typ string
			var hidden int
			if err := rows.Scan(&name, &typ, &hidden); err != nil {
				t.Fatal(err)
			}
			got = append(got, name+" "+typ+strings.Repeat(" HIDDEN", min(hidden, 1)))
		}
		rows.Close()
		var want []string
		for _, c := range tbl.Columns {
			want = append(want, c.Name+" "+c.Type+strings.Repeat(" HIDDEN", map[bool]int{true: 1}[c.Hidden]))
			if c.Description == "" || strings.Contains(c.Description, "\n") {
				t.Errorf("%s.%s: description %q, want one line", tbl.Name, c.Name, c.Description)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: SQLite has\n%q\nTables() says\n%q", tbl.Name, got, want)
		}
	}
	var modules []string
	rows, err := env.DB.Query(`SELECT name FROM pragma_module_list WHERE name LIKE 'client\_vpn\_%' ESCAPE '\' OR name LIKE 'vpnsql\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		modules = append(modules, n)
	}
	rows.Close()
	var listed []string
	for _, tbl := range vtab.Tables() {
		listed = append(listed, tbl.Name)
	}
	slices.Sort(listed)
	if !slices.Equal(modules, listed) {
		t.Errorf("registered %v, Tables() lists %v", modules, listed)
	}
}

// SELECT * puts identity first (issue 9, item 18).
func TestSelectStarOrder(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	rows, err := env.DB.Query(`SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, ds.Endpoints[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	want := []string{"connectionId", "clientVpnEndpointId", "username", "commonName", "clientIp", "status",
		"connectionEstablishedTime", "connectionEndTime", "timestamp",
		"ingressBytes", "egressBytes", "ingressPackets", "egressPackets", "postureComplianceStatusSet"}
	if !slices.Equal(cols, want) {
		t.Errorf("SELECT * columns\n%v\nwant\n%v", cols, want)
	}
}
