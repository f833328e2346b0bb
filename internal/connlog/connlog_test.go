package connlog_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnsql/vpnsql/internal/connlog"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

func TestParse(t *testing.T) {
	rec := connlog.Parse(`{"connection-log-type":"connection-reset","connection-id":"cvpn-connection-0123",
		"client-ip":"NA","port":"443","ingress-bytes":"99999999999999999999","egress-bytes":"12",
		"connection-duration-seconds":61,"username":null,"new-key":"x",
		"authorization-policy-evaluation":{"result": "deny", "reason":"NA"},
		"posture-compliance-statuses":["compliant"]}`)
	if !rec.Valid {
		t.Fatal("valid record read as invalid")
	}
	get := func(key string) connlog.Value {
		for i, f := range connlog.Fields {
			if f.Key == key {
				return rec.Values[i]
			}
		}
		t.Fatalf("no field %s", key)
		return connlog.Value{}
	}
	for key, want := range map[string]connlog.Value{
		"connection-log-type":             {Present: true, Text: "connection-reset"},
		"connection-id":                   {Present: true, Text: "cvpn-connection-0123"},
		"client-ip":                       {},
		"port":                            {Present: true, IsInt: true, Int: 443},
		"ingress-bytes":                   {Present: true, Text: "99999999999999999999"}, // beyond int64: kept as text
		"egress-bytes":                    {Present: true, IsInt: true, Int: 12},
		"connection-duration-seconds":     {Present: true, IsInt: true, Int: 61},
		"username":                        {},
		"authorization-policy-evaluation": {Present: true, Text: `{"result":"deny","reason":"NA"}`},
		"posture-compliance-statuses":     {Present: true, Text: `["compliant"]`},
		"common-name":                     {},
	} {
		if got := get(key); got != want {
			t.Errorf("%s: got %+v, want %+v", key, got, want)
		}
	}
	for _, bad := range []string{``, `not json`, `{"connection-id":"cvpn-conn`, `[1,2]`, `null`, `"NA"`, `{"a":1} trailing`} {
		if rec := connlog.Parse(bad); rec.Valid || rec.Values != ([len(connlog.Fields)]connlog.Value{}) {
			t.Errorf("Parse(%q) = %+v, want invalid and empty", bad, rec)
		}
	}
}

func TestFilterPattern(t *testing.T) {
	if got := connlog.FilterPattern([]string{"alice"}); got != `"alice"` {
		t.Errorf("one term: %s", got)
	}
	if got := connlog.FilterPattern([]string{"alice", "bob.smith"}); got != `?"alice" ?"bob.smith"` {
		t.Errorf("two terms: %s", got)
	}
	for s, want := range map[string]bool{"alice.smith@example.com": true, "cvpn-connection-0abc": true,
		"": false, `a"b`: false, `a\b`: false, "a/b": false, "é": false, "a\nb": false} {
		if connlog.PlainTerm(s) != want {
			t.Errorf("PlainTerm(%q) != %v", s, want)
		}
	}
}

// fakeReader serves a fake with one group of n events in pages of 10.
func fakeReader(t *testing.T, n int, opts connlog.Options) (*ec2fake.Server, *connlog.Reader) {
	t.Helper()
	srv := ec2fake.New(&ec2fake.Dataset{Regions: []string{"us-east-1"}})
	run, err := ec2fake.Start(srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	for i := range n {
		srv.PutLogEvents("us-east-1", "/g", fmt.Sprintf("s%d", i%3), ec2fake.LogEvent{Timestamp: int64(1000 + i), Message: fmt.Sprintf(`{"n":"%d"}`, i)})
	}
	srv.SetLogsPageSize(10)
	opts.ConfigFor = func(ctx context.Context, _, region string) (aws.Config, error) {
		return aws.Config{
			Region:       region,
			BaseEndpoint: aws.String(run.URL),
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
			Retryer: func() aws.Retryer {
				return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond })
			},
		}, nil
	}
	opts.MaxBackoff = time.Millisecond
	return srv, connlog.New(opts)
}

func readAll(t *testing.T, r *connlog.Reader, scan connlog.Scan) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st := r.ScanConnectionLog(ctx, scan)
	defer st.Close()
	n := 0
	for {
		p, ok, err := st.Next(ctx)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		if p.Err != nil {
			return n, p.Err
		}
		n += len(p.Events)
	}
}

func TestRepeatedTokenIsAnError(t *testing.T) {
	srv, r := fakeReader(t, 100, connlog.Options{})
	srv.SetLogsRepeatToken(true)
	n, err := readAll(t, r, connlog.Scan{Groups: []connlog.Group{{Region: "us-east-1", Name: "/g"}}})
	if err == nil || !strings.Contains(err.Error(), "/g") || !strings.Contains(err.Error(), "repeated a nextToken") {
		t.Fatalf("got %d rows, error %v", n, err)
	}
	if n > 20 {
		t.Errorf("%d rows before the repeated token was noticed", n)
	}
}

