package accounts_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

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

// TestConcurrencyLimits: SDK clients of one Limiter, many callers at once
// against a slow fake: one region never has more than RegionConcurrency
// requests in flight, two regions together never more than Concurrency.
func TestConcurrencyLimits(t *testing.T) {
	ds := ec2fake.ScaledDataset(2, 1, 1)
	fake := ec2fake.New(ds)
	run, err := ec2fake.Start(fake)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	fake.SetLatency(50 * time.Millisecond)
	lim := accounts.NewLimiter(accounts.Limits{RegionConcurrency: 2, Concurrency: 3})

	burst := func(regions ...string) int {
		fake.ResetLog()
		var wg sync.WaitGroup
		for _, region := range regions {
			cfg := aws.Config{Region: region, Credentials: clientvpn.DummyCredentials(), BaseEndpoint: aws.String(run.URL)}
			lim.Apply(&cfg, "", region)
			client := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.HTTPClient = clientvpn.ReadOnlyBody(o.HTTPClient) })
			for range 6 {
				wg.Go(func() {
					if _, err := client.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{}); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		return fake.MaxInFlight()
	}
	if got := burst(ds.Regions[0]); got != 2 {
		t.Errorf("one region: %d in flight at most, want the region limit 2", got)
	}
	if got := burst(ds.Regions...); got != 3 {
		t.Errorf("two regions: %d in flight at most, want the process limit 3", got)
	}
	lim.SetLimits(accounts.Limits{RegionConcurrency: 1, Concurrency: 3})
	if got := burst(ds.Regions[0]); got != 1 {
		t.Errorf("after SetLimits: %d in flight at most, want 1", got)
	}
}

// TestRateLimitSettings: vpnsql_config reads and sets the limits, and the
// region limit bounds a scan.
func TestRateLimitSettings(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 8, 10)
	env := vpntest.Start(t, ds, clientvpn.Config{})
	var region, total int64
	var stall string
	if err := env.DB.QueryRow(`SELECT vpnsql_config('region_concurrency', 2), vpnsql_config('concurrency'),
		vpnsql_config('stall_timeout', '90')`).Scan(&region, &total, &stall); err != nil {
		t.Fatal(err)
	}
	if region != 2 || total != accounts.DefaultConcurrency || stall != "1m30s" {
		t.Errorf("settings %d, %d, %q", region, total, stall)
	}
	for _, bad := range []string{`vpnsql_config('region_concurrency', 0)`, `vpnsql_config('stall_timeout', '0s')`} {
		if _, err := env.DB.Exec(`SELECT ` + bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	env.Fake.SetLatency(50 * time.Millisecond)
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections`).Scan(&n); err != nil || n != 80 {
		t.Fatalf("count %d, %v", n, err)
	}
	if got := env.Fake.MaxInFlight(); got != 2 {
		t.Errorf("%d requests in flight at most, want region_concurrency's 2", got)
	}
}
