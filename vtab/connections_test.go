package vtab_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/sqlite"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

const describeConnections = "DescribeClientVpnConnections"

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func sample() *ec2fake.Dataset { return ec2fake.SampleDataset(testNow) }

// endpointByDescription finds a sample endpoint.
func endpointByDescription(t testing.TB, ds *ec2fake.Dataset, desc string) *ec2fake.Endpoint {
	t.Helper()
	for _, e := range ds.Endpoints {
		if e.Description == desc {
			return e
		}
	}
	t.Fatalf("no sample endpoint %q", desc)
	return nil
}

// row is one connection as the table shows it, every column as SQL text
// with its SQL type, so comparisons cover values and types.
type row map[string]string

const allColumns = `region, clientIp, clientVpnEndpointId, commonName, connectionEndTime,
	connectionEstablishedTime, connectionId, egressBytes, egressPackets, ingressBytes,
	ingressPackets, postureComplianceStatusSet, status, timestamp, username`

func queryRows(t testing.TB, db *sql.DB, query string, args ...any) []row {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []row
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := row{}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case nil:
				r[c] = "NULL"
			case int64:
				r[c] = "int:" + strconv.FormatInt(v, 10)
			case string:
				r[c] = "text:" + v
			case []byte:
				r[c] = "text:" + string(v)
			default:
				r[c] = fmt.Sprintf("%T:%v", v, v)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expectedRow is what the table must show for a dataset connection.
func expectedRow(region string, c *ec2fake.Connection) row {
	opt := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return "text:" + s
	}
	end := "NULL"
	if c.ConnectionEndTime != "-" {
		end = "text:" + c.ConnectionEndTime
	}
	posture := "NULL" // no set in the answer
	if c.PostureComplianceStatusSet != nil {
		b, _ := json.Marshal(c.PostureComplianceStatusSet)
		posture = "text:" + string(b)
	}
	return row{
		"region":                     "text:" + region,
		"clientIp":                   "text:" + c.ClientIP,
		"clientVpnEndpointId":        "text:" + c.ClientVpnEndpointID,
		"commonName":                 opt(c.CommonName),
		"connectionEndTime":          end,
		"connectionEstablishedTime":  "text:" + c.ConnectionEstablishedTime,
		"connectionId":               "text:" + c.ConnectionID,
		"egressBytes":                "int:" + strconv.FormatUint(c.EgressBytes, 10),
		"egressPackets":              "int:" + strconv.FormatUint(c.EgressPackets, 10),
		"ingressBytes":               "int:" + strconv.FormatUint(c.IngressBytes, 10),
		"ingressPackets":             "int:" + strconv.FormatUint(c.IngressPackets, 10),
		"postureComplianceStatusSet": posture,
		"timestamp":                  "text:" + c.Timestamp,
		"username":                   opt(c.Username),
	}
}

func TestEveryColumnOfEveryRow(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{})
	var sawUnicode, sawXML, sawBig, sawOpen, sawCertOnly bool
	statuses := map[string]bool{}
	for _, e := range ds.Endpoints {
		got := queryRows(t, env.DB, `SELECT `+allColumns+`, status->>'code' AS code, status->>'message' AS message
			FROM client_vpn_connections WHERE clientVpnEndpointId = ? AND region = ?`, e.ID, e.Region)
		if len(got) != len(e.Connections) {
			t.Fatalf("%s: %d rows, want %d", e.ID, len(got), len(e.Connections))
		}
		for i, c := range e.Connections {
			want := expectedRow(e.Region, c)
			want["code"] = "text:" + c.StatusCode
			want["message"] = "text:" + c.StatusMessage
			if c.StatusMessage == "" {
				want["message"] = got[i]["message"] // absent or empty, both fine
			}
			for col, w := range want {
				if got[i][col] != w {
					t.Fatalf("%s row %d column %s = %q, want %q", e.ID, i, col, got[i][col], w)
				}
			}
			var status struct{ Code string }
			if err := json.Unmarshal([]byte(strings.TrimPrefix(got[i]["status"], "text:")), &status); err != nil || status.Code != c.StatusCode {
				t.Fatalf("status %q is not JSON with code %s: %v", got[i]["status"], c.StatusCode, err)
			}
			statuses[c.StatusCode] = true
			sawUnicode = sawUnicode || strings.ContainsAny(c.Username+c.CommonName, "ëå李")
			sawXML = sawXML || strings.ContainsAny(c.Username+c.CommonName, `<&"'`)
			sawBig = sawBig || c.IngressBytes > 1<<32 || c.EgressBytes > 1<<32
			sawOpen = sawOpen || c.ConnectionEndTime == "-"
			sawCertOnly = sawCertOnly || c.Username == ""
		}
	}
	if !sawUnicode || !sawXML || !sawBig || !sawOpen || !sawCertOnly || len(statuses) != 4 {
		t.Fatalf("dataset lacks a case: unicode %v xml %v big %v open %v certOnly %v statuses %v",
			sawUnicode, sawXML, sawBig, sawOpen, sawCertOnly, statuses)
	}
}

