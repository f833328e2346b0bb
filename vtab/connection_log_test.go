package vtab_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/connlog"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

const filterLogEvents = "FilterLogEvents"

// logRecord is a connection-log message with the keys tests vary.
func logRecord(endpoint, conn, user, typ string, extra ...string) string {
	fields := map[string]string{
		"connection-log-type": typ, "connection-attempt-status": "successful", "connection-reset-status": "NA",
		"connection-attempt-failure-reason": "NA", "connection-id": conn, "client-vpn-endpoint-id": endpoint,
		"transport-protocol": "udp", "connection-start-time": "2026-11-20 10:00:00",
		"connection-last-update-time": "2026-11-20 10:00:00", "client-ip": "10.0.0.5", "client-ipv6": "NA",
		"common-name": "NA", "device-type": "mac", "device-ip": "198.51.100.7", "port": "51820",
		"ingress-bytes": "1024", "egress-bytes": "2048", "ingress-packets": "10", "egress-packets": "20",
		"connection-end-time": "NA", "posture-compliance-statuses": "NA", "username": user,
		"connection-duration-seconds": "NA",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		fields[extra[i]] = extra[i+1]
	}
	var parts []string
	for k, v := range fields {
		parts = append(parts, fmt.Sprintf("%q:%q", k, v))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

func logEndpoint(id, group, stream string, logging bool) *ec2fake.Endpoint {
	return &ec2fake.Endpoint{Region: "us-east-1", ID: id, StatusCode: "available", VpnProtocol: "openvpn",
		TransportProtocol: "udp", VpnPort: 443, ClientCidrBlock: "10.0.0.0/16", CreationTime: "2026-01-01T00:00:00",
		ConnectionLogEnabled: logging, CloudwatchLogGroup: group, CloudwatchLogStream: stream}
}

const (
	epA       = "cvpn-endpoint-0aaaaaaaaaaaaaaaa"
	epB       = "cvpn-endpoint-0bbbbbbbbbbbbbbbb"
	epOff     = "cvpn-endpoint-0cccccccccccccccc"
	epGone    = "cvpn-endpoint-0dddddddddddddddd"
	connA1    = "cvpn-connection-0a1a1a1a1a1a1a1a1"
	connA2    = "cvpn-connection-0a2a2a2a2a2a2a2a2"
	connB1    = "cvpn-connection-0b1b1b1b1b1b1b1b1"
	connOff   = "cvpn-connection-0c1c1c1c1c1c1c1c1"
	shared    = "/aws/clientvpn/shared"
	t0        = int64(1795000000000) // 2026-11-18 ...
	malformed = `{"connection-log-type":"connection-attempt","connection-id":"cvpn-conn`
)

// sharedGroupEnv: A and B log to one group (streams a and b), the third
// endpoint has logging off (its old group still holds events), the fourth
// logs to a group that no longer exists.
func sharedGroupEnv(t *testing.T) *vpntest.Env {
	t.Helper()
	ds := &ec2fake.Dataset{Regions: []string{"us-east-1"}, Endpoints: []*ec2fake.Endpoint{
		logEndpoint(epA, shared, "a", true),
		logEndpoint(epB, shared, "b", true),
		logEndpoint(epOff, "/aws/clientvpn/off", "", false),
		logEndpoint(epGone, "/aws/clientvpn/deleted", "", true),
	}}
	env := vpntest.Start(t, ds, clientvpn.Config{})
	env.Fake.PutLogEvents("us-east-1", shared, "a",
		ec2fake.LogEvent{Timestamp: t0, Message: logRecord(epA, connA1, "alice", "connection-attempt")},
		ec2fake.LogEvent{Timestamp: t0 + 1000, Message: logRecord(epA, connA2, "bob", "connection-attempt")},
		ec2fake.LogEvent{Timestamp: t0 + 60000, Message: logRecord(epA, connA1, "alice", "connection-reset",
			"connection-end-time", "2026-11-20 10:01:00", "connection-duration-seconds", "60")},
		ec2fake.LogEvent{Timestamp: t0 + 70000, Message: malformed},
	)
	env.Fake.PutLogEvents("us-east-1", shared, "b",
		ec2fake.LogEvent{Timestamp: t0 + 500, Message: logRecord(epB, connB1, "carol", "connection-attempt")},
	)
	// A stream no endpoint names: not read.
	env.Fake.PutLogEvents("us-east-1", shared, "other",
		ec2fake.LogEvent{Timestamp: t0 + 500, Message: logRecord(epB, connB1, "mallory", "connection-attempt")})
	env.Fake.PutLogEvents("us-east-1", "/aws/clientvpn/off", epOff,
		ec2fake.LogEvent{Timestamp: t0, Message: logRecord(epOff, connOff, "dave", "connection-attempt")})
	return env
}

func column(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, map[bool]string{true: v.String, false: "NULL"}[v.Valid])
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConnectionLogRowsPerEndpoint(t *testing.T) {
	env := sharedGroupEnv(t)
	const q = `SELECT eventTime || ' ' || logStream || ' ' || ifnull(clientVpnEndpointId, 'NULL') || ' ' || ifnull(connectionId, 'NULL') || ' ' || connectionLogType
		FROM client_vpn_connection_log WHERE %s ORDER BY eventTime, logStream`
	ts := func(ms int64) string { return connlog.FormatEventTime(ms) }
	cases := []struct {
		where   string
		streams []string
		want    []string
	}{
		{"clientVpnEndpointId = '" + epA + "'", []string{"a"}, []string{
			ts(t0) + " a " + epA + " " + connA1 + " connection-attempt",
			ts(t0+1000) + " a " + epA + " " + connA2 + " connection-attempt",
			ts(t0+60000) + " a " + epA + " " + connA1 + " connection-reset"}},
		{"clientVpnEndpointId = '" + epB + "'", []string{"b"}, []string{ts(t0+500) + " b " + epB + " " + connB1 + " connection-attempt"}},
		{"clientVpnEndpointId = '" + epOff + "'", nil, nil},
	}
	for _, c := range cases {
		env.Fake.ResetLog()
		got := column(t, env.DB, fmt.Sprintf(q, c.where))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.where, got, c.want)
		}
		if calls := env.Calls(filterLogEvents); len(calls) != len(c.streams) {
			t.Errorf("%s: %d FilterLogEvents calls", c.where, len(calls))
		}
		for _, r := range env.Calls(filterLogEvents) {
			if r.Params.Get("logGroupName") != shared || !slices.Equal(r.Params["logStreamNames"], c.streams) {
				t.Errorf("%s: request %v", c.where, r.Params)
			}
		}
	}

	// The whole table: the shared group once, every event once (the
	// malformed one with NULLs), the endpoint with logging off nothing, the
	// deleted group a warning.
	env.Fake.ResetLog()
	mark := env.Service.WarningSeq()
	got := column(t, env.DB, `SELECT ifnull(clientVpnEndpointId, 'NULL') || ' ' || logGroup || ' ' || logStream FROM client_vpn_connection_log ORDER BY eventTime`)
	want := []string{epA + " " + shared + " a", epB + " " + shared + " b", epA + " " + shared + " a", epA + " " + shared + " a", "NULL " + shared + " a"}
	if !slices.Equal(got, want) {
		t.Errorf("whole table:\n got %q\nwant %q", got, want)
	}
	var groups []string
	for _, r := range env.Calls(filterLogEvents) {
		groups = append(groups, r.Params.Get("logGroupName"))
	}
	slices.Sort(groups)
	if !slices.Equal(groups, []string{"/aws/clientvpn/deleted", shared}) {
		t.Errorf("groups read: %q, want each once", groups)
	}
	ws := env.Service.Warnings(mark)
	if len(ws) != 1 || !strings.Contains(ws[0].String(), "/aws/clientvpn/deleted") || ws[0].Code != "ResourceNotFoundException" {
		t.Errorf("warnings: %v", ws)
	}
}

