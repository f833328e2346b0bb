package vtab_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

const describeEndpoints = "DescribeClientVpnEndpoints"

func regionsOf(ds *ec2fake.Dataset) clientvpn.Settings {
	return clientvpn.Settings{Regions: ds.Regions}
}

func countByAction(env *vpntest.Env) map[string]int {
	out := map[string]int{}
	for _, r := range env.Fake.Requests() {
		out[r.Action]++
	}
	return out
}

// TestDiscoveryAcrossRegions: no endpoint named, 3 regions x 4 endpoints.
func TestDiscoveryAcrossRegions(t *testing.T) {
	ds := ec2fake.ScaledDataset(3, 4, 1500) // 2 pages per endpoint
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3*4*1500 {
		t.Fatalf("count %d", n)
	}
	perRegion := map[string]int{}
	for _, r := range env.Calls(describeEndpoints) {
		perRegion[r.Region]++
	}
	if len(perRegion) != 3 || perRegion[ds.Regions[0]] != 1 || perRegion[ds.Regions[1]] != 1 || perRegion[ds.Regions[2]] != 1 {
		t.Fatalf("endpoint listings per region %v, want one each", perRegion)
	}
	if got := countByAction(env); got[describeConnections] != 12*2 || len(got) != 2 {
		t.Fatalf("calls %v, want 3 listings and 24 connection pages", got)
	}
}

