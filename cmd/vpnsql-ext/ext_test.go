package main

// These tests drive the loadable extension in real hosts: Debian's sqlite3
// shell (3.40, its own libsqlite3) and statichost, which links a newer
// SQLite statically. The extension reaches the fake EC2 endpoint through
// the standard AWS environment variables.

import (
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

var extPath string // the .so under test

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "vpnsql-ext-test")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	extPath = filepath.Join(dir, "vpnsql.so")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-o", extPath, ".")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building the extension: %v\n%s", err, out)
	}
	return m.Run(), nil
}

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// startFake serves the sample data and returns the environment that points
// the extension at it with dummy credentials.
func startFake(t *testing.T) (*ec2fake.Server, *ec2fake.Dataset, []string) {
	t.Helper()
	ds := ec2fake.SampleDataset(testNow)
	fake := ec2fake.New(ds)
	run, err := ec2fake.Start(fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	env := append(os.Environ(),
		"AWS_ENDPOINT_URL_EC2="+run.URL,
		"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test-secret",
		"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return fake, ds, env
}

func contractors(t *testing.T, ds *ec2fake.Dataset) *ec2fake.Endpoint {
	for _, e := range ds.Endpoints {
		if e.Description == ec2fake.SampleContractorEndpoint {
			return e
		}
	}
	t.Fatal("no contractors endpoint")
	return nil
}

func sqlite3Shell(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Fatal("the sqlite3 shell is required (apt-get install sqlite3; .ci/run installs it)")
	}
	return path
}

func run(t *testing.T, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestShellJoinCSV: .load, a join with a regular table, .mode csv output.
func TestShellJoinCSV(t *testing.T) {
	fake, ds, env := startFake(t)
	e := contractors(t, ds)
	ext := strings.TrimSuffix(extPath, ".so")
	stdout, stderr, err := run(t, env, sqlite3Shell(t), ":memory:",
		".load "+ext,
		"CREATE TABLE mine(id TEXT, team TEXT)",
		fmt.Sprintf("INSERT INTO mine VALUES ('%s', 'contractors')", e.ID),
		".mode csv",
		".headers on",
		`SELECT m.team, c.connectionId, c.username, c.ingressBytes, c.status->>'code' AS code
		   FROM mine m JOIN client_vpn_connections c ON c.clientVpnEndpointId = m.id
		  ORDER BY c.connectionId`)
	if err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, stderr)
	}
	want := [][]string{{"team", "connectionId", "username", "ingressBytes", "code"}}
	conns := slices.Clone(e.Connections)
	slices.SortFunc(conns, func(a, b *ec2fake.Connection) int { return strings.Compare(a.ConnectionID, b.ConnectionID) })
	for _, c := range conns {
		want = append(want, []string{"contractors", c.ConnectionID, c.Username, fmt.Sprint(c.IngressBytes), c.StatusCode})
	}
	// The shell quotes fields its own way (non-ASCII text too); compare the
	// records a CSV reader sees, and the shell's \r\n record ends.
	got, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || !strings.HasSuffix(stdout, "\r\n") {
		t.Fatalf("shell output is not CSV (%v):\n%s", err, stdout)
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("shell output:\n%q\nwant:\n%q", got, want)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// TestShellErrors: errors reach the shell as one line naming the problem.
func TestShellErrors(t *testing.T) {
	fake, _, env := startFake(t)
	ext := strings.TrimSuffix(extPath, ".so")
	for _, tc := range []struct{ sql, want string }{
		{"SELECT * FROM client_vpn_connections WHERE region = 'US East'", "region 'US East' is not an AWS region name"},
		{"SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = 'cvpn-endpoint-00000000000000000'", "InvalidClientVpnEndpointId.NotFound"},
	} {
		_, stderr, err := run(t, env, sqlite3Shell(t), ":memory:", ".load "+ext, tc.sql)
		if err == nil || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Fatalf("%s: err %v, stderr %q, want one line with %q", tc.sql, err, stderr, tc.want)
		}
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1 (the unknown endpoint)", n)
	}
}

// TestStaticHost loads the extension into a host whose SQLite (3.54, linked
// statically) is not the system's libsqlite3.
func TestStaticHost(t *testing.T) {
	_, ds, env := startFake(t)
	e := contractors(t, ds)
	host := buildStaticHost(t)
	stdout, stderr, err := run(t, env, host, extPath,
		fmt.Sprintf("SELECT count(*), sum(ingressBytes) FROM client_vpn_connections WHERE clientVpnEndpointId = '%s'", e.ID))
	if err != nil {
		t.Fatalf("statichost: %v\n%s", err, stderr)
	}
	var sum uint64
	for _, c := range e.Connections {
		sum += c.IngressBytes
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "host sqlite 3.5") || lines[1] != fmt.Sprintf("%d|%d", len(e.Connections), sum) {
		t.Fatalf("statichost printed %q", stdout)
	}
	// The host must not take SQLite from a shared library at all.
	ldd, _, _ := run(t, os.Environ(), "ldd", host)
	if strings.Contains(ldd, "libsqlite3") {
		t.Fatalf("statichost links libsqlite3 dynamically:\n%s", ldd)
	}
}

// buildStaticHost compiles testdata/statichost.c with the SQLite amalgamation
// from the mattn/go-sqlite3 module.
func buildStaticHost(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/mattn/go-sqlite3").Output()
	if err != nil {
		t.Fatalf("locating mattn/go-sqlite3: %v", err)
	}
	mattn := strings.TrimSpace(string(out))
	host := filepath.Join(t.TempDir(), "statichost")
	cc := exec.Command("gcc", "-O1", "-o", host, "testdata/statichost.c", filepath.Join(mattn, "sqlite3-binding.c"),
		"-I"+mattn, "-DSQLITE_THREADSAFE=1", "-ldl", "-lpthread", "-lm")
	if b, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("building statichost: %v\n%s", err, b)
	}
	return host
}

