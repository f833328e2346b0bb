package ec2fake_test

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

var (
	endpointID   = regexp.MustCompile(`^cvpn-endpoint-[0-9a-f]{17}$`)
	connectionID = regexp.MustCompile(`^cvpn-connection-[0-9a-f]{17}$`)
)

func checkIDs(t *testing.T, ds *ec2fake.Dataset) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range ds.Endpoints {
		if !endpointID.MatchString(e.ID) || seen[e.ID] {
			t.Errorf("bad or duplicate endpoint id %q", e.ID)
		}
		seen[e.ID] = true
		if !slices.Contains(ds.Regions, e.Region) {
			t.Errorf("%s in region %s, which is not enabled", e.ID, e.Region)
		}
		for _, c := range e.Connections {
			if !connectionID.MatchString(c.ConnectionID) || seen[c.ConnectionID] {
				t.Errorf("bad or duplicate connection id %q", c.ConnectionID)
			}
			seen[c.ConnectionID] = true
			if c.ClientVpnEndpointID != e.ID {
				t.Errorf("%s belongs to %s but lists %s", c.ConnectionID, e.ID, c.ClientVpnEndpointID)
			}
		}
	}
}

// TestSampleDataset pins every property the sample promises (see
// SampleDataset's doc), so later queries and demos can rely on them.
func TestSampleDataset(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	if !reflect.DeepEqual(ds, ec2fake.SampleDataset(fixedNow.Add(0))) {
		t.Fatal("SampleDataset is not deterministic")
	}
	if other := ec2fake.SampleDataset(fixedNow.Add(time.Hour)); other.Endpoints[0].ID != ds.Endpoints[0].ID {
		t.Error("ids must not depend on the clock")
	}
	checkIDs(t, ds)
	if want := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"}; !slices.Equal(ds.Regions, want) {
		t.Errorf("regions %v", ds.Regions)
	}

	perRegion := map[string]int{}
	sizes := map[string][]int{}
	transports := map[string]bool{}
	logging := map[bool]bool{}
	for _, e := range ds.Endpoints {
		perRegion[e.Region]++
		sizes[e.Region] = append(sizes[e.Region], len(e.Connections))
		transports[e.TransportProtocol] = true
		logging[e.ConnectionLogEnabled] = true
	}
	if perRegion["sa-east-1"] != 0 || perRegion["eu-west-1"] < 2 || perRegion["ap-southeast-2"] < 2 {
		t.Errorf("endpoints per region: %v", perRegion)
	}
	if !slices.Contains(sizes["us-east-1"], 2500) || !slices.Contains(sizes["us-east-1"], 0) {
		t.Errorf("us-east-1 sizes %v: want one of 2,500 and one empty", sizes["us-east-1"])
	}
	if !transports["tcp"] || !transports["udp"] || !logging[true] || !logging[false] {
		t.Errorf("transports %v, logging %v", transports, logging)
	}

	now := fixedNow
	parse := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		return tm
	}
	statuses := map[string]int{}
	var certOnly, unicode, special, big, posture, noPosture, long int
	activeByUser := map[string]int{}
	type sighting struct{ ip, established string }
	byCN := map[string][]sighting{}
	for _, e := range ds.Endpoints {
		for _, c := range e.Connections {
			statuses[c.StatusCode]++
			open := c.ConnectionEndTime == "-"
			if open != (c.StatusCode != "terminated") {
				t.Errorf("%s: status %s with end %q", c.ConnectionID, c.StatusCode, c.ConnectionEndTime)
			}
			start := parse(c.ConnectionEstablishedTime)
			end := now
			if !open {
				end = parse(c.ConnectionEndTime)
				if now.Sub(end) > time.Hour || end.After(now) {
					t.Errorf("%s ended %v ago, outside the last hour", c.ConnectionID, now.Sub(end))
				}
			}
			if end.Sub(start) > 24*time.Hour {
				long++
			}
			if c.Username == "" {
				certOnly++
			}
			if regexp.MustCompile(`[^\x00-\x7f]`).MatchString(c.Username + c.CommonName) {
				unicode++
			}
			if regexp.MustCompile(`[<&"']`).MatchString(c.Username + c.CommonName) {
				special++
			}
			if c.IngressBytes > 1<<32 || c.EgressBytes > 1<<32 {
				big++
			}
			if len(c.PostureComplianceStatusSet) > 0 {
				posture++
			} else {
				noPosture++
			}
			if c.StatusCode == "active" {
				if c.Username != "" {
					activeByUser[e.ID+"/"+c.Username]++
				}
				byCN[c.CommonName] = append(byCN[c.CommonName], sighting{c.ClientIP, c.ConnectionEstablishedTime})
			}
		}
	}
	for _, s := range []string{"active", "failed-to-terminate", "terminating", "terminated"} {
		if statuses[s] == 0 {
			t.Errorf("no %s connection", s)
		}
	}
	if certOnly == 0 || unicode == 0 || special == 0 || big == 0 || posture == 0 || noPosture == 0 || long == 0 {
		t.Errorf("cert-only %d, unicode %d, xml-special %d, >2^32 %d, posture %d/%d, >24h %d",
			certOnly, unicode, special, big, posture, noPosture, long)
	}
	busy := 0
	for _, n := range activeByUser {
		if n >= 3 {
			busy++
		}
	}
	if busy == 0 {
		t.Error("no user with 3+ concurrent active sessions")
	}
	shared := false
	for _, ss := range byCN {
		for i := range ss {
			for j := range ss {
				if ss[i].ip != ss[j].ip && ss[i].established == ss[j].established {
					shared = true
				}
			}
		}
	}
	if !shared {
		t.Error("no common name used from two client IPs at the same time")
	}
}

func TestScaledDataset(t *testing.T) {
	ds := ec2fake.ScaledDataset(3, 4, 250)
	if !reflect.DeepEqual(ds, ec2fake.ScaledDataset(3, 4, 250)) {
		t.Fatal("ScaledDataset is not deterministic")
	}
	checkIDs(t, ds)
	if len(ds.Regions) != 3 || len(ds.Endpoints) != 12 {
		t.Fatalf("%d regions, %d endpoints", len(ds.Regions), len(ds.Endpoints))
	}
	for _, e := range ds.Endpoints {
		if len(e.Connections) != 250 {
			t.Errorf("%s has %d connections", e.ID, len(e.Connections))
		}
	}
	if got := ec2fake.ScaledDataset(30, 1, 1).Regions[29]; got != "test-region-30" {
		t.Errorf("region 30 is %q", got)
	}
}

// BenchmarkDescribeScaled pages 10,000 connections through the real SDK,
// 1,000 per request: the cost of the fake itself in scale tests.
func BenchmarkDescribeScaled(b *testing.B) {
	ds := ec2fake.ScaledDataset(1, 1, 10000)
	run, err := ec2fake.Start(ec2fake.New(ds))
	if err != nil {
		b.Fatal(err)
	}
	defer run.Close()
	c := client(run, ds.Regions[0])
	for b.Loop() {
		n := 0
		p := ec2.NewDescribeClientVpnConnectionsPaginator(c, &ec2.DescribeClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(ds.Endpoints[0].ID), MaxResults: aws.Int32(1000)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			n += len(page.Connections)
		}
		if n != 10000 {
			b.Fatalf("%d rows", n)
		}
	}
}
