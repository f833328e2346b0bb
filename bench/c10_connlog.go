package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/vpnsql/vpnsql/internal/connlog"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// Contest 7 sizes: rows the two contestants stream, and rows of the memory
// run (issue 11: peak RSS at most 64 MB at a million rows).
func (b *bench) connectionLogSizes() (streamRows, rssRows, rounds int) {
	if b.quick {
		return 20_000, 100_000, 1
	}
	return 200_000, 1_000_000, 3
}

const benchLogGroup = "/aws/clientvpn/bench"

// logFleet is one endpoint in us-east-1 logging n events (an attempt and
// a reset per session, spread over a week) to benchLogGroup. The messages
// cycle through a few hundred distinct records, so the fake holds a
// million events in little memory; vpnsql parses every one anyway.
func logFleet(n int) (*ec2fake.Dataset, []ec2fake.LogEvent) {
	ep := ec2fake.ScaledDataset(1, 1, 0).Endpoints[0]
	ep.ConnectionLogEnabled, ep.CloudwatchLogGroup, ep.CloudwatchLogStream = true, benchLogGroup, "connection-log"
	const distinct = 512
	messages := make([]string, distinct)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range messages {
		typ, end, dur, status := "connection-attempt", "NA", "NA", "successful"
		if i%2 == 1 {
			typ, end, dur, status = "connection-reset", start.Add(time.Duration(i)*time.Minute).Format(time.DateTime), fmt.Sprint(60*i), "NA"
		}
		messages[i] = fmt.Sprintf(`{"connection-log-type":%q,"connection-attempt-status":%q,"connection-reset-status":"NA",`+
			`"connection-attempt-failure-reason":"NA","connection-id":"cvpn-connection-0%016x","client-vpn-endpoint-id":%q,`+
			`"transport-protocol":"udp","connection-start-time":%q,"connection-last-update-time":%q,"client-ip":"10.0.%d.%d",`+
			`"client-ipv6":"NA","common-name":"user%03d.vpn.example.com","device-type":"mac","device-ip":"198.51.100.%d","port":"%d",`+
			`"ingress-bytes":"%d","egress-bytes":"%d","ingress-packets":"%d","egress-packets":"%d","connection-end-time":%q,`+
			`"posture-compliance-statuses":"NA","username":"user%03d","connection-duration-seconds":%q}`,
			typ, status, i/2, ep.ID, start.Format(time.DateTime), start.Format(time.DateTime), i/250, i%250, i%100, i%254+1, 40000+i,
			i*12345, i*2345, i*12, i*3, end, i%100, dur)
	}
	events := make([]ec2fake.LogEvent, n)
	step := int64(7*24*time.Hour/time.Millisecond) / int64(max(n, 1))
	for i := range events {
		events[i] = ec2fake.LogEvent{Timestamp: start.UnixMilli() + int64(i)*max(step, 1), Message: messages[i%distinct]}
	}
	return &ec2fake.Dataset{Regions: []string{"us-east-1"}, Endpoints: []*ec2fake.Endpoint{ep}}, events
}

// connectionLog is contest 10: rows per second streaming one log group with
// vpnsql --output csv against `aws logs filter-log-events` paging the same
// group, and vpnsql's peak RSS streaming a million log rows as CSV.
func (b *bench) connectionLog(ctx context.Context) error {
	streamRows, rssRows, rounds := b.connectionLogSizes()
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	ds, events := logFleet(rssRows)
	f, err := startFake(ds, false)
	if err != nil {
		return err
	}
	defer f.Close()
	f.PutLogEvents("us-east-1", benchLogGroup, "connection-log", events...)
	endMs := events[streamRows-1].Timestamp // the first streamRows events
	events = nil
	runtime.GC()

	base := []string{"--endpoint-url", f.URL, "--region", "us-east-1", "--output", "csv", "--no-header"}
	window := fmt.Sprintf("SELECT * FROM client_vpn_connection_log WHERE eventTime <= '%s'", connlog.FormatEventTime(endMs))
	cli := contestant{"vpnsql", func(ctx context.Context) (float64, error) {
		out := newLineCounter("")
		d, err := command{path: b.cli, args: append(base, window), stdout: out}.run(ctx)
		if err != nil {
			return 0, err
		}
		if out.lines != streamRows {
			return 0, fmt.Errorf("vpnsql printed %d rows, want %d", out.lines, streamRows)
		}
		return float64(streamRows) / d.Seconds(), nil
	}}
	awsPath := "aws"
	aws := contestant{"aws CLI", func(ctx context.Context) (float64, error) {
		out := newLineCounter("EVENTS\t")
		d, err := command{path: awsPath, args: []string{"logs", "filter-log-events", "--endpoint-url", f.URL, "--region", "us-east-1",
			"--log-group-name", benchLogGroup, "--end-time", fmt.Sprint(endMs), "--output", "text"},
			env: benchEnv(), stdout: out}.run(ctx)
		if err != nil {
			return 0, err
		}
		if out.matching != streamRows {
			return 0, fmt.Errorf("aws CLI printed %d EVENTS lines, want %d", out.matching, streamRows)
		}
		return float64(streamRows) / d.Seconds(), nil
	}}
	got, err := alternate(ctx, rounds, cli, aws)
	if err != nil {
		return err
	}
	vp, aw := median(got[0]), median(got[1])
	b.add(result{"10", fmt.Sprintf("rows/s streaming %s connection-log events of one group: `vpnsql --output csv` vs `aws logs filter-log-events --output text`", thousands(streamRows)),
		fmt.Sprintf("%.0f rows/s", vp), fmt.Sprintf("%.0f rows/s aws CLI", aw), fmtRatio(aw / vp), "", reportOnly})

	f.resetCounts()
	kb, wall, how, err := peakRSS(ctx, command{path: b.cli, args: append(base, "SELECT * FROM client_vpn_connection_log")})
	if err != nil {
		return err
	}
	if calls := f.calls("FilterLogEvents"); calls < rssRows/10000 {
		return fmt.Errorf("only %d FilterLogEvents calls for %d rows", calls, rssRows)
	}
	mb := float64(kb) / 1024
	b.add(result{"10", fmt.Sprintf("peak RSS of the CLI streaming %s connection-log rows as CSV to /dev/null", thousands(rssRows)),
		fmt.Sprintf("%.1f MB", mb), fmt.Sprintf("%s, %.0f rows/s", fmtMS(ms(wall)), float64(rssRows)/wall.Seconds()), "", "≤ 64 MB", verdict(mb <= 64)})
	b.explain("10", "The connection log.", fmt.Sprintf(
		"The fake (in the harness, no latency) serves one endpoint whose log group holds %s events spread over a week "+
			"(pages of at most 10,000 events or 1 MB, as CloudWatch). Rows per second: `vpnsql --output csv` of "+
			"`SELECT * FROM client_vpn_connection_log WHERE eventTime <= …` (the first %s events) against `aws logs "+
			"filter-log-events --log-group-name … --end-time … --output text` (the aws CLI follows nextToken itself), %d "+
			"round(s) alternating, both counted on a pipe every round; the ratio is the aws CLI's rate over vpnsql's "+
			"(below 1: vpnsql is faster). Memory: the CLI reads the whole group as CSV to /dev/null, peak RSS %s.",
		thousands(rssRows), thousands(streamRows), rounds, how))
	return nil
}
