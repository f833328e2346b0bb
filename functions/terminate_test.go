package functions_test

// The terminate functions, driven through database/sql and the real SDK
// against the fake EC2 endpoint.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

const (
	terminateAction = "TerminateClientVpnConnections"
	describeAction  = "DescribeClientVpnConnections"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// allowed starts the fake with the sample data, the cache on (so that the
// SELECT after a terminate proves the invalidation) and terminating on.
func allowed(t *testing.T) (*vpntest.Env, *ec2fake.Endpoint) {
	t.Helper()
	ds := ec2fake.SampleDataset(testNow)
	env := vpntest.StartWith(t, ds, clientvpn.Config{Settings: clientvpn.Settings{CacheTTL: time.Hour}},
		functions.TerminatePolicy{Allow: true})
	return env, contractors(t, ds)
}

func contractors(t *testing.T, ds *ec2fake.Dataset) *ec2fake.Endpoint {
	t.Helper()
	for _, e := range ds.Endpoints {
		if e.Description == ec2fake.SampleContractorEndpoint {
			return e
		}
	}
	t.Fatal("no contractors endpoint in the sample")
	return nil
}

// firstActive is the endpoint's first active connection with a username.
func firstActive(t *testing.T, e *ec2fake.Endpoint) *ec2fake.Connection {
	t.Helper()
	for _, c := range e.Connections {
		if c.StatusCode == "active" && c.Username != "" {
			return c
		}
	}
	t.Fatal("no active connection")
	return nil
}

func queryString(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(query, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s.String
}

func queryErr(t *testing.T, db *sql.DB, query string, args ...any) error {
	t.Helper()
	var s sql.NullString
	err := db.QueryRow(query, args...).Scan(&s)
	if err == nil {
		t.Fatalf("%s succeeded (%q), want an error", query, s.String)
	}
	return err
}

// statusCode is the status code the table shows for one connection.
func statusCode(t *testing.T, db *sql.DB, e *ec2fake.Endpoint, connID string) string {
	t.Helper()
	return queryString(t, db, `SELECT status->>'code' FROM client_vpn_connections
		WHERE clientVpnEndpointId = ? AND region = ? AND connectionId = ?`, e.ID, e.Region, connID)
}

// wantParams compares a logged request's parameters exactly.
func wantParams(t *testing.T, got ec2fake.Request, want url.Values) {
	t.Helper()
	if got.Region != "us-east-1" || !reflect.DeepEqual(got.Params, want) {
		t.Fatalf("request in %s with %v, want us-east-1 with %v", got.Region, got.Params, want)
	}
}

// auditRecords reads the audit log, checking each line is one JSON object.
func auditRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// outcomes checks that every outcome of a sent call follows its intent
// record ("sending", same call id, written before the request), and
// returns the records without the intents.
func outcomes(t *testing.T, recs []map[string]any) []map[string]any {
	t.Helper()
	intents := map[any]map[string]any{}
	var out []map[string]any
	for _, r := range recs {
		if r["outcome"] == "sending" {
			if r["call"] == nil || intents[r["call"]] != nil {
				t.Fatalf("intent without a fresh call id: %v", r)
			}
			intents[r["call"]] = r
			continue
		}
		switch r["outcome"] {
		case "refused", "invalid":
			if _, ok := r["call"]; ok {
				t.Fatalf("a call refused before sending has a call id: %v", r)
			}
		default:
			intent := intents[r["call"]]
			if intent == nil {
				t.Fatalf("outcome without an intent before it: %v", r)
			}
			for _, k := range []string{"function", "clientVpnEndpointId", "region", "connectionId", "username", "dryRun"} {
				if !reflect.DeepEqual(intent[k], r[k]) {
					t.Fatalf("intent %v and outcome %v differ in %s", intent, r, k)
				}
			}
			delete(intents, r["call"])
		}
		out = append(out, r)
	}
	if len(intents) != 0 {
		t.Fatalf("intents without an outcome: %v", intents)
	}
	return out
}

// checkRecord compares the listed fields of an audit record and checks the
// fields every record has.
func checkRecord(t *testing.T, rec map[string]any, want map[string]any) {
	t.Helper()
	for _, k := range []string{"time", "door", "user", "host", "pid", "function", "clientVpnEndpointId", "region", "dryRun", "outcome"} {
		if _, ok := rec[k]; !ok {
			t.Fatalf("audit record %v has no %q", rec, k)
		}
	}
	if ts, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rec["time"])); err != nil || time.Since(ts) > time.Minute {
		t.Fatalf("audit time %v (%v)", rec["time"], err)
	}
	if rec["user"] == "" {
		t.Fatalf("audit record without the OS user: %v", rec)
	}
	for k, w := range want {
		if !reflect.DeepEqual(rec[k], w) {
			t.Fatalf("audit record %s = %#v, want %#v (record %v)", k, rec[k], w, rec)
		}
	}
}

