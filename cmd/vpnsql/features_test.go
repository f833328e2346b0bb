package main

// Saved queries, CSV round trip through the sqlite3 shell, terminate
// switches and the audit log, warnings and strict mode, the cache and retry
// flags, progress display, and cancellation of discovery.

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // to read back what the sqlite3 shell imported

	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/queries"
)

// startFake serves a fresh copy of the sample data and returns it with the
// flags that point vpnsql at it.
func startFake(t *testing.T, regions string) (*ec2fake.Server, []string) {
	t.Helper()
	now := time.Now()
	srv := ec2fake.New(ec2fake.SampleDataset(now))
	srv.LoadSampleLogs(now) // as --demo does: the connection-log table and control read it
	running, err := ec2fake.Start(srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	return srv, []string{"--endpoint-url", running.URL, "--region", regions}
}

// countActions counts the fake's logged requests per action.
func countActions(srv *ec2fake.Server) map[string]int {
	n := map[string]int{}
	for _, r := range srv.Requests() {
		n[r.Action]++
	}
	return n
}

// auditLines reads the JSON lines of an audit log ("" if it does not exist).
func auditLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		recs = append(recs, m)
	}
	return recs
}

// TestCSVRoundTrip: CSV written by --output-file, imported by the real
// sqlite3 shell (.import --csv), gives back the same columns, rows and
// values: real rows of the contractors endpoint (unicode, quotes, XML
// specials, counters above 2^32, certificate-only NULL usernames) and built
// values with commas, quotes, newlines, CR LF, padding and empty strings.
func TestCSVRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("the sqlite3 shell is not installed")
	}
	e := contractors(t)
	built := [][]string{
		{"built-1", "a,b,c", `say "hi", then 'bye'`, "9223372036854775807"},
		{"built-2", "line one\nline two", "crlf\r\nend", "-1"},
		{"built-3", "zoë ångström 李雷 ☃ 🚀", "  padded  ", "0"},
		{"built-4", "", `"`, "3.5"},
		{"built-5", ",", "\n", "42"},
	}
	sqlText := func(s string) string {
		// Quote for SQL, with newlines and CR spelled as char() so the
		// statement itself stays on one line.
		s = "'" + strings.ReplaceAll(s, "'", "''") + "'"
		s = strings.ReplaceAll(s, "\r", "' || char(13) || '")
		return strings.ReplaceAll(s, "\n", "' || char(10) || '")
	}
	var union strings.Builder
	for _, r := range built {
		fmt.Fprintf(&union, " UNION ALL SELECT %s, %s, %s, %s", sqlText(r[0]), sqlText(r[1]), sqlText(r[2]), r[3])
	}
	query := "SELECT * FROM (SELECT connectionId AS id, username AS name, commonName AS cn, ingressBytes AS n" +
		" FROM client_vpn_connections WHERE " + whereEndpoint(e) + union.String() + ") ORDER BY id"

	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	demo(t, runOpts{}, "--output", "csv", "--output-file", out, query)

	want := [][]string{{"id", "name", "cn", "n"}}
	var rows [][]string
	for _, c := range e.Connections {
		rows = append(rows, []string{c.ConnectionID, c.Username, c.CommonName, strconv.FormatUint(c.IngressBytes, 10)})
	}
	rows = append(rows, built...)
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	want = append(want, rows...)

	db := filepath.Join(dir, "import.db")
	imp := exec.Command("sqlite3", db, ".import --csv "+out+" t")
	imp.Dir = dir
	if msg, err := imp.CombinedOutput(); err != nil || len(msg) > 0 {
		t.Fatalf("sqlite3 .import: %v\n%s", err, msg)
	}
	got := readTable(t, db, "t")
	if !slices.EqualFunc(got, want, slices.Equal) {
		for i := range max(len(got), len(want)) {
			var g, w []string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !slices.Equal(g, w) {
				t.Errorf("row %d: got %q, want %q", i, g, w)
			}
		}
	}
	hasUnicode, hasNull := false, false
	for _, c := range e.Connections {
		hasUnicode = hasUnicode || strings.ContainsAny(c.Username, "ëå李")
		hasNull = hasNull || c.Username == ""
	}
	if !hasUnicode || !hasNull {
		t.Error("the contractors endpoint lost its unicode or certificate-only rows: the test lost edge cases")
	}
}

