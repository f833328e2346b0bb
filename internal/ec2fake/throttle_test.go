package ec2fake_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// TestTokenBuckets: each account+region has one bucket per action class; a
// request finding its bucket empty answers 503 RequestLimitExceeded in
// EC2's error document and changes nothing; buckets refill at their rate.
func TestTokenBuckets(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	run.Server.SetTokenBucket(ec2fake.NonMutating, 2, 0)
	run.Server.SetTokenBucket(ec2fake.Mutating, 1, 0)
	page := form("Action", "DescribeClientVpnConnections", "ClientVpnEndpointId", big.ID, "MaxResults", "5")
	for i, want := range []int{200, 200, 503} {
		status, _, body := rawPost(t, run, "us-east-1", page)
		if status != want {
			t.Fatalf("request %d: %d, want %d", i+1, status, want)
		}
		if status == 503 && (!strings.Contains(body, "<Response><Errors><Error><Code>RequestLimitExceeded</Code>") ||
			!strings.Contains(body, "<RequestID>")) {
			t.Fatalf("throttle answer %s", body)
		}
	}
	// Another region of the same account has buckets of its own, and so
	// has another class: unfiltered and unpaginated describes are not
	// limited here, and the mutating bucket still has its token.
	if status, _, _ := rawPost(t, run, "eu-west-1", form("Action", "DescribeClientVpnEndpoints", "MaxResults", "5")); status != 200 {
		t.Errorf("other region: %d", status)
	}
	if status, _, _ := rawPost(t, run, "us-east-1", form("Action", "DescribeRegions")); status != 200 {
		t.Errorf("unfiltered, unpaginated describe: %d", status)
	}
	c := big.Connections[0]
	terminate := form("Action", "TerminateClientVpnConnections", "ClientVpnEndpointId", big.ID, "ConnectionId", c.ConnectionID)
	if status, _, _ := rawPost(t, run, "us-east-1", terminate); status != 200 {
		t.Errorf("first terminate: %d", status)
	}
	other := big.Connections[1]
	terminate.Set("ConnectionId", other.ConnectionID)
	if status, _, _ := rawPost(t, run, "us-east-1", terminate); status != 503 {
		t.Errorf("second terminate: %d, want 503", status)
	}
	if got := run.Server.Dataset().Endpoint(big.ID).Connections[1].StatusCode; got != other.StatusCode {
		t.Errorf("a throttled terminate changed the connection: %s", got)
	}

	// Refill: 20 a second brings a token back within a few milliseconds;
	// other automation taking 20 a second leaves none.
	run.Server.SetTokenBucket(ec2fake.NonMutating, 1, 20)
	rawPost(t, run, "us-east-1", page)
	deadline := time.Now().Add(10 * time.Second)
	for status, _, _ := rawPost(t, run, "us-east-1", page); status != 200; status, _, _ = rawPost(t, run, "us-east-1", page) {
		if time.Now().After(deadline) {
			t.Fatal("the bucket never refilled")
		}
	}
	run.Server.SetOtherAutomation(ec2fake.NonMutating, 20)
	rawPost(t, run, "us-east-1", page)
	for i := range 5 {
		if status, _, _ := rawPost(t, run, "us-east-1", page); status != 503 {
			t.Errorf("request %d with other automation taking the refill: %d, want 503", i+1, status)
		}
	}
}