func TestConnectionLogValues(t *testing.T) {
	env := sharedGroupEnv(t)
	var typ, port, dur, endTime, ipv6, msg string
	err := env.DB.QueryRow(`SELECT typeof(ingressBytes) || typeof(port) || typeof(egressPackets), port, ifnull(connectionDurationSeconds, 'NULL'),
		ifnull(connectionEndTime, 'NULL'), ifnull(clientIpv6, 'NULL'), message->>'$.username'
		FROM client_vpn_connection_log WHERE clientVpnEndpointId = ? AND connectionId = ? AND connectionLogType = 'connection-attempt'`,
		epA, connA1).Scan(&typ, &port, &dur, &endTime, &ipv6, &msg)
	if err != nil {
		t.Fatal(err)
	}
	if typ != "integerintegerinteger" || port != "51820" || dur != "NULL" || endTime != "NULL" || ipv6 != "NULL" || msg != "alice" {
		t.Errorf("got types %s port %s duration %s end %s ipv6 %s message user %s", typ, port, dur, endTime, ipv6, msg)
	}
	var n int
	var raw string
	err = env.DB.QueryRow(`SELECT count(*), message FROM client_vpn_connection_log
		WHERE connectionLogType IS NULL AND connectionId IS NULL AND eventTime IS NOT NULL`).Scan(&n, &raw)
	if err != nil || n != 1 || raw != malformed {
		t.Errorf("malformed record: %d rows, message %q, err %v", n, raw, err)
	}
}