func TestTerminateByID(t *testing.T) {
	env, e := allowed(t)
	c := firstActive(t, e)
	if got := statusCode(t, env.DB, e, c.ConnectionID); got != "active" {
		t.Fatalf("before: %s", got)
	}
	// The cache is on: the same SELECT again sends nothing.
	statusCode(t, env.DB, e, c.ConnectionID)
	if n := len(env.Calls(describeAction)); n != 1 {
		t.Fatalf("%d describe requests, want 1 (cache on)", n)
	}

	got := queryString(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?)`, e.ID, e.Region, c.ConnectionID)
	prevMsg := "null"
	if c.StatusMessage != "" {
		prevMsg = fmt.Sprintf("%q", c.StatusMessage)
	}
	want := fmt.Sprintf(`{"clientVpnEndpointId":%q,"username":%q,"connectionStatuses":[{"connectionId":%q,`+
		`"previousStatus":{"code":"active","message":%s},"currentStatus":{"code":"terminating","message":null}}]}`,
		e.ID, c.Username, c.ConnectionID, prevMsg)
	if got != want {
		t.Fatalf("answer\n%s\nwant\n%s", got, want)
	}
	calls := env.Calls(terminateAction)
	if len(calls) != 1 {
		t.Fatalf("%d terminate requests, want 1", len(calls))
	}
	wantParams(t, calls[0], url.Values{"ClientVpnEndpointId": {e.ID}, "ConnectionId": {c.ConnectionID}})

	// The endpoint's cached connections were dropped: the next SELECT asks
	// the API again and shows the new status.
	if got := statusCode(t, env.DB, e, c.ConnectionID); got != "terminated" {
		t.Fatalf("after: status %s, want terminated", got)
	}
	if n := len(env.Calls(describeAction)); n != 2 {
		t.Fatalf("%d describe requests, want 2 (the cache must be dropped)", n)
	}

	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 1 {
		t.Fatalf("%d audit records, want 1", len(recs))
	}
	checkRecord(t, recs[0], map[string]any{
		"door": "go", "function": "client_vpn_connections_terminate",
		"clientVpnEndpointId": e.ID, "region": e.Region, "connectionId": c.ConnectionID,
		"dryRun": false, "outcome": "succeeded",
	})
	var wantResult any
	if err := json.Unmarshal([]byte(want), &wantResult); err != nil || !reflect.DeepEqual(recs[0]["result"], wantResult) {
		t.Fatalf("audit result %v, want %s", recs[0]["result"], want)
	}
	if _, ok := recs[0]["username"]; ok {
		t.Fatalf("audit record of a terminate by id has a username: %v", recs[0])
	}
}

func TestTerminateByUser(t *testing.T) {
	env, e := allowed(t)
	const user = "dana.scully"
	var ids []string
	for _, c := range e.Connections {
		if c.Username == user {
			ids = append(ids, c.ConnectionID)
		}
	}
	if len(ids) != 3 {
		t.Fatalf("sample has %d sessions of %s, want 3", len(ids), user)
	}
	before := queryString(t, env.DB, `SELECT group_concat(status->>'code') FROM client_vpn_connections
		WHERE clientVpnEndpointId = ? AND username = ?`, e.ID, user)
	if before != "active,active,active" {
		t.Fatalf("before: %s", before)
	}

	got := queryString(t, env.DB, `SELECT client_vpn_connections_terminate_user(?, ?, ?)`, e.ID, e.Region, user)
	var answer struct {
		ClientVpnEndpointID string  `json:"clientVpnEndpointId"`
		Username            *string `json:"username"`
		ConnectionStatuses  []struct {
			ConnectionID   string             `json:"connectionId"`
			PreviousStatus map[string]any     `json:"previousStatus"`
			CurrentStatus  map[string]*string `json:"currentStatus"`
		} `json:"connectionStatuses"`
	}
	if err := json.Unmarshal([]byte(got), &answer); err != nil {
		t.Fatalf("answer %q: %v", got, err)
	}
	if answer.ClientVpnEndpointID != e.ID || answer.Username == nil || *answer.Username != user || len(answer.ConnectionStatuses) != 3 {
		t.Fatalf("answer %s", got)
	}
	for i, cs := range answer.ConnectionStatuses {
		if cs.ConnectionID != ids[i] || cs.PreviousStatus["code"] != "active" || *cs.CurrentStatus["code"] != "terminating" {
			t.Fatalf("answer status %d: %+v (answer %s)", i, cs, got)
		}
	}
	calls := env.Calls(terminateAction)
	if len(calls) != 1 {
		t.Fatalf("%d terminate requests, want 1", len(calls))
	}
	wantParams(t, calls[0], url.Values{"ClientVpnEndpointId": {e.ID}, "Username": {user}})

	after := queryString(t, env.DB, `SELECT group_concat(status->>'code') FROM client_vpn_connections
		WHERE clientVpnEndpointId = ? AND username = ?`, e.ID, user)
	if after != "terminated,terminated,terminated" {
		t.Fatalf("after: %s", after)
	}
	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 1 {
		t.Fatalf("%d audit records, want 1", len(recs))
	}
	checkRecord(t, recs[0], map[string]any{
		"function": "client_vpn_connections_terminate_user", "username": user,
		"clientVpnEndpointId": e.ID, "dryRun": false, "outcome": "succeeded",
	})
}

func TestTerminateOffByDefault(t *testing.T) {
	env := vpntest.Start(t, ec2fake.SampleDataset(testNow), clientvpn.Config{})
	e := contractors(t, env.Fake.Dataset())
	c := firstActive(t, e)
	for _, q := range []struct {
		fn, sql string
		args    []any
	}{
		{"client_vpn_connections_terminate", `SELECT client_vpn_connections_terminate(?, ?, ?)`, []any{e.ID, e.Region, c.ConnectionID}},
		{"client_vpn_connections_terminate", `SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, []any{e.ID, e.Region, c.ConnectionID}},
		{"client_vpn_connections_terminate_user", `SELECT client_vpn_connections_terminate_user(?, ?, ?)`, []any{e.ID, e.Region, c.Username}},
	} {
		err := queryErr(t, env.DB, q.sql, q.args...)
		want := q.fn + ": terminating connections is turned off; to turn it on, register with vpnsql.Options{AllowTerminate: true} (nothing was sent)"
		if err.Error() != want {
			t.Fatalf("error\n%s\nwant\n%s", err, want)
		}
	}
	if reqs := env.Fake.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests sent while terminating is off: %v", len(reqs), reqs)
	}
	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 3 {
		t.Fatalf("%d audit records, want 3", len(recs))
	}
	checkRecord(t, recs[0], map[string]any{"door": "go", "outcome": "refused", "connectionId": c.ConnectionID, "dryRun": false})
	checkRecord(t, recs[1], map[string]any{"outcome": "refused", "dryRun": true})
	checkRecord(t, recs[2], map[string]any{"outcome": "refused", "username": c.Username})
	if !strings.Contains(fmt.Sprint(recs[0]["error"]), "turned off") {
		t.Fatalf("refusal recorded without its reason: %v", recs[0])
	}
}

