package vpnsql_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnsql/vpnsql"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// openGoDoor registers through the public Go API against the fake and
// opens a database.
func openGoDoor(t *testing.T, opts vpnsql.Options) (*ec2fake.Server, *ec2fake.Endpoint, *sql.DB) {
	t.Helper()
	ds := ec2fake.SampleDataset(time.Now())
	fake := ec2fake.New(ds)
	run, err := ec2fake.Start(fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	opts.Regions = []string{"us-east-1"}
	opts.EndpointURL = run.URL
	opts.Credentials = clientvpn.DummyCredentials()
	if err := vpnsql.Register(opts); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, e := range ds.Endpoints {
		if e.Description == ec2fake.SampleContractorEndpoint {
			return fake, e, db
		}
	}
	t.Fatal("no contractors endpoint")
	return nil, nil, nil
}

// TestGoDoorTerminateOff: off unless Options.AllowTerminate; the refusal
// names the switch, sends nothing, and is recorded in the default audit
// log under $XDG_STATE_HOME.
func TestGoDoorTerminateOff(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	fake, e, db := openGoDoor(t, vpnsql.Options{})
	c := e.Connections[0]
	var s sql.NullString
	err := db.QueryRow(`SELECT client_vpn_connections_terminate(?, ?, ?)`, e.ID, e.Region, c.ConnectionID).Scan(&s)
	want := "client_vpn_connections_terminate: terminating connections is turned off; to turn it on, register with vpnsql.Options{AllowTerminate: true} (nothing was sent)"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Fatalf("%d requests sent", len(reqs))
	}
	b, err := os.ReadFile(filepath.Join(state, "vpnsql", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if strings.Count(string(b), "\n") != 1 || json.Unmarshal(b, &rec) != nil || rec["door"] != "go" || rec["outcome"] != "refused" {
		t.Fatalf("audit log %q", b)
	}
}

// TestGoDoorTerminateOn: AllowTerminate and AuditLog as a Go program sets
// them.
func TestGoDoorTerminateOn(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	fake, e, db := openGoDoor(t, vpnsql.Options{AllowTerminate: true, AuditLog: log})
	var code string
	err := db.QueryRow(`SELECT client_vpn_connections_terminate_user(?, ?, 'dana.scully')->'connectionStatuses'->0->'currentStatus'->>'code'`,
		e.ID, e.Region).Scan(&code)
	if err != nil || code != "terminating" {
		t.Fatalf("terminate: %q, %v", code, err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
	b, err := os.ReadFile(log)
	if err != nil || !strings.Contains(string(b), `"outcome":"succeeded"`) {
		t.Fatalf("audit log %q (%v)", b, err)
	}
}

// ExampleOptions_allowTerminate: the safe path from Go: a dry run, the
// real call, and a check. Terminating is off unless AllowTerminate is set;
// every call is appended to AuditLog.
func ExampleOptions_allowTerminate() {
	fake, _ := ec2fake.Start(ec2fake.New(ec2fake.SampleDataset(time.Now())))
	defer fake.Close()
	dir, _ := os.MkdirTemp("", "vpnsql-example")
	defer os.RemoveAll(dir)

	err := vpnsql.Register(vpnsql.Options{
		Regions:        []string{"us-east-1"},
		EndpointURL:    fake.URL,
		Credentials:    credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example", ""),
		AllowTerminate: true,
		AuditLog:       filepath.Join(dir, "audit.jsonl"),
	})
	if err != nil {
		log.Fatal(err)
	}
	db, _ := sql.Open("sqlite3", ":memory:")
	defer db.Close()
	const endpoint, user = "cvpn-endpoint-03ed0287161e8a804", "dana.scully"

	var wouldSucceed bool
	err = db.QueryRow(`SELECT client_vpn_connections_terminate_user(?, 'us-east-1', ?, TRUE)->>'wouldSucceed'`,
		endpoint, user).Scan(&wouldSucceed)
	fmt.Println("dry run would succeed:", wouldSucceed, err)

	var answer string
	err = db.QueryRow(`SELECT client_vpn_connections_terminate_user(?, 'us-east-1', ?)`, endpoint, user).Scan(&answer)
	fmt.Println("answered:", strings.Count(answer, `"currentStatus":{"code":"terminating"`), "terminating", err)

	var statuses string
	err = db.QueryRow(`SELECT group_concat(status->>'code') FROM client_vpn_connections
		WHERE clientVpnEndpointId = ? AND username = ?`, endpoint, user).Scan(&statuses)
	fmt.Println("now:", statuses, err)

	audit, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	fmt.Println("audit lines:", strings.Count(string(audit), "\n"), "(an intent and an outcome per call)")
	// Output:
	// dry run would succeed: true <nil>
	// answered: 3 terminating <nil>
	// now: terminated,terminated,terminated <nil>
	// audit lines: 4 (an intent and an outcome per call)
}

// TestGoDoorAuditLogEnv: VPNSQL_AUDIT_LOG sets the audit log when
// Options.AuditLog does not (the CLI relies on it).
func TestGoDoorAuditLogEnv(t *testing.T) {
	log := filepath.Join(t.TempDir(), "from-env.jsonl")
	t.Setenv("VPNSQL_AUDIT_LOG", log)
	_, e, db := openGoDoor(t, vpnsql.Options{Door: "cli"})
	var s sql.NullString
	err := db.QueryRow(`SELECT client_vpn_connections_terminate_user(?, ?, 'x')`, e.ID, e.Region).Scan(&s)
	if err == nil || !strings.Contains(err.Error(), "run vpnsql with --allow-terminate") {
		t.Fatalf("error %v", err)
	}
	if b, err := os.ReadFile(log); err != nil || !strings.Contains(string(b), `"door":"cli"`) {
		t.Fatalf("audit log %q (%v)", b, err)
	}
}

// TestGoDoorForgedFile: through the Go door, a database file holding a
// table named like a live table, and a CHECK that would terminate and
// change a setting, neither replaces the live table nor acts.
func TestGoDoorForgedFile(t *testing.T) {
	fake, e, _ := openGoDoor(t, vpnsql.Options{AllowTerminate: true, AuditLog: filepath.Join(t.TempDir(), "audit.jsonl")})
	path := filepath.Join(t.TempDir(), "forged.db")
	maker, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	maker.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`CREATE TABLE main.client_vpn_connections(clientVpnEndpointId TEXT, username TEXT)`,
		fmt.Sprintf(`INSERT INTO main.client_vpn_connections VALUES ('%s', 'forged')`, e.ID),
		// Made with coalesce, then rewritten: SQLite checks nothing then.
		fmt.Sprintf(`CREATE TABLE offboarded(username TEXT, CHECK (coalesce('%s', '%s', username) IS NOT NULL),
			CHECK (coalesce('region', 'eu-west-1') IS NOT NULL))`, e.ID, e.Region),
		`PRAGMA writable_schema=ON`,
		`UPDATE sqlite_master SET sql = replace(replace(sql, 'coalesce(''region''', 'vpnsql_config(''region'''), 'coalesce(', 'client_vpn_connections_terminate_user(') WHERE name = 'offboarded'`,
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
	var n, forged int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE username = 'forged') FROM client_vpn_connections
		WHERE clientVpnEndpointId = ?`, e.ID).Scan(&n, &forged); err != nil || n != len(e.Connections) || forged != 0 {
		t.Fatalf("%d rows, %d forged (%v); want the %d live rows", n, forged, err, len(e.Connections))
	}
	if _, err := db.Exec(`INSERT INTO offboarded VALUES (?)`, e.Connections[0].Username); err == nil {
		t.Fatal("the INSERT ran its CHECK")
	}
	var region string
	if err := db.QueryRow(`SELECT vpnsql_config('region')`).Scan(&region); err != nil || region != "us-east-1" {
		t.Fatalf("region %q (%v)", region, err)
	}
	for _, r := range fake.Requests() {
		if r.Action == "TerminateClientVpnConnections" {
			t.Fatalf("a terminate was sent: %v", r.Params)
		}
	}
}