func TestConnectionLogTimeWindow(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	env.Fake.LoadSampleLogs(testNow)
	env.Fake.SetLogsPageSize(50)
	from, to := "2026-11-22 09:00:00", "2026-11-23 17:30:00"
	lo, _ := time.Parse(time.DateTime, from)
	hi, _ := time.Parse(time.DateTime, to)

	var want []string
	for _, e := range ds.Endpoints {
		if !e.ConnectionLogEnabled {
			continue
		}
		streams, events := env.Fake.LogEvents(e.Region, e.CloudwatchLogGroup)
		for i, ev := range events {
			if streams[i] == e.CloudwatchLogStream && ev.Timestamp >= lo.UnixMilli() && ev.Timestamp <= hi.UnixMilli() {
				want = append(want, connlog.FormatEventTime(ev.Timestamp)+" "+ev.Message)
			}
		}
	}
	slices.Sort(want)
	if len(want) < 100 {
		t.Fatalf("sample logs too small for this test: %d events in the window", len(want))
	}
	env.Fake.ResetLog()
	got := column(t, env.DB, `SELECT eventTime || ' ' || message FROM client_vpn_connection_log
		WHERE eventTime BETWEEN ? AND ? ORDER BY 1`, from, to+".000")
	if !slices.Equal(got, want) {
		t.Errorf("window: got %d rows, want %d", len(got), len(want))
	}
	calls := env.Calls(filterLogEvents)
	if len(calls) < 3 {
		t.Fatalf("only %d FilterLogEvents calls", len(calls))
	}
	for _, r := range calls {
		if r.Params.Get("startTime") != fmt.Sprint(lo.UnixMilli()) || r.Params.Get("endTime") != fmt.Sprint(hi.UnixMilli()) {
			t.Errorf("call without the window: %v", r.Params)
		}
	}

	// > and < exclude the bounds exactly as SQLite compares the text.
	n := len(column(t, env.DB, `SELECT 1 FROM client_vpn_connection_log WHERE eventTime > ? AND eventTime < ?`, want[0][:23], want[len(want)-1][:23]))
	if n != len(want)-2 {
		t.Errorf("> and <: %d rows, want %d", n, len(want)-2)
	}

	// connectionStartTime narrows startTime (less a margin for clock skew);
	// a value that is not a time is left to SQLite.
	env.Fake.ResetLog()
	column(t, env.DB, `SELECT 1 FROM client_vpn_connection_log WHERE connectionStartTime >= '2026-11-25 10:00'`)
	margin := lo.Add(3*24*time.Hour + 60*time.Minute - 5*time.Minute).UnixMilli() // 2026-11-25 09:55
	for _, r := range env.Calls(filterLogEvents) {
		if r.Params.Get("startTime") != fmt.Sprint(margin) || r.Params.Get("endTime") != "" {
			t.Errorf("connectionStartTime >=: request %v, want startTime %d", r.Params, margin)
		}
	}
	if _, err := env.DB.Exec(`SELECT * FROM client_vpn_connection_log WHERE connectionStartTime > 'x'`); err != nil {
		t.Errorf("connectionStartTime > 'x': %v", err)
	}

	// A window that ends before it starts sends nothing.
	env.Fake.ResetLog()
	if got := column(t, env.DB, `SELECT 1 FROM client_vpn_connection_log WHERE eventTime >= '2026-11-23' AND eventTime < '2026-11-22'`); len(got) != 0 {
		t.Errorf("empty window gave %d rows", len(got))
	}
	if c := env.Calls(filterLogEvents); len(c) != 0 {
		t.Errorf("empty window sent %d requests", len(c))
	}

	// A bound that is not a time is an error naming the column.
	_, err := env.DB.Exec(`SELECT * FROM client_vpn_connection_log WHERE eventTime > 1700000000`)
	if err == nil || !strings.Contains(err.Error(), "eventTime") || !strings.Contains(err.Error(), "not a time") {
		t.Errorf("numeric bound: %v", err)
	}
}

func TestConnectionLogFilterPattern(t *testing.T) {
	env := sharedGroupEnv(t)
	got := column(t, env.DB, `SELECT connectionId FROM client_vpn_connection_log WHERE username IN ('alice', 'carol') ORDER BY eventTime`)
	if want := []string{connA1, connB1, connA1}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, r := range env.Calls(filterLogEvents) {
		if r.Params.Get("logGroupName") == shared && r.Params.Get("filterPattern") != `?"alice" ?"carol"` {
			t.Errorf("filter pattern %q", r.Params.Get("filterPattern"))
		}
	}
}

func TestConnectionLogThrottlingLosesNoRow(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	env.Fake.LoadSampleLogs(testNow)
	env.Fake.SetLogsPageSize(20)
	var want int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connection_log`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	env.Fake.SetLogsThrottleEvery(2)
	var got int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connection_log`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, r := range env.Calls(filterLogEvents) {
		if r.ErrorCode == "ThrottlingException" {
			throttled++
		}
	}
	if got != want || throttled < 10 {
		t.Errorf("throttled: %d rows, want %d (%d throttled answers)", got, want, throttled)
	}
}