// TestShellTerminateOff: in the shell, the terminate functions are off
// unless VPNSQL_ALLOW_TERMINATE=1 was set before .load; the refusal is one
// line naming that switch, nothing is sent, and the call is in the audit
// log given by VPNSQL_AUDIT_LOG.
func TestShellTerminateOff(t *testing.T) {
	fake, ds, env := startFake(t)
	e := contractors(t, ds)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	env = append(env, "VPNSQL_AUDIT_LOG="+audit, "VPNSQL_ALLOW_TERMINATE=")
	ext := strings.TrimSuffix(extPath, ".so")
	_, stderr, err := run(t, env, sqlite3Shell(t), ":memory:", ".load "+ext,
		fmt.Sprintf("SELECT client_vpn_connections_terminate('%s', '%s', '%s')", e.ID, e.Region, e.Connections[0].ConnectionID))
	want := "client_vpn_connections_terminate: terminating connections is turned off; to turn it on, set VPNSQL_ALLOW_TERMINATE=1 in the environment before .load (nothing was sent)"
	if err == nil || !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("err %v, stderr %q, want one line with %q", err, stderr, want)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests sent while terminating is off", n)
	}
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `"door":"extension"`) || !strings.Contains(string(b), `"outcome":"refused"`) {
		t.Fatalf("audit log %q", b)
	}

	// A value that is not on or off refuses the load rather than guess.
	_, stderr, err = run(t, append(env, "VPNSQL_ALLOW_TERMINATE=please"), sqlite3Shell(t), ":memory:", ".load "+ext, "SELECT 1")
	if err == nil || !strings.Contains(stderr, "VPNSQL_ALLOW_TERMINATE") {
		t.Fatalf("bad VPNSQL_ALLOW_TERMINATE: err %v, stderr %q", err, stderr)
	}
}

