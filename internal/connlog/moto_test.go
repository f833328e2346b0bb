package connlog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/vpnsql/vpnsql/internal/connlog"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

func staticConfig(url string) connlog.ConfigFor {
	return func(ctx context.Context, _, region string) (aws.Config, error) {
		return aws.Config{Region: region, BaseEndpoint: aws.String(url),
			Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}, nil
	}
}

// TestAgainstMoto: the reader returns the same events from moto's
// CloudWatch Logs as from the project's fake, for the request shapes the
// table sends (whole group, a time window, named streams, a term pattern).
func TestAgainstMoto(t *testing.T) {
	url := vpntest.StartMoto(t, "the CloudWatch Logs reader")
	ctx := context.Background()
	cfg, _ := staticConfig(url)(ctx, "", "us-east-1")
	cw := cloudwatchlogs.NewFromConfig(cfg)
	const group = "/aws/clientvpn/moto"
	if _, err := cw.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	fake := ec2fake.New(&ec2fake.Dataset{Regions: []string{"us-east-1"}})
	run, err := ec2fake.Start(fake)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	base := time.Now().Add(-time.Hour).Truncate(time.Second).UnixMilli() // PutLogEvents refuses events older than 14 days, in AWS and in moto
	for s, stream := range []string{"a", "b"} {
		if _, err := cw.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
			t.Fatal(err)
		}
		var in []types.InputLogEvent
		var evs []ec2fake.LogEvent
		for i := range 30 {
			msg := logMessage(fmt.Sprintf("cvpn-connection-0%016x", s*100+i), []string{"alice", "bob", "carol"}[i%3])
			ts := base + int64(i*1000+s*10)
			in = append(in, types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(msg)})
			evs = append(evs, ec2fake.LogEvent{Timestamp: ts, Message: msg})
		}
		if _, err := cw.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: in}); err != nil {
			t.Fatal(err)
		}
		fake.PutLogEvents("us-east-1", group, stream, evs...)
	}
	moto := connlog.New(connlog.Options{ConfigFor: staticConfig(url)})
	ours := connlog.New(connlog.Options{ConfigFor: staticConfig(run.URL)})
	// superset: moto 5 ignores "?" alternatives and returns every event.
	// That is safe for the table (SQLite re-checks every row) and is why
	// the table never omits a pushed-down constraint.
	for _, tc := range []struct {
		name     string
		scan     connlog.Scan
		want     int
		superset bool
	}{
		{"whole group", connlog.Scan{}, 60, false},
		{"window", connlog.Scan{StartMs: aws.Int64(base + 5000), EndMs: aws.Int64(base + 9000)}, 9, false},
		{"stream", connlog.Scan{Groups: []connlog.Group{{Streams: []string{"b"}}}}, 30, false},
		{"one term", connlog.Scan{Terms: []string{"alice"}}, 20, false},
		{"terms", connlog.Scan{Terms: []string{"alice", "cvpn-connection-00000000000000065"}}, 21, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := connlog.Group{Region: "us-east-1", Name: group}
			if len(tc.scan.Groups) > 0 {
				g.Streams = tc.scan.Groups[0].Streams
			}
			tc.scan.Groups = []connlog.Group{g}
			fromMoto, err := collect(ctx, moto, tc.scan)
			if err != nil {
				t.Fatalf("moto: %v", err)
			}
			fromFake, err := collect(ctx, ours, tc.scan)
			if err != nil {
				t.Fatalf("fake: %v", err)
			}
			same := slices.Equal(fromMoto, fromFake)
			if tc.superset {
				same = true
				for _, e := range fromFake {
					same = same && slices.Contains(fromMoto, e)
				}
			}
			if len(fromFake) != tc.want || !same {
				t.Errorf("moto %d events, fake %d (want %d):\nmoto %q\nfake %q", len(fromMoto), len(fromFake), tc.want, fromMoto, fromFake)
			}
		})
	}
}

func logMessage(conn, user string) string {
	return fmt.Sprintf(`{"connection-log-type":"connection-attempt","connection-id":%q,"username":%q,"port":"NA"}`, conn, user)
}

// collect returns the scan's events as "stream ts message", sorted (the
// order across streams with equal timestamps is the server's business).
func collect(ctx context.Context, r *connlog.Reader, scan connlog.Scan) ([]string, error) {
	st := r.ScanConnectionLog(ctx, scan)
	defer st.Close()
	var out []string
	for {
		p, ok, err := st.Next(ctx)
		if err != nil || !ok {
			slices.Sort(out)
			return out, err
		}
		if p.Err != nil {
			return out, p.Err
		}
		for _, e := range p.Events {
			out = append(out, fmt.Sprintf("%s %d %s", e.Stream, e.Timestamp, e.Message))
		}
	}
}