func TestConnectionLogLimitStopsRequests(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	env.Fake.LoadSampleLogs(testNow)
	env.Fake.SetLogsPageSize(10)
	big := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)
	_, events := env.Fake.LogEvents(big.Region, big.CloudwatchLogGroup)
	env.Fake.ResetLog()
	if got := column(t, env.DB, `SELECT connectionId FROM client_vpn_connection_log WHERE clientVpnEndpointId = ? LIMIT 5`, big.ID); len(got) != 5 {
		t.Fatalf("%d rows", len(got))
	}
	// Pages are 10 events; a handful of requests at most, not the whole log.
	if n, pages := len(env.Calls(filterLogEvents)), len(events)/10; n > 4 || pages < 50 {
		t.Errorf("LIMIT 5 sent %d FilterLogEvents requests (the log has %d pages)", n, pages)
	}
}

func TestConnectionLogAccessDenied(t *testing.T) {
	env := sharedGroupEnv(t)
	env.Fake.SetLogGroupDenied("us-east-1", shared, true)
	mark := env.Service.WarningSeq()
	if got := column(t, env.DB, `SELECT 1 FROM client_vpn_connection_log WHERE clientVpnEndpointId = ?`, epA); len(got) != 0 {
		t.Errorf("%d rows from a denied group", len(got))
	}
	ws := env.Service.Warnings(mark)
	if len(ws) != 1 || ws[0].Code != "AccessDeniedException" || !strings.Contains(ws[0].String(), shared) {
		t.Errorf("warnings: %v", ws)
	}
}

// TestConnectionLogJoinPlans: in joins with the endpoints, the live
// connections and a user's own table, SQLite pushes the endpoint and the
// time window into the log scan, and the joins return the log's rows.
func TestConnectionLogJoinPlans(t *testing.T) {
	ds := sample()
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: regionsOf(ds)})
	env.Fake.LoadSampleLogs(testNow)
	big := endpointByDescription(t, ds, ec2fake.SampleBigEndpoint)
	small := endpointByDescription(t, ds, "Sydney office") // one log read per connection: keep it short
	if _, err := env.DB.Exec(`CREATE TEMP TABLE roster(username TEXT PRIMARY KEY, department TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i, c := range big.Connections[:20] {
		if _, err := env.DB.Exec(`INSERT OR IGNORE INTO roster VALUES (?, ?)`, c.Username, fmt.Sprint("dept", i%3)); err != nil {
			t.Fatal(err)
		}
	}
	const from, to = "2026-11-19", "2026-11-26 12:00"
	for _, tc := range []struct {
		name, query string
		args        []any
		logIndex    string // the log scan's IdxStr
	}{
		{"endpoints", `SELECT e.description, l.username FROM client_vpn_endpoints e
			JOIN client_vpn_connection_log l ON l.clientVpnEndpointId = e.clientVpnEndpointId AND l.region = e.region
			WHERE l.eventTime >= ? AND l.eventTime <= ?`, []any{from, to}, "clientVpnEndpointId,region;eventTime>=,eventTime<="},
		{"connections", `SELECT c.connectionId, l.eventTime FROM client_vpn_connections c
			JOIN client_vpn_connection_log l ON l.clientVpnEndpointId = c.clientVpnEndpointId AND l.connectionId = c.connectionId
			WHERE c.clientVpnEndpointId = ? AND c.region = ? AND l.eventTime >= ?`, []any{small.ID, small.Region, from}, "clientVpnEndpointId,connectionId;eventTime>="},
		{"roster", `SELECT r.department, l.username, l.eventTime FROM roster r
			JOIN client_vpn_connection_log l ON l.username = r.username
			WHERE l.clientVpnEndpointId = ? AND l.eventTime BETWEEN ? AND ?`, []any{big.ID, from, to}, "clientVpnEndpointId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, env.DB, tc.query, tc.args...)
			var logLine string
			for _, line := range strings.Split(plan, "\n") {
				if strings.HasPrefix(line, "SCAN l ") {
					logLine = line
				}
			}
			if !strings.Contains(logLine, "INDEX 0:"+tc.logIndex) || !strings.Contains(logLine, "eventTime>=") {
				t.Errorf("plan:\n%s\nwant the log scanned with %s and the window", plan, tc.logIndex)
			}
			if rows := column(t, env.DB, `SELECT count(*) FROM (`+tc.query+`)`, tc.args...); rows[0] == "0" {
				t.Errorf("the join returned no rows")
			}
		})
	}
}

func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}