// readTable returns the column names and then every row of table, as text,
// in rowid order.
func readTable(t *testing.T, path, table string) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{cols}
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestQueriesList: "vpnsql queries" lists every saved query with its title,
// in the chosen format, without touching AWS.
func TestQueriesList(t *testing.T) {
	r := run(t, "queries", "-o", "csv")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	recs := parseCSV(t, r.stdout)
	all := queries.All()
	if len(all) != 17 {
		t.Errorf("%d saved queries, want 17", len(all))
	}
	if len(recs) != len(all)+1 || !slices.Equal(recs[0], []string{"name", "title", "answers", "parameters"}) {
		t.Fatalf("listing:\n%s", r.stdout)
	}
	for i, q := range all {
		if rec := recs[i+1]; rec[0] != q.Name || rec[1] != q.Title || rec[2] != q.Answers {
			t.Errorf("row %d = %q, want %s, %q, %q", i+1, rec, q.Name, q.Title, q.Answers)
		}
	}
	if !slices.ContainsFunc(recs, func(rec []string) bool {
		return rec[0] == "long_sessions" && rec[3] == "hours=24, now=now"
	}) {
		t.Errorf("long_sessions row missing or without its parameters:\n%s", r.stdout)
	}

	// The default format is a table.
	r = run(t, "queries")
	if r.code != 0 || !strings.Contains(r.stdout, "| top_talkers ") || !strings.HasPrefix(r.stdout, "+--") {
		t.Errorf("table listing: exit %d\n%s", r.code, r.stdout)
	}
}

// TestQueriesShow: --show prints the saved query in its file format, which
// parses back to the same query.
func TestQueriesShow(t *testing.T) {
	for _, name := range []string{"long_sessions", "offboarded_sessions"} {
		r := run(t, "queries", name, "--show")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%s --show: exit %d, stderr %q", name, r.code, r.stderr)
		}
		want, err := queries.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := queries.Parse(name, r.stdout)
		if err != nil {
			t.Fatalf("%s --show does not parse back: %v\n%s", name, err, r.stdout)
		}
		if got.Title != want.Title || got.Answers != want.Answers || !slices.Equal(got.Params, want.Params) ||
			strings.TrimSpace(got.SQL) != strings.TrimSpace(want.SQL) {
			t.Errorf("%s --show round trip:\n got %+v\nwant %+v", name, got, want)
		}
	}
}

// TestQueriesRun: a saved query runs with its defaults or --param values.
func TestQueriesRun(t *testing.T) {
	recs := parseCSV(t, demo(t, runOpts{}, "queries", "top_talkers", "--param", "limit=3", "-o", "csv"))
	if len(recs) != 4 || recs[0][0] != "who" {
		t.Errorf("top_talkers limit=3: %q, want a header and 3 rows", recs)
	}
	recs = parseCSV(t, demo(t, runOpts{}, "-o", "csv", "queries", "top_talkers"))
	if len(recs) != 21 {
		t.Errorf("top_talkers with the default limit 20: %d records, want 21", len(recs))
	}
	// Flags before and after, a fixed time, two parameters.
	recs = parseCSV(t, demo(t, runOpts{}, "--no-header", "queries", "long_sessions",
		"--param", "hours=48", "--param", "now=2099-01-01 00:00:00", "-o", "csv"))
	if len(recs) == 0 {
		t.Error("long_sessions hours=48 in 2099: no rows, want every open session")
	}
}

