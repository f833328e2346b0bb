package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// These tests drive the Service (the real SDK, over HTTP on 127.0.0.1)
// against the fake with server-side faults (ec2fake/faults.go) and assert
// on rows, errors, warnings and the fake's request log.

// rowsPerEndpoint makes 4 pages of 1000 per endpoint.
const rowsPerEndpoint = 3500

func faultEnv(t *testing.T, endpoints int, cfg Config) (*Service, *ec2fake.Server, *ec2fake.Dataset) {
	t.Helper()
	ds := ec2fake.ScaledDataset(1, endpoints, rowsPerEndpoint)
	run := startFake(t, ds)
	cfg.EndpointURL, cfg.Credentials = run.URL, DummyCredentials()
	cfg.Regions = ds.Regions
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = -1
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 3
	}
	cfg.MaxBackoff = time.Millisecond
	return New(cfg), run.Server, ds
}

// scanResult is what a scan of client_vpn_connections gave.
type scanResult struct {
	rows []types.ClientVpnConnection
	err  error
}

// scan runs a scan to its end, or fails the test once the fake has logged
// more than maxRequests requests (a scan that would never end).
func scan(t *testing.T, s *Service, fake *ec2fake.Server, sc ConnectionScan, maxRequests int) scanResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan scanResult, 1)
	go func() {
		var r scanResult
		st, err := s.ScanConnections(ctx, sc)
		if err != nil {
			done <- scanResult{err: err}
			return
		}
		defer st.Close()
		for {
			p, ok, err := st.Next(ctx)
			if err != nil || !ok {
				r.err = err
				break
			}
			if p.Err != nil {
				r.err = p.Err
				if p.EndpointID != "" { // as the tables show it
					r.err = fmt.Errorf("%s: %w", p.EndpointID, p.Err)
				}
				break
			}
			r.rows = append(r.rows, p.Items...)
		}
		done <- r
	}()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case r := <-done:
			return r
		case <-deadline:
			t.Fatal("the scan did not end within 2 minutes")
		case <-time.After(10 * time.Millisecond):
			if n := len(fake.Requests()); n > maxRequests {
				cancel()
				<-done
				t.Fatalf("%d requests and the scan goes on: a pagination loop without end", n)
			}
		}
	}
}

// requestsFor counts the logged requests of action for endpoint.
func requestsFor(fake *ec2fake.Server, action, endpoint string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Action == action && (endpoint == "" || r.Params.Get("ClientVpnEndpointId") == endpoint) {
			n++
		}
	}
	return n
}

func distinct(rows []types.ClientVpnConnection) int {
	ids := map[string]bool{}
	for _, r := range rows {
		ids[*r.ConnectionId] = true
	}
	return len(ids)
}

func wantErrorText(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q lacks %q", err, p)
		}
	}
	if len(err.Error()) > 1000 || strings.ContainsAny(err.Error(), "\r\n") {
		t.Fatalf("error is not one short line: %q", err)
	}
}