func TestThrottlingRetriedWithoutLoss(t *testing.T) {
	srv, r := fakeReader(t, 300, connlog.Options{})
	srv.SetLogsThrottleEvery(2)
	n, err := readAll(t, r, connlog.Scan{Groups: []connlog.Group{{Region: "us-east-1", Name: "/g"}}})
	if err != nil || n != 300 {
		t.Fatalf("%d rows, %v", n, err)
	}
	throttled := 0
	for _, q := range srv.Requests() {
		if q.ErrorCode == "ThrottlingException" {
			throttled++
		}
	}
	if throttled < 15 {
		t.Errorf("only %d throttled answers", throttled)
	}
}

// TestThrottlingBurstOutlastsTheSDK: a burst longer than the SDK's five
// attempts is waited out, and the same page asked for again.
func TestThrottlingBurstOutlastsTheSDK(t *testing.T) {
	srv, r := fakeReader(t, 50, connlog.Options{})
	srv.ThrottleLogsNext(12)
	n, err := readAll(t, r, connlog.Scan{Groups: []connlog.Group{{Region: "us-east-1", Name: "/g"}}})
	if err != nil || n != 50 {
		t.Fatalf("%d rows, %v", n, err)
	}
	var tokens []string
	for _, q := range srv.Requests() {
		if q.ErrorCode == "" {
			tokens = append(tokens, q.Params.Get("nextToken"))
		}
	}
	if len(tokens) != 5 || tokens[0] != "" {
		t.Errorf("successful requests with tokens %q, want the 5 pages once each", tokens)
	}
}

func TestThrottledForeverGivesUp(t *testing.T) {
	srv, r := fakeReader(t, 10, connlog.Options{})
	srv.SetLogsThrottleEvery(1)
	_, err := readAll(t, r, connlog.Scan{Groups: []connlog.Group{{Region: "us-east-1", Name: "/g"}}})
	var ce *connlog.Error
	if !errors.As(err, &ce) || ce.Group != "/g" || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("error %v", err)
	}
}

type countingProgress struct {
	mu                sync.Mutex
	tasks, done, rows int
}

func (p *countingProgress) AddTasks(n int) { p.mu.Lock(); p.tasks += n; p.mu.Unlock() }
func (p *countingProgress) TaskDone()      { p.mu.Lock(); p.done++; p.mu.Unlock() }
func (p *countingProgress) AddRows(n int)  { p.mu.Lock(); p.rows += n; p.mu.Unlock() }

func TestWarningsAndProgress(t *testing.T) {
	var mu sync.Mutex
	var warned []string
	prog := &countingProgress{}
	srv, r := fakeReader(t, 25, connlog.Options{Progress: prog, Warn: func(_, region, group string, err error) {
		mu.Lock()
		warned = append(warned, region+" "+group+" "+err.Error())
		mu.Unlock()
	}})
	srv.PutLogEvents("us-east-1", "/denied", "s", ec2fake.LogEvent{Timestamp: 1, Message: "{}"})
	srv.SetLogGroupDenied("us-east-1", "/denied", true)
	n, err := readAll(t, r, connlog.Scan{Groups: []connlog.Group{
		{Region: "us-east-1", Name: "/g", Streams: []string{"s0", "s1"}},
		{Region: "us-east-1", Name: "/missing"},
		{Region: "us-east-1", Name: "/denied"},
	}})
	if err != nil || n != 17 { // s0 and s1 of 25 events spread over three streams
		t.Fatalf("%d rows, %v", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(warned, "\n")
	for _, want := range []string{"/missing", "ResourceNotFoundException", "/denied", "AccessDeniedException"} {
		if len(warned) != 2 || !strings.Contains(all, want) {
			t.Errorf("warnings %q, want %s", warned, want)
		}
	}
	if prog.tasks != 3 || prog.done != 3 || prog.rows != 17 {
		t.Errorf("progress %+v", prog)
	}
}

// TestCloseCancels: closing a scan after its first page stops it: at
// most the page being fetched meanwhile is asked for, not the 100 pages.
func TestCloseCancels(t *testing.T) {
	srv, r := fakeReader(t, 1000, connlog.Options{})
	ctx := context.Background()
	st := r.ScanConnectionLog(ctx, connlog.Scan{Groups: []connlog.Group{{Region: "us-east-1", Name: "/g"}}})
	if _, ok, err := st.Next(ctx); !ok || err != nil {
		t.Fatalf("first page: %v %v", ok, err)
	}
	st.Close()
	after := len(srv.Requests())
	if after > 3 {
		t.Errorf("%d requests for a scan closed after its first page", after)
	}
}

func TestStrictMakesAMissingGroupAnError(t *testing.T) {
	_, r := fakeReader(t, 5, connlog.Options{Strict: func() bool { return true }})
	_, err := readAll(t, r, connlog.Scan{Groups: []connlog.Group{{Region: "us-east-1", Name: "/missing"}}})
	if err == nil || !strings.Contains(err.Error(), "/missing") || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("strict scan of a missing group: %v", err)
	}
}