// TestShellTerminate: the safe path in the shell with terminating on: a dry
// run, the real call, the check. Then a database file made by someone else
// (plain sqlite3, no extension) with a view and a trigger that call the
// functions: opened with the extension loaded and terminating on, SQLite
// refuses both and nothing is sent.
func TestShellTerminate(t *testing.T) {
	fake, ds, env := startFake(t)
	e := contractors(t, ds)
	var c *ec2fake.Connection
	for _, cn := range e.Connections {
		if cn.StatusCode == "active" && cn.Username != "" {
			c = cn
			break
		}
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	env = append(env, "VPNSQL_AUDIT_LOG="+audit, "VPNSQL_ALLOW_TERMINATE=1", "VPNSQL_CACHE_TTL=1h")
	ext := strings.TrimSuffix(extPath, ".so")
	where := fmt.Sprintf("clientVpnEndpointId = '%s' AND connectionId = '%s'", e.ID, c.ConnectionID)
	args := fmt.Sprintf("'%s', '%s', '%s'", e.ID, e.Region, c.ConnectionID)
	stdout, stderr, err := run(t, env, sqlite3Shell(t), ":memory:", ".load "+ext,
		"SELECT status->>'code' FROM client_vpn_connections WHERE "+where,
		"SELECT client_vpn_connections_terminate("+args+", TRUE)->>'wouldSucceed'",
		"SELECT client_vpn_connections_terminate("+args+")->'connectionStatuses'->0->'currentStatus'->>'code'",
		"SELECT status->>'code' FROM client_vpn_connections WHERE "+where)
	if err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, stderr)
	}
	if stdout != "active\n1\nterminating\nterminated\n" {
		t.Fatalf("shell printed %q", stdout)
	}
	var actions []string
	for _, r := range fake.Requests() {
		actions = append(actions, r.Action+" "+r.Params.Get("DryRun"))
	}
	// The dry run checks the permission (DryRun=true) and the target (a
	// describe, never cached).
	wantActions := []string{"DescribeClientVpnConnections ", "TerminateClientVpnConnections true", "DescribeClientVpnConnections ",
		"TerminateClientVpnConnections ", "DescribeClientVpnConnections "}
	if !slices.Equal(actions, wantActions) {
		t.Fatalf("requests %q, want %q", actions, wantActions)
	}
	b, _ := os.ReadFile(audit)
	// Write-ahead: each sent call's intent, then its outcome.
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 4 ||
		!strings.Contains(lines[0], `"outcome":"sending"`) || !strings.Contains(lines[1], `"outcome":"would-succeed"`) ||
		!strings.Contains(lines[2], `"outcome":"sending"`) || !strings.Contains(lines[3], `"outcome":"succeeded"`) {
		t.Fatalf("audit log %q", b)
	}

	// The trap: made without the extension, opened with it.
	fake.ResetLog()
	trap := filepath.Join(t.TempDir(), "shared.db")
	other := ds.Endpoints[0]
	call := fmt.Sprintf("client_vpn_connections_terminate_user('%s', '%s', '%s')", other.ID, other.Region, other.Connections[0].Username)
	if _, stderr, err := run(t, env, sqlite3Shell(t), trap,
		"CREATE VIEW report AS SELECT 'ok' AS status, "+call+" AS detail",
		"CREATE TABLE notes(body TEXT)",
		"CREATE TRIGGER audit_note AFTER INSERT ON notes BEGIN SELECT "+call+"; END"); err != nil {
		t.Fatalf("making the trap: %v\n%s", err, stderr)
	}
	for _, stmt := range []string{"SELECT status FROM report", "INSERT INTO notes VALUES ('hi')"} {
		_, stderr, err := run(t, env, sqlite3Shell(t), trap, ".load "+ext, stmt)
		if err == nil || !strings.Contains(stderr, "unsafe use of client_vpn_connections_terminate_user()") {
			t.Fatalf("%s: err %v, stderr %q, want SQLite's unsafe use error", stmt, err, stderr)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests sent from a view or trigger", n)
	}
	if b2, _ := os.ReadFile(audit); len(b2) != len(b) {
		t.Fatalf("the view or trigger reached the function: audit log now %q", b2)
	}
}

// TestExportedSymbols: the library takes no SQLite symbol from its host
// (it uses only the API table it is handed) and exports only its entry
// points besides the Go runtime's own, since SQLite loads extensions with
// RTLD_GLOBAL.
func TestExportedSymbols(t *testing.T) {
	undefined, _, err := run(t, os.Environ(), "nm", "-D", "--undefined-only", extPath)
	if err != nil {
		t.Fatalf("nm: %v", err)
	}
	if strings.Contains(undefined, "sqlite3_") {
		t.Fatalf("the extension needs SQLite symbols from its host:\n%s", undefined)
	}
	defined, _, err := run(t, os.Environ(), "nm", "-D", "--defined-only", extPath)
	if err != nil {
		t.Fatalf("nm: %v", err)
	}
	var ours []string
	for _, line := range strings.Split(strings.TrimSpace(defined), "\n") {
		fields := strings.Fields(line)
		name := fields[len(fields)-1]
		if strings.HasPrefix(name, "_cgo") || strings.HasPrefix(name, "x_cgo") || strings.Contains(name, "crosscall") || name == "fatalf" {
			continue // the Go runtime's own
		}
		ours = append(ours, name)
	}
	if strings.Join(ours, " ") != "sqlite3_extension_init sqlite3_vpnsql_init" {
		t.Fatalf("exported: %v, want only the two entry points", ours)
	}
}