// TestRepeatedNextToken: a nextToken sent again, by the page just before
// or by an older one, ends the listing with an error naming the endpoint
// and region, after one request per page (before: requests without end).
func TestRepeatedNextToken(t *testing.T) {
	for _, tc := range []struct {
		name       string
		page, back int
	}{
		{"immediately", 2, 2}, // what StopOnDuplicateToken would catch, silently
		{"cycle", 3, 2},       // page 3 sends the client back to page 2
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, fake, ds := faultEnv(t, 2, Config{})
			bad, good := ds.Endpoints[0], ds.Endpoints[1]
			fake.AddFault(ec2fake.Fault{Kind: ec2fake.RepeatToken, Action: opConnections, EndpointID: bad.ID, Page: tc.page, BackTo: tc.back})

			// Named: the query fails.
			r := scan(t, s, fake, ConnectionScan{EndpointIDs: []string{bad.ID}}, 100)
			wantErrorText(t, r.err, opConnections, bad.Region, bad.ID, "repeats", "rather than loop")
			if n := requestsFor(fake, opConnections, bad.ID); n != tc.page {
				t.Fatalf("%d requests, want %d (one per page up to the repeat)", n, tc.page)
			}
			t.Logf("named: %d requests, error: %v", tc.page, r.err)

			// Discovered: a warning, the other endpoint's rows come back.
			fake.ResetLog()
			r = scan(t, s, fake, ConnectionScan{}, 100)
			if r.err != nil {
				t.Fatal(r.err)
			}
			if got := distinct(r.rows); got < rowsPerEndpoint || len(r.rows) != got {
				t.Fatalf("%d rows (%d distinct)", len(r.rows), got)
			}
			if n := requestsFor(fake, opConnections, good.ID); n != 4 {
				t.Fatalf("%d requests for the good endpoint, want 4", n)
			}
			ws := s.Warnings(0)
			if len(ws) != 1 || ws[0].EndpointID != bad.ID || !ws[0].RowsMissing || !strings.Contains(ws[0].Message, "repeats") {
				t.Fatalf("warnings %+v", ws)
			}
		})
	}
}

// TestBad200Answers: an error document, a truncated body or garbage sent
// with status 200 is retried like a 5xx; if it persists, the call fails
// with an error saying what came. Before, each read as an empty last page:
// a short result without a word.
func TestBad200Answers(t *testing.T) {
	for _, kind := range []struct {
		name string
		kind ec2fake.FaultKind
		says string
	}{
		{"error document", ec2fake.ErrorDocument200, "an error document: InternalError"},
		{"truncated", ec2fake.Truncated200, "ends early"},
		{"garbage", ec2fake.Garbage200, "the root element is <html>"},
	} {
		t.Run(kind.name, func(t *testing.T) {
			s, fake, ds := faultEnv(t, 1, Config{MaxAttempts: 3})
			e := ds.Endpoints[0]
			named := ConnectionScan{EndpointIDs: []string{e.ID}}

			// Once: retried, every row comes back.
			fake.AddFault(ec2fake.Fault{Kind: kind.kind, Action: opConnections, Page: 2, Times: 1})
			r := scan(t, s, fake, named, 100)
			if r.err != nil || len(r.rows) != rowsPerEndpoint {
				t.Fatalf("%d rows, error %v", len(r.rows), r.err)
			}
			if n := requestsFor(fake, opConnections, e.ID); n != 5 {
				t.Fatalf("%d requests, want 5 (4 pages, page 2 twice)", n)
			}

			// For good: the call fails after MaxAttempts.
			fake.ClearFaults()
			fake.ResetLog()
			fake.AddFault(ec2fake.Fault{Kind: kind.kind, Action: opConnections, Page: 2})
			r = scan(t, s, fake, named, 100)
			wantErrorText(t, r.err, opConnections, "not a complete DescribeClientVpnConnectionsResponse document", kind.says)
			if n := requestsFor(fake, opConnections, e.ID); n != 1+3 {
				t.Fatalf("%d requests, want 4 (page 1, page 2 three times)", n)
			}

			// The other operations vpnsql calls check their answers too.
			fake.ClearFaults()
			fake.AddFault(ec2fake.Fault{Kind: kind.kind, Action: "DescribeClientVpnEndpoints"})
			fake.AddFault(ec2fake.Fault{Kind: kind.kind, Action: "DescribeRegions"})
			fake.AddFault(ec2fake.Fault{Kind: kind.kind, Action: "TerminateClientVpnConnections"})
			r = scan(t, s, fake, ConnectionScan{}, 100)
			wantErrorText(t, r.err, "nothing could be read", "DescribeClientVpnEndpointsResponse document")
			_, err := s.enabledRegions(context.Background(), []string{""})
			wantErrorText(t, err, "DescribeRegionsResponse document")
			_, err = s.Terminate(context.Background(), TerminateRequest{Region: e.Region, EndpointID: e.ID, ConnectionID: e.Connections[0].ConnectionID})
			wantErrorText(t, err, "TerminateClientVpnConnectionsResponse document")
			// A terminate whose answer is unreadable may have been carried
			// out: it is never sent again.
			if n := requestsFor(fake, "TerminateClientVpnConnections", e.ID); n != 1 {
				t.Fatalf("%d terminate requests, want 1", n)
			}
		})
	}
}