func TestPushdownEndpointAndRegion(t *testing.T) {
	ds := sample()
	big := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: []string{"eu-west-1"}}})
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections
		WHERE clientVpnEndpointId = ? AND region = ?`, big.ID, big.Region).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != ec2fake.SampleBigEndpointConnections {
		t.Fatalf("count %d", n)
	}
	reqs := env.Fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want exactly 3: %+v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.Action != describeConnections || r.Region != big.Region ||
			r.Params.Get("ClientVpnEndpointId") != big.ID || r.Params.Get("MaxResults") != "1000" {
			t.Fatalf("unexpected request %+v", r)
		}
	}
}

func TestPushdownFilters(t *testing.T) {
	ds := sample()
	e := endpointByDescription(t, ds, ec2fake.SampleContractorEndpoint)
	var user string
	for _, c := range e.Connections {
		if strings.ContainsAny(c.Username, "ëå李") {
			user = c.Username
		}
	}
	target := e.Connections[3]
	env := vpntest.Start(t, ds, clientvpn.Config{})

	tests := []struct {
		name, where string
		arg         string
		filter      string
		want        int
	}{
		{"connectionId", "connectionId = ?", target.ConnectionID, "connection-id", 1},
		{"username", "username = ?", user, "username", countUser(e, user)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.Fake.ResetLog()
			got := queryRows(t, env.DB, `SELECT connectionId, username FROM client_vpn_connections
				WHERE clientVpnEndpointId = ? AND `+tc.where, e.ID, tc.arg)
			if len(got) != tc.want || tc.want == 0 {
				t.Fatalf("%d rows, want %d", len(got), tc.want)
			}
			reqs := env.Calls(describeConnections)
			if len(reqs) != 1 || len(env.Fake.Requests()) != 1 {
				t.Fatalf("requests %+v", env.Fake.Requests())
			}
			if f := filterValues(reqs[0].Params, tc.filter); !slices.Equal(f, []string{tc.arg}) {
				t.Fatalf("filter %s sent %v, want [%s]; params %v", tc.filter, f, tc.arg, reqs[0].Params)
			}
		})
	}

	t.Run("nocase is not pushed down", func(t *testing.T) {
		env.Fake.ResetLog()
		got := queryRows(t, env.DB, `SELECT username FROM client_vpn_connections
			WHERE clientVpnEndpointId = ? AND username = ? COLLATE NOCASE`, e.ID, strings.ToUpper(user))
		if len(got) != countUser(e, user) {
			t.Fatalf("%d rows", len(got))
		}
		if f := filterValues(env.Calls(describeConnections)[0].Params, "username"); f != nil {
			t.Fatalf("NOCASE comparison sent username filter %v", f)
		}
	})
}

func countUser(e *ec2fake.Endpoint, user string) int {
	n := 0
	for _, c := range e.Connections {
		if c.Username == user {
			n++
		}
	}
	return n
}

// filterValues returns the values sent for the named API filter.
func filterValues(p url.Values, name string) []string {
	for i := 1; ; i++ {
		n := p.Get(fmt.Sprintf("Filter.%d.Name", i))
		if n == "" {
			return nil
		}
		if n != name {
			continue
		}
		var vals []string
		for j := 1; p.Has(fmt.Sprintf("Filter.%d.Value.%d", i, j)); j++ {
			vals = append(vals, p.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j)))
		}
		return vals
	}
}

func usEastConnections(ds *ec2fake.Dataset) int {
	n := 0
	for _, e := range usEast(ds) {
		n += len(e.Connections)
	}
	return n
}

func usEast(ds *ec2fake.Dataset) []*ec2fake.Endpoint {
	var out []*ec2fake.Endpoint
	for _, e := range ds.Endpoints {
		if e.Region == "us-east-1" {
			out = append(out, e)
		}
	}
	return out
}

func TestPushdownInList(t *testing.T) {
	ds := sample()
	eps := usEast(ds)
	if len(eps) != 3 {
		t.Fatalf("want 3 us-east-1 endpoints, have %d", len(eps))
	}
	env := vpntest.Start(t, ds, clientvpn.Config{})
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections
		WHERE clientVpnEndpointId IN (?, ?, ?)`, eps[0].ID, eps[1].ID, eps[2].ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	want := len(eps[0].Connections) + len(eps[1].Connections) + len(eps[2].Connections)
	if n != want {
		t.Fatalf("count %d, want %d", n, want)
	}
	assertFetchedOnce(t, env, eps)
}