// TestQueriesUsageErrors: an unknown query or parameter, a bad value or a
// misplaced flag is a usage error (exit 2) on one line, saying what would
// be right, and nothing runs.
func TestQueriesUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown query", []string{"queries", "top_talker"}, []string{`no saved query "top_talker"`, "did you mean top_talkers"}},
		{"unknown param", []string{"queries", "top_talkers", "--param", "lim=5"}, []string{"unknown parameter lim", "limit"}},
		{"unknown param of a query with two", []string{"queries", "long_sessions", "--param", "hour=5"}, []string{"hour", "hours, now"}},
		{"bad number", []string{"queries", "top_talkers", "--param", "limit=many"}, []string{"limit", `"many" is not a number`}},
		{"bad time", []string{"queries", "long_sessions", "--param", "now=yesterday"}, []string{"now", "is not a time"}},
		{"param without =", []string{"queries", "top_talkers", "--param", "limit"}, []string{"--param", "NAME=VALUE"}},
		{"param twice", []string{"queries", "top_talkers", "--param", "limit=1", "--param", "limit=2"}, []string{"limit given twice"}},
		{"param without queries", []string{"--param", "limit=1", "SELECT 1"}, []string{"--param goes with a saved query"}},
		{"show without queries", []string{"--show", "SELECT 1"}, []string{"--show goes with a saved query"}},
		{"param without a name", []string{"queries", "--param", "limit=1"}, []string{"need a query name"}},
		{"two names", []string{"queries", "top_talkers", "long_sessions"}, []string{"one saved query at a time"}},
		{"show unknown", []string{"queries", "nope", "--show"}, []string{`no saved query "nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, flags := startFake(t, "us-east-1")
			r := runWith(t, runOpts{env: fakeEnv}, append(flags, tt.args...)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			for _, w := range tt.want {
				checkOneErrorLine(t, r.stderr, w)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests reached the fake, want none", n)
			}
		})
	}
}

// TestOffboardedSessions: the saved query joins the user's own table
// offboarded(username) in the --db file with the live sessions.
func TestOffboardedSessions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hr.db")
	users := []string{"dana.scully", "Fox.Mulder", "nobody.here"}
	r := run(t, "--db", db, "CREATE TABLE offboarded(username TEXT PRIMARY KEY);"+
		"INSERT INTO offboarded VALUES ('"+strings.Join(users, "'), ('")+"')")
	if r.code != 0 {
		t.Fatalf("creating the table: exit %d, stderr %q", r.code, r.stderr)
	}

	recs := parseCSV(t, demo(t, runOpts{}, "queries", "offboarded_sessions", "--db", db, "-o", "csv"))
	if len(recs) < 2 {
		t.Fatalf("no rows:\n%q", recs)
	}
	col := slices.Index(recs[0], "connection_id")
	userCol := slices.Index(recs[0], "username")
	if col < 0 || userCol < 0 {
		t.Fatalf("columns %q lack connection_id or username", recs[0])
	}
	var got []string
	for _, rec := range recs[1:] {
		got = append(got, rec[col])
	}
	var want []string
	for _, e := range sample.Endpoints {
		for _, c := range e.Connections {
			if c.ConnectionEndTime == "-" && slices.ContainsFunc(users, func(u string) bool { return strings.EqualFold(u, c.Username) }) {
				want = append(want, c.ConnectionID)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) < 4 || !slices.Equal(got, want) {
		t.Errorf("sessions of the offboarded users:\n got %q\nwant %q", got, want)
	}
}

// TestTerminateOffByDefault: without --allow-terminate the function fails
// with one line saying how to turn it on, exit 1, nothing is sent, and the
// refusal is audited.
func TestTerminateOffByDefault(t *testing.T) {
	e := contractors(t)
	srv, flags := startFake(t, "us-east-1")
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	c := e.Connections[0]
	r := runWith(t, runOpts{env: append([]string{"VPNSQL_AUDIT_LOG=" + auditLog}, fakeEnv...)}, append(flags,
		fmt.Sprintf("SELECT client_vpn_connections_terminate('%s', '%s', '%s')", e.ID, e.Region, c.ConnectionID))...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkOneErrorLine(t, r.stderr, "terminating connections is turned off; to turn it on, run vpnsql with --allow-terminate")
	if n := countActions(srv)["TerminateClientVpnConnections"]; n != 0 {
		t.Errorf("%d TerminateClientVpnConnections requests, want none", n)
	}
	recs := auditLines(t, auditLog)
	if len(recs) != 1 || recs[0]["door"] != "cli" || recs[0]["outcome"] != "refused" || recs[0]["connectionId"] != c.ConnectionID {
		t.Errorf("audit log %v, want one refused record of door cli", recs)
	}
}

// TestTerminateAllowed: --allow-terminate turns the function on: one
// request, the connection ends, and one line in the --audit-log file (not
// in $VPNSQL_AUDIT_LOG, which the flag overrides).
func TestTerminateAllowed(t *testing.T) {
	e := contractors(t)
	srv, flags := startFake(t, "us-east-1")
	dir := t.TempDir()
	auditLog, envLog := filepath.Join(dir, "flag.jsonl"), filepath.Join(dir, "env.jsonl")
	var c *ec2fake.Connection
	for _, cc := range e.Connections {
		if cc.StatusCode == "active" {
			c = cc
			break
		}
	}
	r := runWith(t, runOpts{env: append([]string{"VPNSQL_AUDIT_LOG=" + envLog}, fakeEnv...)}, append(flags,
		"--allow-terminate", "--audit-log", auditLog, "-o", "csv", "--no-header",
		fmt.Sprintf("SELECT client_vpn_connections_terminate('%s', '%s', '%s') -> 'connectionStatuses' -> 0 -> 'currentStatus' ->> 'code'",
			e.ID, e.Region, c.ConnectionID))...)
	if r.code != 0 || r.stdout != "terminating\n" || r.stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and terminating", r.code, r.stdout, r.stderr)
	}
	var terms []ec2fake.Request
	for _, req := range srv.Requests() {
		if req.Action == "TerminateClientVpnConnections" {
			terms = append(terms, req)
		}
	}
	if len(terms) != 1 || terms[0].Params.Get("ConnectionId") != c.ConnectionID || terms[0].Params.Get("ClientVpnEndpointId") != e.ID {
		t.Errorf("terminate requests %+v, want exactly one for %s", terms, c.ConnectionID)
	}
	if st := srv.Dataset().Endpoint(e.ID); st == nil || !slices.ContainsFunc(st.Connections, func(x *ec2fake.Connection) bool {
		return x.ConnectionID == c.ConnectionID && x.StatusCode == "terminated"
	}) {
		t.Errorf("%s is not terminated in the fake", c.ConnectionID)
	}
	// Write-ahead: the intent, then the outcome.
	recs := auditLines(t, auditLog)
	if len(recs) != 2 || recs[0]["outcome"] != "sending" || recs[1]["door"] != "cli" || recs[1]["outcome"] != "succeeded" ||
		recs[1]["connectionId"] != c.ConnectionID || recs[1]["dryRun"] != false {
		t.Errorf("audit log %v, want an intent and a succeeded record of door cli", recs)
	}
	if _, err := os.Stat(envLog); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("$VPNSQL_AUDIT_LOG was written although --audit-log was given (%v)", err)
	}
}

// TestHelpDryRunExample: the dry-run example of --help runs as printed on
// the sample data, and sends DryRun=true only.
func TestHelpDryRunExample(t *testing.T) {
	help := run(t, "--help").stdout
	m := regexp.MustCompile(`(?s)\n  vpnsql --demo --allow-terminate \\\n    "(.*?)"\n`).FindStringSubmatch(help)
	if m == nil {
		t.Fatal("no --demo --allow-terminate example in --help")
	}
	auditLog := filepath.Join(t.TempDir(), "audit.jsonl")
	out := demo(t, runOpts{env: []string{"VPNSQL_AUDIT_LOG=" + auditLog}}, "--allow-terminate", "-o", "csv", "--no-header", m[1])
	if !strings.Contains(out, `""wouldSucceed"":true`) {
		t.Errorf("dry run printed %q, want wouldSucceed true", out)
	}
	if recs := auditLines(t, auditLog); len(recs) != 2 || recs[0]["outcome"] != "sending" || recs[1]["outcome"] != "would-succeed" || recs[1]["dryRun"] != true {
		t.Errorf("audit log %v, want one would-succeed dry run", recs)
	}
}

// TestWarnings: a region that cannot be listed does not sink the query:
// the other region's rows come back, one warning line per failure goes to
// stderr after the statement that met it, and the exit status is 0.
func TestWarnings(t *testing.T) {
	srv, flags := startFake(t, "us-east-1,eu-west-1")
	srv.SetRegionFault("eu-west-1", "UnauthorizedOperation")
	want := 0
	for _, e := range sample.Endpoints {
		if e.Region == "us-east-1" {
			want += len(e.Connections)
		}
	}
	r := runWith(t, runOpts{env: fakeEnv}, append(flags, "-o", "jsonl",
		"SELECT count(*) AS n FROM client_vpn_connections; SELECT count(*) AS w FROM vpnsql_warnings")...)
	if r.code != 0 {
		t.Errorf("exit %d, want 0", r.code)
	}
	if wantOut := fmt.Sprintf("{\"n\":%d}\n{\"w\":1}\n", want); r.stdout != wantOut {
		t.Errorf("stdout %q, want %q", r.stdout, wantOut)
	}
	line := regexp.MustCompile(`^vpnsql: warning: eu-west-1: DescribeClientVpnEndpoints: UnauthorizedOperation: .+ \(rows from there are missing\)\n$`)
	if !line.MatchString(r.stderr) {
		t.Errorf("stderr %q, want exactly one warning line for eu-west-1", r.stderr)
	}
}

// TestStrict: --strict turns the failing region into the query's error:
// exit 1, one line naming the region, no separate warning.
func TestStrict(t *testing.T) {
	srv, flags := startFake(t, "us-east-1,eu-west-1")
	srv.SetRegionFault("eu-west-1", "UnauthorizedOperation")
	r := runWith(t, runOpts{env: fakeEnv}, append(flags, "--strict", "-o", "csv",
		"SELECT count(*) AS n FROM client_vpn_connections")...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkOneErrorLine(t, r.stderr, "eu-west-1")
	if !strings.Contains(r.stderr, "UnauthorizedOperation") || strings.Contains(r.stderr, "warning") {
		t.Errorf("stderr %q, want the region's error and no warning line", r.stderr)
	}
}

// TestCacheTTLFlag: within one run identical fetches are served from the
// cache by default; --cache-ttl 0 turns it off.
func TestCacheTTLFlag(t *testing.T) {
	e := contractors(t)
	q := fmt.Sprintf("SELECT count(*) FROM client_vpn_connections WHERE %s", whereEndpoint(e))
	both := q + "; " + q
	for _, tt := range []struct {
		flags []string
		calls int
	}{{nil, 1}, {[]string{"--cache-ttl", "0"}, 2}, {[]string{"--cache-ttl", "5m"}, 1}} {
		srv, flags := startFake(t, "us-east-1")
		r := runWith(t, runOpts{env: fakeEnv}, append(append(flags, tt.flags...), "-o", "csv", "--no-header", both)...)
		wantOut := strings.Repeat(strconv.Itoa(len(e.Connections))+"\n", 2)
		if r.code != 0 || r.stdout != wantOut {
			t.Fatalf("%q: exit %d, stdout %q, stderr %q", tt.flags, r.code, r.stdout, r.stderr)
		}
		if n := countActions(srv)["DescribeClientVpnConnections"]; n != tt.calls {
			t.Errorf("%q: %d DescribeClientVpnConnections calls, want %d", tt.flags, n, tt.calls)
		}
	}
}

// TestMaxAttemptsFlag: --max-attempts bounds the tries of a request that
// fails with a retryable error other than throttling.
func TestMaxAttemptsFlag(t *testing.T) {
	e := contractors(t)
	for _, n := range []int{1, 2} {
		srv, flags := startFake(t, "us-east-1")
		srv.SetRegionFault("us-east-1", "InternalError")
		r := runWith(t, runOpts{env: fakeEnv}, append(flags, "--max-attempts", strconv.Itoa(n),
			"SELECT count(*) FROM client_vpn_connections WHERE "+whereEndpoint(e))...)
		if r.code != 1 {
			t.Errorf("--max-attempts %d: exit %d, want 1", n, r.code)
		}
		checkOneErrorLine(t, r.stderr, "InternalError")
		if got := len(srv.Requests()); got != n {
			t.Errorf("--max-attempts %d: %d requests, want %d", n, got, n)
		}
	}
}

// TestStallTimeoutFlag: throttling is retried beyond --max-attempts, until
// --stall-timeout passes with nothing but throttles; then one line says so.
func TestStallTimeoutFlag(t *testing.T) {
	e := contractors(t)
	srv, flags := startFake(t, "us-east-1")
	srv.SetThrottleEvery(1)
	r := runWith(t, runOpts{env: fakeEnv}, append(flags, "--max-attempts", "1", "--stall-timeout", "1s",
		"SELECT count(*) FROM client_vpn_connections WHERE "+whereEndpoint(e))...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkOneErrorLine(t, r.stderr, "RequestLimitExceeded")
	if !strings.Contains(r.stderr, "for 1s") || !strings.Contains(r.stderr, "stall_timeout") {
		t.Errorf("stderr %q does not explain the stall", r.stderr)
	}
	if got := len(srv.Requests()); got < 2 {
		t.Errorf("%d requests: throttling was not retried", got)
	}
}

// TestNoProgressInPipes: a query slow enough for the progress display
// writes nothing to a stderr that is not a terminal.
func TestNoProgressInPipes(t *testing.T) {
	e := contractors(t)
	srv, flags := startFake(t, "us-east-1")
	srv.SetLatency(1500 * time.Millisecond)
	start := time.Now()
	r := runWith(t, runOpts{env: fakeEnv}, append(flags, "-o", "csv", "--no-header",
		"SELECT count(*) FROM client_vpn_connections WHERE "+whereEndpoint(e))...)
	if elapsed := time.Since(start); elapsed < 1500*time.Millisecond {
		t.Fatalf("took %v: the fake was not slow enough for the test to mean anything", elapsed)
	}
	if r.code != 0 || r.stdout != strconv.Itoa(len(e.Connections))+"\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q, want nothing (no progress outside a terminal)", r.stderr)
	}
}

// TestInterruptDiscovery: SIGINT while a discovery query waits on a slow
// region (30 s per answer): exit 130 within a second, and the requests in
// flight are abandoned, no new one sent.
func TestInterruptDiscovery(t *testing.T) {
	srv, flags := slowFake(t)
	interrupt(t, func(*syncBuffer) { waitForRequest(t, srv) }, append(flags, "SELECT * FROM client_vpn_connections")...)
	// vpnsql has exited, so no request can start any more; the fake logs
	// each abandoned one when it notices the closed connection. Every
	// request started was in flight at once (one listing per region, each
	// answered after 30 s), so wait until MaxInFlight of them are logged.
	deadline := time.Now().Add(20 * time.Second)
	for len(srv.Requests()) < srv.MaxInFlight() {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests logged after 20s, %d were in flight", len(srv.Requests()), srv.MaxInFlight())
		}
		time.Sleep(10 * time.Millisecond)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 || len(reqs) > srv.MaxInFlight() {
		t.Errorf("%d requests logged with %d in flight at most; want the in-flight ones only", len(reqs), srv.MaxInFlight())
	}
	for _, r := range reqs {
		if r.Status != 0 || r.Action != "DescribeClientVpnEndpoints" {
			t.Errorf("request %s answered %d; want only abandoned endpoint listings", r.Action, r.Status)
		}
	}
}