// TestConcurrencyBound: with latency, the fan-out reaches the bound and
// never exceeds it.
func TestConcurrencyBound(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 8, 10)
	for _, bound := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(bound), func(t *testing.T) {
			env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions, Concurrency: bound}})
			env.Fake.SetLatency(50 * time.Millisecond)
			var n int
			if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections`).Scan(&n); err != nil || n != 80 {
				t.Fatalf("count %d, %v", n, err)
			}
			if got := env.Fake.MaxInFlight(); got != bound {
				t.Fatalf("max in flight %d, want exactly the bound %d", got, bound)
			}
		})
	}
}

// TestEarlyStop: LIMIT 5 stops the fan-out once five rows are out.
func TestEarlyStop(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 40, 10)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions, Concurrency: 2}})
	env.Fake.SetLatency(10 * time.Millisecond)
	rows := queryRows(t, env.DB, `SELECT connectionId FROM client_vpn_connections LIMIT 5`)
	if len(rows) != 5 {
		t.Fatalf("%d rows", len(rows))
	}
	waitIdle(t, env.Fake) // anything still in flight lands in the log
	if got := len(env.Fake.Requests()); got > 5 {
		t.Fatalf("%d requests for LIMIT 5; a full scan makes 41", got)
	}
}

// TestCacheJoin: a join of 200 local rows over 20 distinct endpoints calls
// the API once per endpoint; the same query again within the TTL makes no
// call; with the TTL at 0 it calls again.
func TestCacheJoin(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 20, 3)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions, CacheTTL: time.Minute}})
	if _, err := env.DB.Exec(`CREATE TABLE sessions(endpoint TEXT, note TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if _, err := env.DB.Exec(`INSERT INTO sessions VALUES (?, ?)`, ds.Endpoints[i%20].ID, fmt.Sprint("row ", i)); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT count(*) FROM sessions s JOIN client_vpn_connections c ON c.clientVpnEndpointId = s.endpoint`
	count := func() int {
		var n int
		if err := env.DB.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 200*3 {
		t.Fatalf("count %d", n)
	}
	assertFetchedOnce(t, env, ds.Endpoints)
	if got := len(env.Fake.Requests()); got != 20 {
		t.Fatalf("%d requests, want 20", got)
	}
	env.Fake.ResetLog()
	if n := count(); n != 600 || len(env.Fake.Requests()) != 0 {
		t.Fatalf("second run: count %d, %d requests, want 0", n, len(env.Fake.Requests()))
	}
	if _, err := env.DB.Exec(`SELECT vpnsql_config('cache_ttl', 0)`); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 600 || len(env.Fake.Requests()) != 200 {
		t.Fatalf("TTL 0: count %d, %d requests, want one per outer row (200)", n, len(env.Fake.Requests()))
	}
	// vpnsql_clear_cache empties it.
	if _, err := env.DB.Exec(`SELECT vpnsql_config('cache_ttl', '1m')`); err != nil {
		t.Fatal(err)
	}
	count()
	env.Fake.ResetLog()
	if _, err := env.DB.Exec(`SELECT vpnsql_clear_cache()`); err != nil {
		t.Fatal(err)
	}
	if count(); len(env.Fake.Requests()) != 20 {
		t.Fatalf("after clear: %d requests, want 20", len(env.Fake.Requests()))
	}
}

// TestPlannerJoinsEndpointsFirst: endpoints outside, connections per endpoint.
func TestPlannerJoinsEndpointsFirst(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	const q = `SELECT e.description, c.connectionId FROM client_vpn_endpoints e
		JOIN client_vpn_connections c ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region`
	plan := queryRows(t, env.DB, `EXPLAIN QUERY PLAN `+q)
	if len(plan) != 2 || !strings.HasPrefix(plan[0]["detail"], "text:SCAN e VIRTUAL TABLE") ||
		!strings.Contains(plan[1]["detail"], "INDEX 0:clientVpnEndpointId,region") {
		t.Fatalf("plan %v", plan)
	}
	rows := queryRows(t, env.DB, q)
	total, pages := 0, 0
	for _, e := range ds.Endpoints {
		total += len(e.Connections)
		pages += max(1, (len(e.Connections)+999)/1000)
	}
	if len(rows) != total {
		t.Fatalf("%d rows, want %d", len(rows), total)
	}
	got := countByAction(env)
	if got[describeEndpoints] != len(ds.Regions) || got[describeConnections] != pages {
		t.Fatalf("calls %v, want %d listings and %d connection pages", got, len(ds.Regions), pages)
	}
}

// TestRegionFaults: one region denied, one throttled on every call.
func TestRegionFaults(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds), MaxAttempts: 3})
	env.Fake.SetRegionFault("eu-west-1", "UnauthorizedOperation")
	env.Fake.SetRegionFault("ap-southeast-2", "RequestLimitExceeded")
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := usEastConnections(ds); n != want {
		t.Fatalf("count %d, want the healthy regions' %d", n, want)
	}
	warnings := queryRows(t, env.DB, `SELECT region, code, message FROM vpnsql_warnings ORDER BY region`)
	if len(warnings) != 2 || warnings[0]["region"] != "text:ap-southeast-2" || warnings[0]["code"] != "text:RequestLimitExceeded" ||
		warnings[1]["region"] != "text:eu-west-1" || warnings[1]["code"] != "text:UnauthorizedOperation" {
		t.Fatalf("warnings %v", warnings)
	}
	if _, err := env.DB.Exec(`SELECT vpnsql_config('strict', 'on')`); err != nil {
		t.Fatal(err)
	}
	_, err := env.DB.Exec(`SELECT count(*) FROM client_vpn_connections`)
	if err == nil || !strings.Contains(err.Error(), "eu-west-1: UnauthorizedOperation") ||
		!strings.Contains(err.Error(), "ap-southeast-2: RequestLimitExceeded") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("strict: err %v, want one line naming both regions", err)
	}
}

// TestAllRegionsEnabled: "*" asks DescribeRegions.
func TestAllRegionsEnabled(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: []string{"*"}}})
	var n int
	if err := env.DB.QueryRow(`SELECT count(DISTINCT region) FROM client_vpn_endpoints`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 { // sa-east-1 is enabled but has no endpoints
		t.Fatalf("%d regions with endpoints", n)
	}
	got := countByAction(env)
	if got["DescribeRegions"] != 1 || got[describeEndpoints] != len(ds.Regions) {
		t.Fatalf("calls %v", got)
	}
}

// TestCancelWithinOneSecond: a hanging request (30 s latency) ends within a
// second of the Go context's end, sends nothing more, and leaves no
// goroutine behind.
func TestCancelWithinOneSecond(t *testing.T) {
	ds := ec2fake.ScaledDataset(2, 4, 10)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	env.Fake.SetLatency(30 * time.Second)
	// Warm up the pool, clients and database connection first.
	env.DB.Exec(`SELECT 1`)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := env.DB.ExecContext(ctx, `SELECT count(*) FROM client_vpn_connections`)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error")
	}
	if elapsed > 1300*time.Millisecond {
		t.Fatalf("took %v after a 300ms deadline", elapsed)
	}
	// Once vpnsql's goroutines are gone nothing more can be sent; the fake
	// logs a request when it answers or is abandoned, so once it is idle
	// the log is final.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	waitIdle(t, env.Fake)
	if sent := len(env.Fake.Requests()); sent > len(ds.Regions) {
		t.Fatalf("%d requests after cancel; want at most the %d listings", sent, len(ds.Regions))
	}
}

// waitIdle waits until the fake handles no request (polling a condition,
// with a deadline generous enough for a loaded machine).
func waitIdle(t *testing.T, fake *ec2fake.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for fake.InFlight() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the fake still handles %d requests", fake.InFlight())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestNamedEndpointAcrossRegions: a named endpoint with several regions in
// scope is found where it lives; NotFound elsewhere is expected, and only
// an endpoint no region knows is an error.
func TestNamedEndpointAcrossRegions(t *testing.T) {
	ds := sample()
	e := endpointByDescription(t, ds, ec2fake.SampleNoLoggingEndpoint) // eu-west-1
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	rows := queryRows(t, env.DB, `SELECT region FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, e.ID)
	if len(rows) != len(e.Connections) || rows[0]["region"] != "text:eu-west-1" {
		t.Fatalf("%d rows (%v), want %d from eu-west-1", len(rows), rows[0], len(e.Connections))
	}
	if got := len(env.Calls(describeConnections)); got != len(ds.Regions) {
		t.Fatalf("%d calls, want one per region", got)
	}
	const missing = "cvpn-endpoint-00000000000000bad"
	_, err := env.DB.Exec(`SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = ?`, missing)
	if err == nil || !strings.Contains(err.Error(), missing+" exists in none of the regions in scope (us-east-1, eu-west-1, ap-southeast-2, sa-east-1)") ||
		!strings.Contains(err.Error(), "InvalidClientVpnEndpointId.NotFound") {
		t.Fatalf("err %v", err)
	}
}