// TestTerminateHint: the door's hint is the one shown.
func TestTerminateHint(t *testing.T) {
	env := vpntest.StartWith(t, ec2fake.SampleDataset(testNow), clientvpn.Config{}, functions.TerminatePolicy{Door: functions.DoorCLI})
	err := queryErr(t, env.DB, `SELECT client_vpn_connections_terminate_user('cvpn-endpoint-0123456789abcdef0', 'us-east-1', 'x')`)
	want := "client_vpn_connections_terminate_user: terminating connections is turned off; to turn it on, run vpnsql with --allow-terminate (nothing was sent)"
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	checkRecord(t, auditRecords(t, env.AuditLog)[0], map[string]any{"door": "cli", "outcome": "refused"})
}

// TestViewAndTriggerRefused: a database file holding a view and a trigger
// that call the functions, made first and opened afterwards. SQLite
// refuses both ("unsafe use of"), so nothing is sent, even with
// terminating on.
func TestViewAndTriggerRefused(t *testing.T) {
	env, e := allowed(t)
	c := firstActive(t, e)
	path := filepath.Join(t.TempDir(), "trap.db")
	call := fmt.Sprintf(`client_vpn_connections_terminate('%s', '%s', '%s')`, e.ID, e.Region, c.ConnectionID)
	callUser := fmt.Sprintf(`client_vpn_connections_terminate_user('%s', '%s', '%s')`, e.ID, e.Region, c.Username)

	maker, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE VIEW innocent AS SELECT 1 AS one, ` + call + ` AS x`,
		`CREATE TABLE notes(body TEXT)`,
		`CREATE TRIGGER on_note AFTER INSERT ON notes BEGIN SELECT ` + callUser + `; END`,
	} {
		if _, err := maker.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	maker.Close()

	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct{ stmt, fn string }{
		{`SELECT one FROM innocent`, "client_vpn_connections_terminate"},
		{`INSERT INTO notes VALUES ('hello')`, "client_vpn_connections_terminate_user"},
	} {
		_, err := db.Exec(tc.stmt)
		if err == nil || !strings.Contains(err.Error(), "unsafe use of "+tc.fn+"()") {
			t.Fatalf("%s: error %v, want SQLite's unsafe use of %s()", tc.stmt, err, tc.fn)
		}
	}
	if reqs := env.Fake.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests sent from a view or trigger: %v", len(reqs), reqs)
	}
	if recs := auditRecords(t, env.AuditLog); len(recs) != 0 {
		t.Fatalf("audit records %v: the function must not even have been called", recs)
	}
	if got := env.Fake.Dataset().Endpoint(e.ID).Connections[slices.Index(e.Connections, c)].StatusCode; got != "active" {
		t.Fatalf("connection is %s", got)
	}
	// Even typed at top level, the call is refused while the file stores
	// SQL naming the function (SQLite's own check is incomplete in some
	// hosts, see internal/sqlite), with an error naming the object.
	err = queryErr(t, db, `SELECT `+call)
	if want := "client_vpn_connections_terminate: refused: view main.innocent, stored in a database file"; !strings.Contains(err.Error(), want) {
		t.Fatalf("top-level call in the trap: %v, want %q", err, want)
	}
	if reqs := env.Fake.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests sent", len(reqs))
	}
	// In a session without such a file, the same call runs.
	if got := queryString(t, env.DB, `SELECT `+call+`->'connectionStatuses'->0->'currentStatus'->>'code'`); got != "terminating" {
		t.Fatalf("top-level call answered %s", got)
	}
}

// dryRunJSON is the answer of a dry run.
type dryRunJSON struct {
	DryRun       bool   `json:"dryRun"`
	WouldSucceed bool   `json:"wouldSucceed"`
	EndpointID   string `json:"clientVpnEndpointId"`
	ConnectionID string `json:"connectionId"`
	Username     string `json:"username"`
	Permission   struct {
		Allowed *bool  `json:"allowed"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"permission"`
	Targets struct {
		OK      bool     `json:"ok"`
		Active  []string `json:"activeConnections"`
		Problem string   `json:"problem"`
	} `json:"targets"`
}

func dryRun(t *testing.T, db *sql.DB, query string, args ...any) dryRunJSON {
	t.Helper()
	var got dryRunJSON
	text := queryString(t, db, query, args...)
	if err := json.Unmarshal([]byte(text), &got); err != nil || !got.DryRun {
		t.Fatalf("dry run answered %s (%v)", text, err)
	}
	return got
}

// TestDryRun: a dry run checks the permission (DryRun=true, which EC2
// documents as a permission check only) and the targets (an uncached
// describe), reports each, and changes nothing.
func TestDryRun(t *testing.T) {
	env, e := allowed(t)
	c := firstActive(t, e)
	got := dryRun(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, e.ID, e.Region, c.ConnectionID)
	if !got.WouldSucceed || got.EndpointID != e.ID || got.ConnectionID != c.ConnectionID ||
		got.Permission.Allowed == nil || !*got.Permission.Allowed || got.Permission.Code != "DryRunOperation" ||
		got.Permission.Message != "Request would have succeeded, but DryRun flag is set." ||
		!got.Targets.OK || !slices.Equal(got.Targets.Active, []string{c.ConnectionID}) || got.Targets.Problem != "" {
		t.Fatalf("dry run by id: %+v", got)
	}
	var danas []string
	for _, x := range e.Connections {
		if x.Username == "dana.scully" && x.StatusCode == "active" {
			danas = append(danas, x.ConnectionID)
		}
	}
	got = dryRun(t, env.DB, `SELECT client_vpn_connections_terminate_user(?, ?, ?, 1)`, e.ID, e.Region, "dana.scully")
	slices.Sort(got.Targets.Active)
	slices.Sort(danas)
	if !got.WouldSucceed || got.Username != "dana.scully" || !slices.Equal(got.Targets.Active, danas) {
		t.Fatalf("dry run by user: %+v, want active %v", got, danas)
	}
	reqs := env.Fake.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4 (a DryRun terminate and a describe each)", len(reqs))
	}
	wantParams(t, reqs[0], url.Values{"ClientVpnEndpointId": {e.ID}, "ConnectionId": {c.ConnectionID}, "DryRun": {"true"}})
	if reqs[0].ErrorCode != "DryRunOperation" || reqs[1].Action != describeAction || reqs[1].Params.Get("Filter.1.Value.1") != c.ConnectionID {
		t.Fatalf("requests %+v", reqs[:2])
	}
	wantParams(t, reqs[2], url.Values{"ClientVpnEndpointId": {e.ID}, "Username": {"dana.scully"}, "DryRun": {"true"}})
	// Nothing changed.
	if !reflect.DeepEqual(env.Fake.Dataset(), ec2fake.SampleDataset(testNow)) {
		t.Fatal("a dry run changed the dataset")
	}
	if got := statusCode(t, env.DB, e, c.ConnectionID); got != "active" {
		t.Fatalf("after a dry run: %s", got)
	}
	// FALSE is a real call.
	if got := queryString(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?, FALSE)->>'username'`, e.ID, e.Region, c.ConnectionID); got != c.Username {
		t.Fatalf("dry_run FALSE answered %s", got)
	}
	if got := env.Calls(terminateAction)[2].Params; got.Has("DryRun") {
		t.Fatalf("dry_run FALSE sent DryRun: %v", got)
	}

	// Targets that would fail: the permission check alone (like AWS's
	// DryRun) passes them all; the dry run says why each would fail.
	unknown := "cvpn-connection-0000000000000000f"
	for _, tc := range []struct {
		query, target, problem string
	}{
		{`SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, unknown,
			fmt.Sprintf("connection %s does not exist on endpoint %s in %s", unknown, e.ID, e.Region)},
		{`SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, c.ConnectionID,
			fmt.Sprintf("connection %s is terminated, not active", c.ConnectionID)},
		{`SELECT client_vpn_connections_terminate_user(?, ?, ?, TRUE)`, "nobody.here",
			fmt.Sprintf("user nobody.here has no active connection on endpoint %s in %s", e.ID, e.Region)},
	} {
		got := dryRun(t, env.DB, tc.query, e.ID, e.Region, tc.target)
		if got.WouldSucceed || got.Permission.Allowed == nil || !*got.Permission.Allowed || got.Targets.OK || got.Targets.Problem != tc.problem {
			t.Fatalf("dry run for %s: %+v, want the problem %q", tc.target, got, tc.problem)
		}
	}

	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 6 {
		t.Fatalf("%d audit records, want 6", len(recs))
	}
	checkRecord(t, recs[0], map[string]any{"dryRun": true, "outcome": "would-succeed"})
	checkRecord(t, recs[1], map[string]any{"dryRun": true, "outcome": "would-succeed", "username": "dana.scully"})
	checkRecord(t, recs[2], map[string]any{"dryRun": false, "outcome": "succeeded"})
	checkRecord(t, recs[3], map[string]any{"dryRun": true, "outcome": "would-fail", "connectionId": unknown})
	if r, _ := recs[3]["result"].(map[string]any); r["wouldSucceed"] != false {
		t.Fatalf("the record of a dry run that would fail: %v", recs[3])
	}
}

