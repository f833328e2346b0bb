package main

// Untrusted database files in real hosts: Debian's sqlite3 shell (3.40,
// where SQLite's DIRECTONLY misses CHECK constraints) and statichost
// (SQLite 3.54). In both, SQLite also lets CHECK, generated columns and
// indexes call a DIRECTONLY function when the file's schema was read
// before the extension was loaded; vpnsql's own check must hold there.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// hostileSchemas hold SQL that runs when a user reads or writes the file,
// written with coalesce( and rewritten afterwards (see hostileFile). {ARGS}
// and {VALUE} stand for the function's arguments.
var hostileSchemas = []struct{ name, ddl, use string }{
	{"CHECK", "CREATE TABLE t(x TEXT, CHECK (coalesce({ARGS}, x) IS NOT NULL))", "INSERT INTO t(x) VALUES ('{VALUE}')"},
	{"DEFAULT", "CREATE TABLE t(x TEXT, y DEFAULT (coalesce({ARGS}, '{VALUE}')))", "INSERT INTO t(x) VALUES ('{VALUE}')"},
	{"generated column", "CREATE TABLE t(x TEXT, y AS (coalesce({ARGS}, x)))", "INSERT INTO t(x) VALUES ('{VALUE}')"},
	{"stored generated column", "CREATE TABLE t(x TEXT, y AS (coalesce({ARGS}, x)) STORED)", "INSERT INTO t(x) VALUES ('{VALUE}')"},
	{"expression index", "CREATE TABLE t(x TEXT); CREATE INDEX i ON t(coalesce({ARGS}, x))", "INSERT INTO t(x) VALUES ('{VALUE}')"},
	{"partial index", "CREATE TABLE t(x TEXT); CREATE INDEX i ON t(x) WHERE coalesce({ARGS}, x) IS NOT NULL", "INSERT INTO t(x) VALUES ('{VALUE}')"},
	{"view", "CREATE VIEW v AS SELECT coalesce({ARGS}, '{VALUE}') AS y", "SELECT * FROM v"},
	{"trigger", "CREATE TABLE t(x TEXT); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT coalesce({ARGS}, new.x); END", "INSERT INTO t(x) VALUES ('{VALUE}')"},
}

// hostileFile makes, with the plain sqlite3 shell and no extension, a file
// whose schema calls fn(args, value) from ddl: the object is made with
// coalesce(), which SQLite accepts anywhere, and its stored text is then
// rewritten with writable_schema, so that no check ran when it was made.
func hostileFile(t *testing.T, ddl, fn, args, value string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shared.db")
	if _, stderr, err := run(t, os.Environ(), sqlite3Shell(t), path,
		strings.NewReplacer("{ARGS}", args, "{VALUE}", value).Replace(ddl),
		"PRAGMA writable_schema=ON",
		"UPDATE sqlite_master SET sql = replace(sql, 'coalesce(', '"+fn+"(')"); err != nil {
		t.Fatalf("making the file: %v\n%s", err, stderr)
	}
	return path
}

// TestStoredSQLNeverActs: with terminating on, no CHECK, DEFAULT,
// generated column, index, view or trigger of a database file sends a
// terminate or changes a setting, in the 3.40 shell and the 3.54 host,
// with the file's schema read before or after the extension loads. The
// error is one clear line, the fake gets no request, the audit log no
// record, and vpnsql_config('region') is unchanged afterwards.
func TestStoredSQLNeverActs(t *testing.T) {
	fake, ds, env := startFake(t)
	e := contractors(t, ds)
	user := firstActiveUser(t, e)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	env = append(env, "VPNSQL_AUDIT_LOG="+audit, "VPNSQL_ALLOW_TERMINATE=1", "VPNSQL_REGION=us-east-1")
	ext := strings.TrimSuffix(extPath, ".so")
	host := buildStaticHost(t)
	functions := []struct{ fn, args, value string }{
		{"client_vpn_connections_terminate_user", fmt.Sprintf("'%s', '%s'", e.ID, e.Region), user},
		{"vpnsql_config", "'region'", "eu-west-1"},
	}
	for _, tc := range hostileSchemas {
		for _, f := range functions {
			file := hostileFile(t, tc.ddl, f.fn, f.args, f.value)
			use := strings.ReplaceAll(tc.use, "{VALUE}", f.value)
			for _, readFirst := range []bool{false, true} {
				pre := ""
				if readFirst {
					pre = "SELECT count(*) > 0 FROM sqlite_master;"
				}
				name := fmt.Sprintf("%s calling %s, schema read first: %v", tc.name, f.fn, readFirst)
				// The shell reads the script from stdin and goes on
				// after an error, as statichost does.
				script := strings.Join([]string{pre, ".load " + ext, use + ";", "SELECT 'region=' || vpnsql_config('region');"}, "\n")
				stdout, stderr := runScript(t, env, sqlite3Shell(t), file, script)
				checkRefused(t, "sqlite3 3.40: "+name, stdout, stderr)
				hostEnv := append(env, "STATICHOST_DB="+file, "STATICHOST_BEFORE_LOAD="+pre)
				stdout, stderr, _ = run(t, hostEnv, host, extPath, use, "SELECT 'region=' || vpnsql_config('region')")
				checkRefused(t, "statichost 3.54: "+name, stdout, stderr)
			}
		}
	}
	for _, r := range fake.Requests() {
		if r.Action == "TerminateClientVpnConnections" {
			t.Fatalf("a terminate was sent: %v", r.Params)
		}
	}
	if b, err := os.ReadFile(audit); len(b) != 0 || !os.IsNotExist(err) {
		t.Fatalf("the audit log has records (%v): %s", err, b)
	}
}

