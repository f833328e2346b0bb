package queries

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// semanticsNow is the clock of the hand-made datasets below.
var semanticsNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// handDataset is one endpoint in us-east-1 holding conns, with the ids and
// the fields every row needs filled in.
func handDataset(conns ...*ec2fake.Connection) *ec2fake.Dataset {
	const endpoint = "cvpn-endpoint-0123456789abcdef0"
	for i, c := range conns {
		c.ClientVpnEndpointID = endpoint
		c.ConnectionID = fmt.Sprintf("cvpn-connection-%017x", i+1)
		c.Timestamp = semanticsNow.Format(time.DateTime)
		c.ClientIP = fmt.Sprintf("10.0.0.%d", i+2)
		if c.StatusCode == "" {
			c.StatusCode = "active"
		}
		if c.ConnectionEndTime == "" {
			c.ConnectionEndTime = "-"
		}
		if c.ConnectionEstablishedTime == "" {
			c.ConnectionEstablishedTime = semanticsNow.Add(-time.Hour).Format(time.DateTime)
		}
	}
	return &ec2fake.Dataset{Regions: []string{"us-east-1"}, Endpoints: []*ec2fake.Endpoint{{
		Region: "us-east-1", ID: endpoint, Description: "hand", StatusCode: "available",
		TransportProtocol: "udp", VpnPort: 443, Connections: conns,
	}}}
}

// runColumn runs the saved query name on ds with params and returns column
// col of every row.
func runColumn(t *testing.T, ds *ec2fake.Dataset, name, col string, params map[string]string) []string {
	t.Helper()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	q, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	if params == nil {
		params = map[string]string{}
	}
	params["now"] = semanticsNow.Format(time.DateTime)
	args, err := q.Args(params)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCSV(env.DB, q.SQL, args)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	header := strings.Split(lines[0], ",")
	i := slices.Index(header, col)
	if i < 0 {
		t.Fatalf("no column %s in %v", col, header)
	}
	var vals []string
	for _, l := range lines[1:] {
		vals = append(vals, strings.Split(l, ",")[i])
	}
	return vals
}

// A posture set fails when it contains a failing status; tags beside a
// passing status ("mdm-enrolled") are not failures (issue 9, item 9).
func TestPostureNoncompliantMultiValued(t *testing.T) {
	ds := handDataset(
		&ec2fake.Connection{Username: "pass", PostureComplianceStatusSet: []string{"compliant"}},
		&ec2fake.Connection{Username: "pass-tagged", PostureComplianceStatusSet: []string{"compliant", "mdm-enrolled"}},
		&ec2fake.Connection{Username: "fail", PostureComplianceStatusSet: []string{"non-compliant"}},
		&ec2fake.Connection{Username: "fail-tagged", PostureComplianceStatusSet: []string{"mdm-enrolled", "non-compliant"}},
		&ec2fake.Connection{Username: "custom", PostureComplianceStatusSet: []string{"os-outdated"}},
		&ec2fake.Connection{Username: "unassessed"},
		&ec2fake.Connection{Username: "closed", PostureComplianceStatusSet: []string{"non-compliant"},
			StatusCode: "terminated", ConnectionEndTime: semanticsNow.Add(-time.Minute).Format(time.DateTime)},
	)
	got := runColumn(t, ds, "posture_noncompliant", "username", nil)
	slices.Sort(got)
	if want := []string{"fail", "fail-tagged"}; !slices.Equal(got, want) {
		t.Errorf("default: got %v, want %v", got, want)
	}
	got = runColumn(t, ds, "posture_noncompliant", "username", map[string]string{"failing": "non-compliant, os-outdated"})
	slices.Sort(got)
	if want := []string{"custom", "fail", "fail-tagged"}; !slices.Equal(got, want) {
		t.Errorf("failing=non-compliant,os-outdated: got %v, want %v", got, want)
	}
}

// shared_certificates lists a certificate used by two usernames, and a
// certificate-only one connected twice at once; not one person's own
// certificate on two sessions, nor back-to-back sessions (issue 9, item 10).
func TestSharedCertificates(t *testing.T) {
	at := func(d time.Duration) string { return semanticsNow.Add(-d).Format(time.DateTime) }
	ended := func(c *ec2fake.Connection, end time.Duration) *ec2fake.Connection {
		c.StatusCode, c.ConnectionEndTime = "terminated", at(end)
		return c
	}
	ds := handDataset(
		// Two people, one certificate, not at the same time.
		ended(&ec2fake.Connection{Username: "ann", CommonName: "shared.example.com", ConnectionEstablishedTime: at(50 * time.Minute)}, 40*time.Minute),
		&ec2fake.Connection{Username: "bob", CommonName: "shared.example.com", ConnectionEstablishedTime: at(30 * time.Minute)},
		// One person on two sessions with their own certificate.
		&ec2fake.Connection{Username: "cat", CommonName: "cat.example.com"},
		&ec2fake.Connection{Username: "cat", CommonName: "cat.example.com"},
		// Certificate-only, overlapping.
		&ec2fake.Connection{CommonName: "copied.example.com", ConnectionEstablishedTime: at(2 * time.Hour)},
		&ec2fake.Connection{CommonName: "copied.example.com", ConnectionEstablishedTime: at(time.Hour)},
		// Certificate-only, one session ending as the next begins.
		ended(&ec2fake.Connection{CommonName: "kiosk.example.com", ConnectionEstablishedTime: at(50 * time.Minute)}, 20*time.Minute),
		&ec2fake.Connection{CommonName: "kiosk.example.com", ConnectionEstablishedTime: at(20 * time.Minute)},
	)
	got := runColumn(t, ds, "shared_certificates", "common_name", nil)
	if want := []string{"shared.example.com", "copied.example.com"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// BenchmarkSharedCertificates runs the query on 24,000 open sessions (24
// endpoints of 1,000) over 100 certificates, half of the sessions
// certificate-only: 240 overlapping sessions per certificate, where a
// pairwise self-join compares 5.8 million pairs.
func BenchmarkSharedCertificates(b *testing.B) {
	ds := ec2fake.ScaledDataset(1, 24, 1000)
	for _, e := range ds.Endpoints {
		for i, c := range e.Connections {
			c.CommonName = fmt.Sprintf("client-%d.example.com", i%100)
			if i%2 == 0 {
				c.Username = "" // half certificate-only
			}
		}
	}
	env := vpntest.Start(b, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	q, err := Get("shared_certificates")
	if err != nil {
		b.Fatal(err)
	}
	args, err := q.Args(map[string]string{"now": "2025-06-02 12:00:00"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, n, err := runCSV(env.DB, q.SQL, args); err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
}