// TestDryRunLimits: permission denied, and a user with more connections
// than terminating by username can end.
func TestDryRunLimits(t *testing.T) {
	ds := &ec2fake.Dataset{Regions: []string{"us-east-1", "eu-west-1"}}
	e := &ec2fake.Endpoint{Region: "us-east-1", ID: "cvpn-endpoint-000000000000000e0", StatusCode: "available",
		VpnProtocol: "openvpn", TransportProtocol: "udp", VpnPort: 443, ClientCidrBlock: "10.0.0.0/16"}
	for i := range 6 {
		e.Connections = append(e.Connections, &ec2fake.Connection{
			ClientVpnEndpointID: e.ID, ConnectionID: fmt.Sprintf("cvpn-connection-%017x", i), Username: "busy",
			Timestamp: "2026-11-26 11:00:00", ConnectionEstablishedTime: "2026-11-26 10:00:00",
			ClientIP: fmt.Sprintf("10.0.0.%d", i+2), CommonName: "busy", StatusCode: "active", ConnectionEndTime: "-",
		})
	}
	ds.Endpoints = append(ds.Endpoints, e)
	env := vpntest.StartWith(t, ds, clientvpn.Config{}, functions.TerminatePolicy{Allow: true})
	got := dryRun(t, env.DB, `SELECT client_vpn_connections_terminate_user(?, ?, 'busy', TRUE)`, e.ID, e.Region)
	want := fmt.Sprintf("user busy has 6 active connections on endpoint %s in us-east-1; terminating by username ends at most 5: terminate them by connection id", e.ID)
	if got.WouldSucceed || !*got.Permission.Allowed || got.Targets.OK || len(got.Targets.Active) != 6 || got.Targets.Problem != want {
		t.Fatalf("six connections: %+v", got)
	}
	// Five are fine.
	got = dryRun(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, e.ID, e.Region, e.Connections[0].ConnectionID)
	if !got.WouldSucceed {
		t.Fatalf("one connection: %+v", got)
	}

	env.Fake.SetRegionFault("us-east-1", "UnauthorizedOperation")
	got = dryRun(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, e.ID, e.Region, e.Connections[0].ConnectionID)
	if got.WouldSucceed || got.Permission.Allowed == nil || *got.Permission.Allowed || got.Permission.Code != "UnauthorizedOperation" ||
		got.Targets.OK || !strings.Contains(got.Targets.Problem, "UnauthorizedOperation") {
		t.Fatalf("no permission: %+v", got)
	}
	// Neither dry run changed anything.
	if !reflect.DeepEqual(env.Fake.Dataset(), ds) {
		t.Fatal("a dry run changed the dataset")
	}
}