// TestDuplicateRowsDropped: a row the API lists on two pages is returned
// once, with a warning (before: 3,501 rows for 3,500 connections).
func TestDuplicateRowsDropped(t *testing.T) {
	s, fake, ds := faultEnv(t, 1, Config{})
	e := ds.Endpoints[0]
	fake.AddFault(ec2fake.Fault{Kind: ec2fake.RepeatRows, Action: opConnections, Page: 2})
	r := scan(t, s, fake, ConnectionScan{EndpointIDs: []string{e.ID}}, 100)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.rows) != rowsPerEndpoint || distinct(r.rows) != rowsPerEndpoint {
		t.Fatalf("%d rows, %d distinct; want %d", len(r.rows), distinct(r.rows), rowsPerEndpoint)
	}
	ws := s.Warnings(0)
	if len(ws) != 1 || ws[0].EndpointID != e.ID || ws[0].RowsMissing || !strings.Contains(ws[0].Message, "listed 1 connection(s) again") {
		t.Fatalf("warnings %+v", ws)
	}
	t.Log(ws[0])
}

// TestDuplicateEndpointsDropped: an endpoint listed twice in a region is
// read once.
func TestDuplicateEndpointsDropped(t *testing.T) {
	ds := ec2fake.ScaledDataset(1, 1010, 1)
	run := startFake(t, ds)
	s := New(Config{EndpointURL: run.URL, Credentials: DummyCredentials(), Settings: Settings{Regions: ds.Regions, CacheTTL: -1}})
	run.Server.AddFault(ec2fake.Fault{Kind: ec2fake.RepeatRows, Action: opEndpoints, Page: 2})
	r := scan(t, s, run.Server, ConnectionScan{}, 5000)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.rows) != 1010 || distinct(r.rows) != 1010 {
		t.Fatalf("%d rows, %d distinct", len(r.rows), distinct(r.rows))
	}
	if n := requestsFor(run.Server, opConnections, ""); n != 1010 {
		t.Fatalf("%d connection reads for 1010 endpoints", n)
	}
	if ws := s.Warnings(0); len(ws) != 1 || !strings.Contains(ws[0].Message, "listed 1 endpoint(s) again") {
		t.Fatalf("warnings %+v", ws)
	}
}

// TestNothingReadFails: when every endpoint read fails the query fails
// (before: zero rows and warnings, exit 0); when some succeed, the others
// are warnings.
func TestNothingReadFails(t *testing.T) {
	s, fake, ds := faultEnv(t, 3, Config{MaxAttempts: 1})
	fake.AddFault(ec2fake.Fault{Kind: ec2fake.ErrorAnswer, Action: opConnections})
	r := scan(t, s, fake, ConnectionScan{}, 100)
	wantErrorText(t, r.err, "nothing could be read", "3 calls failed", ds.Endpoints[0].ID, "InternalError")
	if len(r.rows) != 0 || len(s.Warnings(0)) != 3 {
		t.Fatalf("%d rows, warnings %v", len(r.rows), s.Warnings(0))
	}

	fake.ClearFaults()
	s.ClearWarnings()
	fake.AddFault(ec2fake.Fault{Kind: ec2fake.ErrorAnswer, Action: opConnections, EndpointID: ds.Endpoints[1].ID})
	r = scan(t, s, fake, ConnectionScan{}, 100)
	if r.err != nil || len(r.rows) != 2*rowsPerEndpoint || len(s.Warnings(0)) != 1 {
		t.Fatalf("%d rows, error %v, warnings %v", len(r.rows), r.err, s.Warnings(0))
	}

	// Strict: the same failure is the query's error, naming the endpoint.
	s.UpdateSettings(func(st *Settings) { st.Strict = true })
	r = scan(t, s, fake, ConnectionScan{}, 100)
	wantErrorText(t, r.err, ds.Endpoints[1].ID, "InternalError")
}