// assertFetchedOnce checks that each endpoint's pages were fetched exactly
// once (a first page without NextToken once per endpoint) and nothing else.
func assertFetchedOnce(t *testing.T, env *vpntest.Env, eps []*ec2fake.Endpoint) {
	t.Helper()
	firstPages := map[string]int{}
	for _, r := range env.Fake.Requests() {
		if r.Action != describeConnections {
			t.Fatalf("unexpected %s", r.Action)
		}
		if !r.Params.Has("NextToken") {
			firstPages[r.Params.Get("ClientVpnEndpointId")]++
		}
	}
	if len(firstPages) != len(eps) {
		t.Fatalf("fetched %v, want %d endpoints", firstPages, len(eps))
	}
	for _, e := range eps {
		if firstPages[e.ID] != 1 {
			t.Fatalf("endpoint %s fetched %d times", e.ID, firstPages[e.ID])
		}
	}
}

func TestJoinWithLocalTable(t *testing.T) {
	ds := sample()
	eps := usEast(ds)
	env := vpntest.Start(t, ds, clientvpn.Config{})
	if _, err := env.DB.Exec(`CREATE TABLE mine(id TEXT, owner TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i, e := range eps {
		if _, err := env.DB.Exec(`INSERT INTO mine VALUES (?, ?)`, e.ID, fmt.Sprint("team", i)); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT m.owner, c.connectionId FROM mine m JOIN client_vpn_connections c ON c.clientVpnEndpointId = m.id`
	plan := queryRows(t, env.DB, `EXPLAIN QUERY PLAN `+q)
	if len(plan) != 2 || !strings.HasPrefix(plan[0]["detail"], "text:SCAN m") ||
		!strings.Contains(plan[1]["detail"], "VIRTUAL TABLE INDEX 0:clientVpnEndpointId") {
		t.Fatalf("plan %v: want the local table outside, connections driven by endpoint", plan)
	}
	env.Fake.ResetLog()
	got := queryRows(t, env.DB, q)
	want := len(eps[0].Connections) + len(eps[1].Connections) + len(eps[2].Connections)
	if len(got) != want {
		t.Fatalf("%d rows, want %d", len(got), want)
	}
	assertFetchedOnce(t, env, eps)
}

func TestUnknownEndpointError(t *testing.T) {
	env := vpntest.Start(t, sample(), clientvpn.Config{})
	const id = "cvpn-endpoint-0000000000000dead"
	_, err := env.DB.Exec(`SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, id)
	if err == nil || !strings.Contains(err.Error(), "InvalidClientVpnEndpointId.NotFound") || !strings.Contains(err.Error(), id) {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans lines: %q", err)
	}
}

func TestThrottledEveryThirdRequest(t *testing.T) {
	ds := sample()
	big := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)
	env := vpntest.Start(t, ds, clientvpn.Config{})
	env.Fake.SetThrottleEvery(3)
	var n int
	if err := env.DB.QueryRow(`SELECT count(DISTINCT connectionId) FROM client_vpn_connections
		WHERE clientVpnEndpointId = ?`, big.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != ec2fake.SampleBigEndpointConnections {
		t.Fatalf("count %d", n)
	}
	throttled := 0
	for _, r := range env.Fake.Requests() {
		if r.ErrorCode == "RequestLimitExceeded" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("no request was throttled; the test proves nothing")
	}
}

func TestBadInput(t *testing.T) {
	ds := sample()
	big := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)
	env := vpntest.Start(t, ds, clientvpn.Config{})
	long := strings.Repeat("cvpn-endpoint-", 800) // ~10 KB
	tests := []struct {
		name  string
		where string
		args  []any
		// wantErr: substrings of the error; empty means no error and
		// wantRows rows.
		wantErr  []string
		wantRows int
		// requests the query may send (default 0: rejected before any request).
		requests int
	}{
		{"null endpoint", "clientVpnEndpointId = NULL", nil, nil, 0, 0},
		{"null endpoint parameter", "clientVpnEndpointId = ?", []any{nil}, nil, 0, 0},
		{"integer endpoint", "clientVpnEndpointId = 5", nil, []string{"clientVpnEndpointId '5' is not a Client VPN endpoint id"}, 0, 0},
		{"empty endpoint", "clientVpnEndpointId = ''", nil, []string{"clientVpnEndpointId '' is not"}, 0, 0},
		{"10 KB endpoint", "clientVpnEndpointId = ?", []any{long}, []string{"clientVpnEndpointId 'cvpn-endpoint-cvpn", "(11200 bytes)"}, 0, 0},
		{"malformed endpoint", "clientVpnEndpointId = 'cvpn-endpoint-xyz'", nil, []string{"'cvpn-endpoint-xyz' is not a Client VPN endpoint id"}, 0, 0},
		{"uppercase endpoint", "clientVpnEndpointId = ?", []any{strings.ToUpper(big.ID)}, []string{"is not a Client VPN endpoint id"}, 0, 0},
		// A BLOB never equals TEXT in SQLite: no rows and no request, not
		// an error (pushdown_test.go compares with SQLite's own answers).
		{"blob endpoint", "clientVpnEndpointId = x'00ff'", nil, nil, 0, 0},
		{"unknown endpoint", "clientVpnEndpointId = 'cvpn-endpoint-00000000000000000'", nil, []string{"InvalidClientVpnEndpointId.NotFound", "cvpn-endpoint-00000000000000000"}, 0, 1},
		{"endpoint in another region", "clientVpnEndpointId = ? AND region = 'eu-west-1'", []any{big.ID}, []string{"InvalidClientVpnEndpointId.NotFound"}, 0, 1},
		{"unknown region", "clientVpnEndpointId = ? AND region = 'xx-nowhere-9'", []any{big.ID}, []string{"AuthFailure", "xx-nowhere-9"}, 0, 1},
		{"malformed region", "clientVpnEndpointId = ? AND region = 'US East'", []any{big.ID}, []string{"region 'US East' is not an AWS region name"}, 0, 0},
		{"integer region", "clientVpnEndpointId = ? AND region = 1", []any{big.ID}, []string{"region '1' is not an AWS region name"}, 0, 0},
		{"null region", "clientVpnEndpointId = ? AND region = NULL", []any{big.ID}, nil, 0, 0},
		{"malformed connection id", "clientVpnEndpointId = ? AND connectionId = 'abc'", []any{big.ID}, []string{"connectionId 'abc' is not a Client VPN connection id"}, 0, 0},
		{"empty username", "clientVpnEndpointId = ? AND username = ''", []any{big.ID}, []string{"username '' cannot be a Client VPN username"}, 0, 0},
		{"empty IN list", "clientVpnEndpointId IN ()", nil, nil, 0, 0},
		{"IN list with NULL", "clientVpnEndpointId IN (NULL, ?)", []any{big.ID}, nil, ec2fake.SampleBigEndpointConnections, 3},
		{"counter compared with text", "clientVpnEndpointId = ? AND egressBytes = 'lots'", []any{big.ID}, nil, 0, 3},
		// Not pushed down: every endpoint of us-east-1 is listed (1 call) and
		// read (3 + 1 + 1 calls), and SQLite applies the LIKE.
		{"LIKE on endpoint discovers", "clientVpnEndpointId LIKE 'cvpn-%'", nil, nil, usEastConnections(ds), 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.Fake.ResetLog()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rows, err := env.DB.QueryContext(ctx, `SELECT connectionId FROM client_vpn_connections WHERE `+tc.where, tc.args...)
			n := 0
			if err == nil {
				for rows.Next() {
					n++
				}
				err = rows.Err()
				rows.Close()
			}
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error, %d rows", n)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Fatalf("error %q lacks %q", err, s)
					}
				}
				if len(err.Error()) > 400 {
					t.Fatalf("error is %d bytes long", len(err.Error()))
				}
			} else if err != nil {
				t.Fatalf("error %v", err)
			} else if n != tc.wantRows {
				t.Fatalf("%d rows, want %d", n, tc.wantRows)
			}
			if got := len(env.Fake.Requests()); got != tc.requests {
				t.Fatalf("%d requests, want %d", got, tc.requests)
			}
		})
	}
}

func TestNoRegionConfigured(t *testing.T) {
	ds := sample()
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: []string{}}})
	_, err := env.DB.Exec(`SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, ds.Endpoints[0].ID)
	if err == nil || !strings.Contains(err.Error(), "no AWS region configured") {
		t.Fatalf("err %v", err)
	}
	if len(env.Fake.Requests()) != 0 {
		t.Fatal("requests sent")
	}
}

// TestHandlesReleased opens and closes 10,000 connections that each scan
// the table; no cgo handle may outlive its connection.
func TestHandlesReleased(t *testing.T) {
	ds := sample()
	e := endpointByDescription(t, ds, ec2fake.SampleContractorEndpoint)
	env := vpntest.Start(t, ds, clientvpn.Config{})
	n := 10000
	if testing.Short() {
		n = 500
	}
	before := sqlite.LiveHandles()
	for i := 0; i < n; i++ {
		db, err := sql.Open("sqlite3", ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		var count int
		if err := db.QueryRow(`SELECT count(*) FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, e.ID).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != len(e.Connections) {
			t.Fatalf("count %d", count)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := sqlite.LiveHandles(); after != before {
		t.Fatalf("live cgo handles: %d before, %d after %d connections", before, after, n)
	}
	if got := len(env.Calls(describeConnections)); got != n {
		t.Fatalf("%d requests for %d scans", got, n)
	}
}