func TestTerminateUnknown(t *testing.T) {
	env, e := allowed(t)
	unknownEndpoint := "cvpn-endpoint-0000000000000000f"
	for _, tc := range []struct {
		sql  string
		args []any
		code string
	}{
		{`SELECT client_vpn_connections_terminate(?, ?, ?)`, []any{e.ID, e.Region, "cvpn-connection-0000000000000000f"}, "InvalidClientVpnConnection.IdNotFound"},
		{`SELECT client_vpn_connections_terminate_user(?, ?, ?)`, []any{e.ID, e.Region, "nobody.here"}, "InvalidClientVpnConnection.UserNotFound"},
		{`SELECT client_vpn_connections_terminate(?, ?, ?)`, []any{unknownEndpoint, e.Region, firstActive(t, e).ConnectionID}, "InvalidClientVpnEndpointId.NotFound"},
		// The endpoint exists, in another region.
		{`SELECT client_vpn_connections_terminate_user(?, ?, ?)`, []any{e.ID, "eu-west-1", "dana.scully"}, "InvalidClientVpnEndpointId.NotFound"},
	} {
		err := queryErr(t, env.DB, tc.sql, tc.args...)
		if !strings.Contains(err.Error(), tc.code) || !strings.Contains(err.Error(), "TerminateClientVpnConnections in ") {
			t.Fatalf("%s %v: error %v, want %s", tc.sql, tc.args, err, tc.code)
		}
	}
	if n := len(env.Calls(terminateAction)); n != 4 {
		t.Fatalf("%d terminate requests, want 4", n)
	}
	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 4 {
		t.Fatalf("%d audit records, want 4", len(recs))
	}
	for i, code := range []string{"InvalidClientVpnConnection.IdNotFound", "InvalidClientVpnConnection.UserNotFound",
		"InvalidClientVpnEndpointId.NotFound", "InvalidClientVpnEndpointId.NotFound"} {
		checkRecord(t, recs[i], map[string]any{"outcome": "failed", "errorCode": code})
		if _, ok := recs[i]["result"]; ok || !strings.Contains(fmt.Sprint(recs[i]["error"]), code) {
			t.Fatalf("failure recorded as %v", recs[i])
		}
	}
	if !reflect.DeepEqual(env.Fake.Dataset(), ec2fake.SampleDataset(testNow)) {
		t.Fatal("a failed terminate changed the dataset")
	}
}

// TestTerminateBadArguments: every argument is checked before anything is
// sent, and the refusal is recorded.
func TestTerminateBadArguments(t *testing.T) {
	env, e := allowed(t)
	c := firstActive(t, e)
	for _, tc := range []struct {
		sql  string
		args []any
		want string
	}{
		{`SELECT client_vpn_connections_terminate(NULL, ?, ?)`, []any{e.Region, c.ConnectionID}, "endpoint_id is NULL"},
		{`SELECT client_vpn_connections_terminate(42, ?, ?)`, []any{e.Region, c.ConnectionID}, "endpoint_id must be text, not the integer 42"},
		{`SELECT client_vpn_connections_terminate(x'00', ?, ?)`, []any{e.Region, c.ConnectionID}, "endpoint_id must be text, not a blob"},
		{`SELECT client_vpn_connections_terminate('cvpn-endpoint-nothex', ?, ?)`, []any{e.Region, c.ConnectionID}, "endpoint_id 'cvpn-endpoint-nothex' is not a Client VPN endpoint id"},
		{`SELECT client_vpn_connections_terminate(?, NULL, ?)`, []any{e.ID, c.ConnectionID}, "region is NULL"},
		{`SELECT client_vpn_connections_terminate(?, 'US East', ?)`, []any{e.ID, c.ConnectionID}, "region 'US East' is not an AWS region name"},
		{`SELECT client_vpn_connections_terminate(?, ?, NULL)`, []any{e.ID, e.Region}, "connection_id is NULL"},
		{`SELECT client_vpn_connections_terminate(?, ?, ?)`, []any{e.ID, e.Region, c.Username}, "is not a Client VPN connection id"},
		{`SELECT client_vpn_connections_terminate(?, ?, 1.5)`, []any{e.ID, e.Region}, "connection_id must be text, not the number 1.5"},
		{`SELECT client_vpn_connections_terminate_user(?, ?, '')`, []any{e.ID, e.Region}, "username '' cannot be a Client VPN username"},
		{`SELECT client_vpn_connections_terminate_user(?, ?, NULL)`, []any{e.ID, e.Region}, "username is NULL"},
		{`SELECT client_vpn_connections_terminate(?, ?, ?, 'yes')`, []any{e.ID, e.Region, c.ConnectionID}, "dry_run must be TRUE or FALSE (1 or 0), not 'yes'"},
		{`SELECT client_vpn_connections_terminate(?, ?, ?, NULL)`, []any{e.ID, e.Region, c.ConnectionID}, "dry_run must be TRUE or FALSE (1 or 0), not NULL"},
		{`SELECT client_vpn_connections_terminate(?, ?, ?, 2)`, []any{e.ID, e.Region, c.ConnectionID}, "dry_run must be TRUE or FALSE (1 or 0), not 2"},
	} {
		err := queryErr(t, env.DB, tc.sql, tc.args...)
		if !strings.Contains(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), "(nothing was sent)") {
			t.Fatalf("%s: error %q, want %q", tc.sql, err, tc.want)
		}
	}
	// Too many or too few arguments: SQLite itself refuses.
	for _, q := range []string{
		`SELECT client_vpn_connections_terminate('a', 'b')`,
		`SELECT client_vpn_connections_terminate_user('a', 'b', 'c', 1, 2)`,
	} {
		if err := queryErr(t, env.DB, q); !strings.Contains(err.Error(), "wrong number of arguments") {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if reqs := env.Fake.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests sent for bad arguments", len(reqs))
	}
	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 14 {
		t.Fatalf("%d audit records, want 14", len(recs))
	}
	checkRecord(t, recs[0], map[string]any{"outcome": "invalid", "clientVpnEndpointId": nil})
	checkRecord(t, recs[1], map[string]any{"outcome": "invalid", "clientVpnEndpointId": float64(42)})
	checkRecord(t, recs[6], map[string]any{"outcome": "invalid", "connectionId": nil})
	if _, ok := recs[6]["connectionId"]; !ok {
		t.Fatalf("a NULL connection_id is left out of the record: %v", recs[6])
	}
}