// TestCacheBudget: the cache holds at most 20,000 rows in all. A listing
// larger than that streams through uncached; across many endpoints the
// first ones fetched stay cached and only the rest is fetched again.
func TestCacheBudget(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 1, 25_000)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions, CacheTTL: time.Minute}})
	const one = `SELECT count(*) FROM client_vpn_connections WHERE clientVpnEndpointId = ?`
	for range 2 {
		var n int
		if err := env.DB.QueryRow(one, ds.Endpoints[0].ID).Scan(&n); err != nil || n != 25_000 {
			t.Fatalf("count %d, %v", n, err)
		}
	}
	if got := len(env.Calls(describeConnections)); got != 2*25 {
		t.Fatalf("%d calls, want 50: a 25,000-row listing must not be cached", got)
	}

	ds = ec2fake.ScaledDataset(1, 30, 1000) // 30,000 rows in 30 cacheable pieces
	env = vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions, CacheTTL: time.Minute}})
	const all = `SELECT count(*) FROM client_vpn_connections`
	for range 2 {
		var n int
		if err := env.DB.QueryRow(all).Scan(&n); err != nil || n != 30_000 {
			t.Fatalf("count %d, %v", n, err)
		}
	}
	// First run: 1 listing (30 rows, reserved first) + 30 pages, of which
	// 19 fit beside it. Second run: only the 11 others are fetched again.
	got := countByAction(env)
	if got[describeEndpoints] != 1 || got[describeConnections] != 30+11 {
		t.Fatalf("calls over two runs %v, want 1 listing and 41 connection pages", got)
	}
}
