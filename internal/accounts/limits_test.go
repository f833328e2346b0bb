package accounts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// TestThrottledAccountLosesNoRow: an account whose EC2 bucket is busy (4
// tokens, refilled at 2 a second) and 5 endpoints of 4,000 connections.
// Every row comes back, with no warning, in at most 1.5x the time the
// bucket allows. Before the limiter, one endpoint ran out of retries: 16,000
// rows and a warning.
func TestThrottledAccountLosesNoRow(t *testing.T) {
	const endpoints, perEndpoint, size, refill = 5, 4000, 4, 2.0
	ds := ec2fake.ScaledDataset(1, endpoints, perEndpoint)
	// The product's defaults (vpntest shortens backoff and stall timeout).
	env := vpntest.Start(t, ds, clientvpn.Config{MaxBackoff: accounts.DefaultMaxBackoff,
		Settings: clientvpn.Settings{StallTimeout: accounts.DefaultStallTimeout}})
	env.Fake.SetTokenBucket(ec2fake.NonMutating, size, refill)

	start := time.Now()
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if n != endpoints*perEndpoint {
		t.Errorf("count %d, want every one of %d", n, endpoints*perEndpoint)
	}
	var warnings int
	if err := env.DB.QueryRow(`SELECT count(*) FROM vpnsql_warnings`).Scan(&warnings); err != nil || warnings != 0 {
		t.Errorf("%d warnings (%v), want none", warnings, err)
	}

	// The bucket lets the first `size` requests through at once and then
	// `refill` a second: the minimum time for the answered requests.
	answered, throttled := 0, 0
	for _, r := range env.Fake.Requests() {
		switch r.ErrorCode {
		case "":
			answered++
		case "RequestLimitExceeded":
			throttled++
		default:
			t.Errorf("%s answered %s", r.Action, r.ErrorCode)
		}
	}
	requests := 1 + endpoints*(perEndpoint/1000) // one listing, one per page
	if answered != requests {
		t.Errorf("%d answered requests, want %d (one listing, one per page)", answered, requests)
	}
	bound := time.Duration(float64(requests-size) / refill * float64(time.Second))
	t.Logf("%d rows in %v (bucket bound %v, %.2fx); %d requests answered, %d throttled",
		n, elapsed.Round(time.Millisecond), bound, elapsed.Seconds()/bound.Seconds(), answered, throttled)
	if elapsed > bound*3/2 {
		t.Errorf("took %v, more than 1.5x the %v the bucket allows", elapsed, bound)
	}
}

// TestStallTimeout: when the bucket never refills, a query fails once the
// account+region has answered nothing but throttles for the stall timeout,
// with one line saying so.
func TestStallTimeout(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 1, 3000)
	const stall = time.Second
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{StallTimeout: stall}})
	env.Fake.SetTokenBucket(ec2fake.NonMutating, 1, 0) // the first page only

	start := time.Now()
	var n int
	err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections WHERE clientVpnEndpointId = ?`,
		ds.Endpoints[0].ID).Scan(&n)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("count %d, want the stall error", n)
	}
	msg := err.Error()
	for _, want := range []string{"DescribeClientVpnConnections in us-east-1: RequestLimitExceeded:",
		"throttled every request", "for 1s", "stall_timeout"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	if elapsed < stall || elapsed > 30*stall {
		t.Errorf("failed after %v, want soon after the %v stall timeout", elapsed, stall)
	}
	throttled := 0
	for _, r := range env.Fake.Requests() {
		if r.ErrorCode == "RequestLimitExceeded" {
			throttled++
		}
	}
	if throttled < 2 {
		t.Errorf("%d throttled requests: the throttle was not retried", throttled)
	}
	t.Logf("failed after %v and %d throttled tries: %s", elapsed.Round(time.Millisecond), throttled, msg)
}