// TestAuditLogUnwritable: a call whose record cannot be written is not made.
func TestAuditLogUnwritable(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "not-a-directory")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(blocker, "audit.jsonl"), // its directory cannot exist
		t.TempDir(),                           // a directory, not a file
	} {
		ds := ec2fake.SampleDataset(testNow)
		env := vpntest.StartWith(t, ds, clientvpn.Config{}, functions.TerminatePolicy{Allow: true, AuditLog: path})
		e := contractors(t, ds)
		c := firstActive(t, e)
		for _, dry := range []string{"FALSE", "TRUE"} {
			err := queryErr(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?, `+dry+`)`, e.ID, e.Region, c.ConnectionID)
			if !strings.Contains(err.Error(), "audit log") || !strings.Contains(err.Error(), "nothing was sent") {
				t.Fatalf("audit log %s: error %v", path, err)
			}
		}
		if reqs := env.Fake.Requests(); len(reqs) != 0 {
			t.Fatalf("audit log %s: %d requests sent without an audit record", path, len(reqs))
		}
		if got := env.Fake.Dataset(); !reflect.DeepEqual(got, ds) {
			t.Fatal("dataset changed")
		}
	}
	// When terminating is off, the refusal still says so, and adds that
	// it could not be recorded.
	env := vpntest.StartWith(t, ec2fake.SampleDataset(testNow), clientvpn.Config{}, functions.TerminatePolicy{AuditLog: filepath.Join(blocker, "a.jsonl")})
	err := queryErr(t, env.DB, `SELECT client_vpn_connections_terminate_user('cvpn-endpoint-0123456789abcdef0', 'us-east-1', 'x')`)
	if !strings.Contains(err.Error(), "turned off") || !strings.Contains(err.Error(), "audit record could not be written") {
		t.Fatalf("error %v", err)
	}
}

// TestAuditWriteAhead: the intent record is on disk before the request
// leaves; when it cannot be written (here the log may not grow:
// RLIMIT_FSIZE stands in for a full disk without privileges), nothing is
// sent, dry run or not.
func TestAuditWriteAhead(t *testing.T) {
	env, e := allowed(t)
	c := firstActive(t, e)
	// While the request is in flight (the fake holds it), the intent is
	// already in the log.
	env.Fake.SetLatency(time.Second)
	done := make(chan string, 1)
	go func() {
		var s sql.NullString
		_ = env.DB.QueryRow(`SELECT client_vpn_connections_terminate(?, ?, ?, TRUE)`, e.ID, e.Region, c.ConnectionID).Scan(&s)
		done <- s.String
	}()
	for deadline := time.Now().Add(20 * time.Second); env.Fake.MaxInFlight() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the fake")
		}
	}
	if recs := auditRecords(t, env.AuditLog); len(recs) != 1 || recs[0]["outcome"] != "sending" || recs[0]["dryRun"] != true {
		t.Fatalf("the log while the request was in flight: %v", recs)
	}
	<-done
	env.Fake.SetLatency(0)

	st, err := os.Stat(env.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	limitFileSize(t, uint64(st.Size()))
	env.Fake.ResetLog()
	for _, dry := range []string{"TRUE", "FALSE"} {
		err := queryErr(t, env.DB, `SELECT client_vpn_connections_terminate(?, ?, ?, `+dry+`)`, e.ID, e.Region, c.ConnectionID)
		if !strings.Contains(err.Error(), "file too large") || !strings.Contains(err.Error(), "nothing was sent") {
			t.Fatalf("dry_run %s with a log that cannot grow: %v", dry, err)
		}
	}
	if reqs := env.Fake.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests sent without an intent record", len(reqs))
	}
}

// limitFileSize sets this process's RLIMIT_FSIZE until the test ends; Go
// ignores SIGXFSZ, so a write past it fails with EFBIG.
func limitFileSize(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAuditLogFIFO: a named pipe at the audit path is refused at once,
// with terminating off (the refusal's record) and on; it never blocks.
func TestAuditLogFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, allow := range []bool{false, true} {
		ds := ec2fake.SampleDataset(testNow)
		env := vpntest.StartWith(t, ds, clientvpn.Config{}, functions.TerminatePolicy{Allow: allow, AuditLog: fifo})
		e := contractors(t, ds)
		done := make(chan error, 1)
		go func() {
			var s sql.NullString
			done <- env.DB.QueryRow(`SELECT client_vpn_connections_terminate(?, ?, ?)`, e.ID, e.Region, firstActive(t, e).ConnectionID).Scan(&s)
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), fifo+" is a named pipe; it must be a regular file") {
				t.Fatalf("allow %v: %v", allow, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("allow %v: the call hung on the named pipe", allow)
		}
		if reqs := env.Fake.Requests(); len(reqs) != 0 {
			t.Fatalf("%d requests sent", len(reqs))
		}
	}
}

// TestBulkTerminate: the query, terminating 50 connections of five
// endpoints while the table streams them, with every third request
// throttled. Each is terminated exactly once.
func TestBulkTerminate(t *testing.T) {
	ds := &ec2fake.Dataset{Regions: []string{"us-east-1"}}
	var offboarded []string
	want := map[string]bool{} // connection id -> to be terminated
	for ep := range 5 {
		e := &ec2fake.Endpoint{Region: "us-east-1", ID: fmt.Sprintf("cvpn-endpoint-%017x", 0xe0+ep), StatusCode: "available",
			VpnProtocol: "openvpn", TransportProtocol: "udp", VpnPort: 443, ClientCidrBlock: "10.0.0.0/16"}
		for i := range 14 {
			user := fmt.Sprintf("stays.%d", i)
			if i < 10 {
				user = fmt.Sprintf("leaver.%d.%d", ep, i/2) // two sessions each
			}
			id := fmt.Sprintf("cvpn-connection-%017x", ep*100+i)
			e.Connections = append(e.Connections, &ec2fake.Connection{
				ClientVpnEndpointID: e.ID, ConnectionID: id, Username: user, Timestamp: "2026-11-26 11:00:00",
				ConnectionEstablishedTime: "2026-11-26 10:00:00", ClientIP: fmt.Sprintf("10.0.%d.%d", ep, i+2),
				CommonName: user, StatusCode: "active", ConnectionEndTime: "-",
			})
			if i < 10 {
				want[id] = true
				if i%2 == 0 {
					offboarded = append(offboarded, user)
				}
			}
		}
		ds.Endpoints = append(ds.Endpoints, e)
	}
	if len(want) != 50 {
		t.Fatalf("%d connections to terminate", len(want))
	}
	env := vpntest.StartWith(t, ds, clientvpn.Config{Settings: clientvpn.Settings{CacheTTL: time.Hour, Concurrency: 4}},
		functions.TerminatePolicy{Allow: true})
	if _, err := env.DB.Exec(`CREATE TEMP TABLE offboarded(username TEXT)`); err != nil {
		t.Fatal(err)
	}
	for _, u := range offboarded {
		if _, err := env.DB.Exec(`INSERT INTO offboarded VALUES (?)`, u); err != nil {
			t.Fatal(err)
		}
	}
	// Fill the cache first: the terminates must drop it mid-scan.
	if n := queryString(t, env.DB, `SELECT count(*) FROM client_vpn_connections WHERE username IN (SELECT username FROM offboarded)`); n != "50" {
		t.Fatalf("%s offboarded connections", n)
	}
	env.Fake.ResetLog()
	env.Fake.SetThrottleEvery(3)
	// Slow answers keep the scan's requests in flight while the first
	// terminates run.
	env.Fake.SetLatency(2 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a deadlock fails here
	defer cancel()
	rows, err := env.DB.QueryContext(ctx, `SELECT client_vpn_connections_terminate(clientVpnEndpointId, region, connectionId)
		FROM client_vpn_connections WHERE username IN (SELECT username FROM offboarded)`)
	if err != nil {
		t.Fatal(err)
	}
	answered := map[string]int{}
	for rows.Next() {
		var answer string
		if err := rows.Scan(&answer); err != nil {
			t.Fatal(err)
		}
		var a clientvpn.TerminateAnswer
		if err := json.Unmarshal([]byte(answer), &a); err != nil || len(a.ConnectionStatuses) != 1 {
			t.Fatalf("answer %q (%v)", answer, err)
		}
		answered[a.ConnectionStatuses[0].ConnectionID]++
		if got := a.ConnectionStatuses[0].CurrentStatus.Code; got != "terminating" {
			t.Fatalf("answer %s", answer)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	// Each connection terminated exactly once: count the terminate
	// requests the fake accepted (throttled ones changed nothing).
	accepted := map[string]int{}
	throttled := 0
	for _, r := range env.Calls(terminateAction) {
		switch r.ErrorCode {
		case "":
			accepted[r.Params.Get("ConnectionId")]++
		case "RequestLimitExceeded":
			throttled++
		default:
			t.Fatalf("terminate answered %s: %v", r.ErrorCode, r)
		}
	}
	for id := range want {
		if accepted[id] != 1 || answered[id] != 1 {
			t.Fatalf("%s: %d accepted terminate requests and %d answers, want 1 each", id, accepted[id], answered[id])
		}
	}
	if len(accepted) != 50 || len(answered) != 50 {
		t.Fatalf("%d connections terminated, %d answers, want 50", len(accepted), len(answered))
	}
	if throttled == 0 {
		t.Fatal("no terminate request was throttled: the test does not test throttling")
	}
	t.Logf("%d terminate requests throttled and retried", throttled)

	env.Fake.SetThrottleEvery(0)
	got := queryString(t, env.DB, `SELECT group_concat(DISTINCT status->>'code') FROM client_vpn_connections
		WHERE username IN (SELECT username FROM offboarded)`)
	if got != "terminated" {
		t.Fatalf("after the bulk terminate the table shows %s", got)
	}
	if n := queryString(t, env.DB, `SELECT count(*) FROM client_vpn_connections WHERE status->>'code' = 'active'`); n != "20" {
		t.Fatalf("%s active connections left, want 20", n)
	}
	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != 50 {
		t.Fatalf("%d audit records, want 50", len(recs))
	}
	for _, r := range recs {
		checkRecord(t, r, map[string]any{"outcome": "succeeded"})
	}
}

// TestTerminateMidScanKeepsCacheFresh: a terminate called while the scan
// feeding it is still fetching later pages of the same endpoint. That scan
// read the connection before it was terminated, so its result must not be
// cached: the next SELECT has to show the new status.
func TestTerminateMidScanKeepsCacheFresh(t *testing.T) {
	ds := ec2fake.SampleDataset(testNow)
	env := vpntest.StartWith(t, ds, clientvpn.Config{Settings: clientvpn.Settings{CacheTTL: time.Hour}},
		functions.TerminatePolicy{Allow: true})
	var big *ec2fake.Endpoint
	for _, e := range ds.Endpoints {
		if e.Description == ec2fake.SampleBigEndpoint {
			big = e
		}
	}
	c := firstActive(t, big) // on the first of three pages
	// clientIp is filtered by SQLite, so both statements read the whole
	// listing under one cache key.
	const byIP = `FROM client_vpn_connections WHERE clientVpnEndpointId = ? AND region = ? AND clientIp = ? AND connectionId IS ?`
	// An aggregate, so that the scan runs to its end (and to the cache).
	got := queryString(t, env.DB, `SELECT group_concat(client_vpn_connections_terminate(clientVpnEndpointId, region, connectionId)->>'username') `+byIP,
		big.ID, big.Region, c.ClientIP, c.ConnectionID)
	if got != c.Username {
		t.Fatalf("terminate answered for %q", got)
	}
	if n := len(env.Calls(describeAction)); n != 3 {
		t.Fatalf("%d describe requests, want 3 pages", n)
	}
	if got := queryString(t, env.DB, `SELECT status->>'code' `+byIP, big.ID, big.Region, c.ClientIP, c.ConnectionID); got != "terminated" {
		t.Fatalf("after the terminate the table shows %s (a stale cached listing)", got)
	}
}

// TestOneRequestPerCall: the forms docs/terminate.md recommends send one
// request per call: the answer read several times from a FROM-less
// subquery or a MATERIALIZED CTE (a plain CTE or subquery filtered on the
// answer may be flattened, copying the call: SQLite evaluates each copy),
// and a bulk call sorted on its answer.
func TestOneRequestPerCall(t *testing.T) {
	env, e := allowed(t)
	var ids []string
	for _, c := range e.Connections {
		if c.StatusCode == "active" {
			ids = append(ids, c.ConnectionID)
		}
	}
	call := func(id string) string {
		return fmt.Sprintf(`client_vpn_connections_terminate('%s', '%s', '%s', TRUE)`, e.ID, e.Region, id)
	}
	for i, q := range []string{
		`SELECT x->>'dryRun', x->>'connectionId', x->>'message' FROM (SELECT ` + call(ids[0]) + ` AS x)`,
		`WITH t(x) AS MATERIALIZED (SELECT ` + call(ids[1]) + `) SELECT x->>'dryRun', x->>'connectionId' FROM t WHERE x->>'wouldSucceed'`,
		`SELECT ` + call(ids[2]) + ` AS x ORDER BY x->>'message', x->>'connectionId'`,
	} {
		env.Fake.ResetLog()
		rows, err := env.DB.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if calls := env.Calls(terminateAction); n != 1 || len(calls) != 1 || calls[0].Params.Get("ConnectionId") != ids[i] {
			t.Fatalf("%s: %d rows, %d requests, want 1 each", q, n, len(calls))
		}
	}
	// Bulk with a sort: one request per row.
	env.Fake.ResetLog()
	got := queryString(t, env.DB, `SELECT count(*) FROM (SELECT client_vpn_connections_terminate(clientVpnEndpointId, region, connectionId, TRUE) AS x
		FROM client_vpn_connections WHERE clientVpnEndpointId = ? AND status->>'code' = 'active' ORDER BY x->>'connectionId' DESC)`, e.ID)
	if got != fmt.Sprint(len(ids)) || len(env.Calls(terminateAction)) != len(ids) {
		t.Fatalf("%s rows, %d terminate requests, want %d", got, len(env.Calls(terminateAction)), len(ids))
	}
}

// TestBulkTerminateInterrupted: cancelling a bulk terminate stops it after
// the call in flight; every request that was sent has its audit record.
func TestBulkTerminateInterrupted(t *testing.T) {
	env, e := allowed(t)
	var active int
	for _, c := range e.Connections {
		if c.StatusCode == "active" {
			active++
		}
	}
	env.Fake.SetLatency(40 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once two terminates were sent
		for len(env.Calls(terminateAction)) < 2 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var n int
	err := env.DB.QueryRowContext(ctx, `SELECT count(client_vpn_connections_terminate(clientVpnEndpointId, region, connectionId))
		FROM client_vpn_connections WHERE clientVpnEndpointId = ? AND status->>'code' = 'active'`, e.ID).Scan(&n)
	if err == nil {
		t.Fatalf("not interrupted: %d terminated", n)
	}
	sent := len(env.Calls(terminateAction))
	time.Sleep(200 * time.Millisecond)
	if later := len(env.Calls(terminateAction)); later != sent || sent == 0 || sent >= active {
		t.Fatalf("terminate requests: %d when the statement ended, %d later, of %d rows", sent, later, active)
	}
	recs := outcomes(t, auditRecords(t, env.AuditLog))
	if len(recs) != sent {
		t.Fatalf("%d audit records for %d requests sent", len(recs), sent)
	}
	for _, r := range recs {
		checkRecord(t, r, map[string]any{"outcome": "succeeded"})
	}
}