// TestServerMessagesShortened: a 1 MB message of many lines becomes one
// line of at most 300 bytes, in errors and in warnings.
func TestServerMessagesShortened(t *testing.T) {
	s, fake, ds := faultEnv(t, 2, Config{MaxAttempts: 1})
	huge := strings.Repeat("line one\r\n\tline two\n", 50_000) // ~1 MB
	fake.AddFault(ec2fake.Fault{Kind: ec2fake.ErrorAnswer, Action: opConnections, EndpointID: ds.Endpoints[0].ID, Message: huge})
	r := scan(t, s, fake, ConnectionScan{EndpointIDs: []string{ds.Endpoints[0].ID}}, 100)
	wantErrorText(t, r.err, ds.Endpoints[0].ID, "InternalError: line one line two line one", "…")
	r = scan(t, s, fake, ConnectionScan{}, 100)
	if r.err != nil {
		t.Fatal(r.err)
	}
	ws := s.Warnings(0)
	if len(ws) != 1 || len(ws[0].Message) > maxMessage || !strings.HasSuffix(ws[0].Message, "…") || strings.ContainsAny(ws[0].String(), "\r\n\t") {
		t.Fatalf("warnings %+v", ws)
	}
}

// TestWarningsBounded: the kept warnings stay within their count and byte
// bounds, the oldest going first with a note, and clearing frees them.
func TestWarningsBounded(t *testing.T) {
	s := New(Config{})
	for i := range 2500 {
		s.warnings.add(newWarning("", "us-east-1", "", &APIError{Operation: opConnections, Code: "InternalError",
			Message: shorten(strings.Repeat("x", 1000) + string(rune('a'+i%26)))}))
	}
	ws := s.Warnings(0)
	if len(ws) > keptWarnings+1 || s.warnings.bytes > keptWarningBytes {
		t.Fatalf("%d warnings, %d bytes kept", len(ws), s.warnings.bytes)
	}
	if !strings.Contains(ws[0].Message, "older warnings were dropped") || ws[len(ws)-1].Seq != 2500 {
		t.Fatalf("first %+v, last seq %d", ws[0], ws[len(ws)-1].Seq)
	}
	t.Logf("kept %d warnings in %d bytes; %s", len(ws)-1, s.warnings.bytes, ws[0].Message)
	// Asking from a point after the dropped ones: no note.
	if got := s.Warnings(2499); len(got) != 1 || got[0].Seq != 2500 {
		t.Fatalf("Warnings(2499) = %+v", got)
	}
	s.ClearWarnings()
	if got := s.Warnings(0); len(got) != 0 || s.warnings.list != nil || s.warnings.bytes != 0 {
		t.Fatalf("after clear: %+v", got)
	}
}

// TestCacheKeepsCompleteFetch: a fetch that received its last page is
// kept, even when the consumer then cancels (database/sql's QueryRow
// closes the cursor after the first row). Before, it was kept only if the
// fetch returned before the cancel: under load, the next identical query
// sent its requests again.
func TestCacheKeepsCompleteFetch(t *testing.T) {
	s, fake, ds := faultEnv(t, 1, Config{Settings: Settings{CacheTTL: time.Minute}})
	e := ds.Endpoints[0]
	q := ConnectionQuery{Region: e.Region, EndpointID: e.ID}
	for range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		pages := 0
		err := s.Connections(ctx, q, func([]types.ClientVpnConnection) error {
			if pages++; pages == 4 {
				cancel() // the consumer goes away as the last page arrives
				return ctx.Err()
			}
			return nil
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v", err)
		}
	}
	if n := requestsFor(fake, opConnections, e.ID); n != 4 {
		t.Fatalf("%d requests, want 4 (the second query served from the cache)", n)
	}
}