// checkRefused: the statement failed with a clear error, and the setting
// is unchanged. Where SQLite itself finds the file's schema malformed when
// the extension reads it at load (it knows the functions are unsafe
// there), the load fails and no vpnsql function exists in the session.
func checkRefused(t *testing.T, name, stdout, stderr string) {
	t.Helper()
	clear := false
	for _, why := range []string{"refused: ", "unsafe use of ", "malformed database schema"} {
		clear = clear || strings.Contains(stderr, why)
	}
	if !clear {
		t.Fatalf("%s: error %q", name, stderr)
	}
	if strings.Contains(stderr, "refused: ") && strings.Count(stderr, "\n") != 1 {
		t.Fatalf("%s: want one error line, got %q", name, stderr)
	}
	if strings.Contains(stderr, "initialization") {
		return
	}
	if !strings.Contains(stdout, "region=us-east-1\n") {
		t.Fatalf("%s: the region changed: stdout %q, stderr %q", name, stdout, stderr)
	}
}

// runScript feeds script to the sqlite3 shell on stdin.
func runScript(t *testing.T, env []string, shell, db, script string) (string, string) {
	t.Helper()
	cmd := exec.Command(shell, db)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(script + "\n")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // the shell's exit status after a script error varies
	return stdout.String(), stderr.String()
}

func firstActiveUser(t *testing.T, e *ec2fake.Endpoint) string {
	t.Helper()
	for _, c := range e.Connections {
		if c.StatusCode == "active" && c.Username != "" {
			return c.Username
		}
	}
	t.Fatal("no active connection with a username")
	return ""
}

// TestShellLiveTableNotShadowed: a table or view of the opened file, or of
// one attached later, named like a live table, is not served in its
// place; .tables shows both.
func TestShellLiveTableNotShadowed(t *testing.T) {
	fake, ds, env := startFake(t)
	e := contractors(t, ds)
	forged := filepath.Join(t.TempDir(), "forged.db")
	if _, stderr, err := run(t, os.Environ(), sqlite3Shell(t), forged,
		"CREATE TABLE client_vpn_connections(clientVpnEndpointId TEXT, connectionId TEXT, username TEXT)",
		fmt.Sprintf("INSERT INTO client_vpn_connections VALUES ('%s', 'cvpn-connection-0000000000000000f', 'forged')", e.ID),
		"CREATE VIEW client_vpn_endpoints AS SELECT 'forged' AS clientVpnEndpointId"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	ext := strings.TrimSuffix(extPath, ".so")
	count := fmt.Sprintf("SELECT count(*), sum(username = 'forged') FROM client_vpn_connections WHERE clientVpnEndpointId = '%s'", e.ID)
	want := fmt.Sprintf("%d|0\n", len(e.Connections))
	for _, args := range [][]string{
		{forged, ".load " + ext, count},
		{":memory:", ".load " + ext, "ATTACH '" + forged + "' AS aux", count},
		{forged, ".load " + ext, ".tables"},
	} {
		stdout, stderr, err := run(t, env, sqlite3Shell(t), args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		if args[len(args)-1] == ".tables" {
			for _, name := range []string{"client_vpn_connections", "client_vpn_endpoints", "temp.client_vpn_connections", "temp.client_vpn_endpoints", "temp.vpnsql_warnings"} {
				if !strings.Contains(" "+strings.Join(strings.Fields(stdout), " ")+" ", " "+name+" ") {
					t.Fatalf(".tables shows %q, without %s", stdout, name)
				}
			}
			continue
		}
		if stdout != want {
			t.Fatalf("%v printed %q, want the %d live rows: %q", args, stdout, len(e.Connections), want)
		}
	}
	if n := len(fake.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2 (one per count)", n)
	}
	// Endpoints, through the shell's host of 3.54 too.
	stdout, stderr, err := run(t, append(env, "STATICHOST_DB="+forged), buildStaticHost(t), extPath,
		fmt.Sprintf("SELECT count(*) FROM client_vpn_endpoints WHERE clientVpnEndpointId = '%s'", e.ID))
	if err != nil || !strings.HasSuffix(stdout, "\n1\n") {
		t.Fatalf("statichost: %q %q %v", stdout, stderr, err)
	}
}

// TestShellInnocuousTables: with PRAGMA trusted_schema=OFF, a view stored
// in the user's file over a live table keeps working.
func TestShellInnocuousTables(t *testing.T) {
	_, ds, env := startFake(t)
	e := contractors(t, ds)
	file := filepath.Join(t.TempDir(), "mine.db")
	ext := strings.TrimSuffix(extPath, ".so")
	stdout, stderr, err := run(t, env, sqlite3Shell(t), file, ".load "+ext,
		fmt.Sprintf("CREATE VIEW contractors AS SELECT connectionId FROM client_vpn_connections WHERE clientVpnEndpointId = '%s'", e.ID),
		"PRAGMA trusted_schema=OFF",
		"SELECT count(*) FROM contractors")
	if err != nil || stdout != fmt.Sprintf("%d\n", len(e.Connections)) {
		t.Fatalf("view with trusted_schema=OFF: %q %q %v", stdout, stderr, err)
	}
}
