package main

// These tests build the real binary once and run it as a subprocess,
// against the built-in --demo data or an ec2fake started by the test.

import (
	"bytes"
	"context"
	"encoding/csv"
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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// binary is the vpnsql executable under test, built by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := filepath.Abs("tmp")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "vpnsql")
		args := []string{"build", "-o", binary}
		if raceEnabled {
			args = append(args, "-race") // catch races in the command too
		}
		build := exec.Command("go", append(args, ".")...)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building vpnsql:", err)
			return 1
		}
		return m.Run()
	}())
}

// sample is the --demo dataset; ids do not depend on the time.
var sample = ec2fake.SampleDataset(time.Now())

// endpoint returns the sample endpoint with the given description.
func endpoint(t *testing.T, desc string) *ec2fake.Endpoint {
	t.Helper()
	for _, e := range sample.Endpoints {
		if e.Description == desc {
			if len(e.Connections) == 0 {
				t.Fatalf("sample endpoint %q has no connections", desc)
			}
			return e
		}
	}
	t.Fatalf("no sample endpoint %q", desc)
	return nil
}

// contractors has the sample's edge cases: counters above 2^32, NULL
// usernames, quotes and non-ASCII text.
func contractors(t *testing.T) *ec2fake.Endpoint {
	return endpoint(t, ec2fake.SampleContractorEndpoint)
}

// whereEndpoint is the WHERE clause that selects e's connections.
func whereEndpoint(e *ec2fake.Endpoint) string {
	return fmt.Sprintf("clientVpnEndpointId = '%s' AND region = '%s'", e.ID, e.Region)
}

type result struct {
	stdout, stderr string
	code           int
}

type runOpts struct {
	stdin string
	env   []string // added to the clean environment
	dir   string
}

// cleanEnv keeps the subprocess away from the developer's AWS setup and
// history file.
func cleanEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	// A race-enabled binary sleeps a second before exiting unless told not
	// to; a race report still fails the test (exit status 66, stderr).
	gorace := "atexit_sleep_ms=0"
	if v := os.Getenv("GORACE"); v != "" {
		gorace = v
	}
	env = append(env, "GORACE="+gorace)
	return append(env, extra...)
}

func runWith(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv(t, o.env...)
	cmd.Dir = o.dir
	cmd.Stdin = strings.NewReader(o.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running vpnsql %q: %v", args, err)
	}
	return r
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	return runWith(t, runOpts{}, args...)
}

var demoLine = regexp.MustCompile(`^vpnsql: demo mode: built-in sample data served on 127\.0\.0\.1:[0-9]+, no AWS account used[^\n]*\n$`)

// demo runs vpnsql --demo and requires success with only the demo line on
// stderr.
func demo(t *testing.T, o runOpts, args ...string) string {
	t.Helper()
	r := runWith(t, o, append([]string{"--demo"}, args...)...)
	if r.code != 0 || !demoLine.MatchString(r.stderr) {
		t.Fatalf("vpnsql --demo %q: exit %d, stderr %q; want 0 and only the demo line", args, r.code, r.stderr)
	}
	return r.stdout
}

func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rd := csv.NewReader(strings.NewReader(s))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	return recs
}

func TestCSVRows(t *testing.T) {
	e := contractors(t)
	out := demo(t, runOpts{}, "-o", "csv",
		"SELECT connectionId, username, ingressBytes, status->>'code' FROM client_vpn_connections WHERE "+
			whereEndpoint(e)+" ORDER BY connectionId")

	want := [][]string{{"connectionId", "username", "ingressBytes", "status->>'code'"}}
	conns := slices.Clone(e.Connections)
	slices.SortFunc(conns, func(a, b *ec2fake.Connection) int { return strings.Compare(a.ConnectionID, b.ConnectionID) })
	for _, c := range conns {
		want = append(want, []string{c.ConnectionID, c.Username, strconv.FormatUint(c.IngressBytes, 10), c.StatusCode})
	}
	if got := parseCSV(t, out); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("csv rows:\n got %q\nwant %q", got, want)
	}
}

func TestCSVNoHeader(t *testing.T) {
	out := demo(t, runOpts{}, "-o", "csv", "--no-header", "SELECT 1 AS a, 'x' AS b")
	if out != "1,x\n" {
		t.Errorf("got %q, want %q", out, "1,x\n")
	}
}

func TestJSONIntegersAreNumbers(t *testing.T) {
	e := contractors(t)
	out := demo(t, runOpts{}, "-o", "json",
		"SELECT connectionId, ingressBytes, egressPackets, username FROM client_vpn_connections WHERE "+whereEndpoint(e))

	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	if len(rows) != len(e.Connections) {
		t.Fatalf("got %d rows, want %d", len(rows), len(e.Connections))
	}
	byID := map[string]*ec2fake.Connection{}
	for _, c := range e.Connections {
		byID[c.ConnectionID] = c
	}
	big := false
	for _, row := range rows {
		c := byID[row["connectionId"].(string)]
		if c == nil {
			t.Fatalf("unknown connection %v", row["connectionId"])
		}
		n, ok := row["ingressBytes"].(json.Number)
		if !ok {
			t.Fatalf("ingressBytes = %#v (%T), want a JSON number", row["ingressBytes"], row["ingressBytes"])
		}
		if n.String() != strconv.FormatUint(c.IngressBytes, 10) {
			t.Errorf("%s: ingressBytes = %s, want %d", c.ConnectionID, n, c.IngressBytes)
		}
		if _, ok := row["egressPackets"].(json.Number); !ok {
			t.Errorf("egressPackets = %#v, want a JSON number", row["egressPackets"])
		}
		if c.Username == "" && row["username"] != nil {
			t.Errorf("%s: username = %#v, want null", c.ConnectionID, row["username"])
		}
		big = big || c.IngressBytes > 1<<32
	}
	if !big {
		t.Error("no counter above 2^32 in the sample: the test lost its edge case")
	}
}

func TestJSONLines(t *testing.T) {
	out := demo(t, runOpts{}, "-o", "jsonl", "SELECT 1 AS n, 'a' AS s UNION ALL SELECT 2, NULL")
	if want := "{\"n\":1,\"s\":\"a\"}\n{\"n\":2,\"s\":null}\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestDefaultTable: table is the default format, and when stdout is not a
// terminal nothing but the table is written.
func TestDefaultTable(t *testing.T) {
	r := run(t, "SELECT 1 AS a, 'x' AS b")
	want := "+---+---+\n| a | b |\n+---+---+\n| 1 | x |\n+---+---+\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0, %q, nothing", r.code, r.stdout, r.stderr, want)
	}
}

// slowFake starts an ec2fake on the sample data whose answers take 30s.
func slowFake(t *testing.T) (*ec2fake.Server, []string) {
	t.Helper()
	srv := ec2fake.New(ec2fake.SampleDataset(time.Now()))
	srv.SetLatency(30 * time.Second)
	running, err := ec2fake.Start(srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	return srv, []string{"--endpoint-url", running.URL, "--region", "us-east-1"}
}

// fakeEnv are dummy credentials for a fake started by a test.
var fakeEnv = []string{"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test-secret"}

// TestErrors: each failure is one line "vpnsql: …" on stderr, nothing on
// stdout, and the documented exit status.
func TestErrors(t *testing.T) {
	fake, err := ec2fake.Start(ec2fake.New(ec2fake.SampleDataset(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	viaFake := []string{"--endpoint-url", fake.URL, "--region", "us-east-1"}
	tmp := t.TempDir()

	tests := []struct {
		name string
		args []string
		code int
		want string // in the message
	}{
		{"syntax error", []string{"SELEC 1"}, 1, `near "SELEC": syntax error`},
		{"no such table", []string{"SELECT * FROM nope"}, 1, "no such table: nope"},
		{"error in a later statement", []string{"CREATE TEMP TABLE t(x); SELECT * FROM nope"}, 1, "no such table: nope"},
		{"unknown flag", []string{"--bogus", "SELECT 1"}, 2, "unknown flag: --bogus"},
		{"unknown shorthand", []string{"-z", "SELECT 1"}, 2, "unknown shorthand flag: 'z'"},
		{"missing flag value", []string{"SELECT 1", "--output"}, 2, "flag needs an argument"},
		{"missing file", []string{"no-such-file.sql"}, 2, "cannot read no-such-file.sql: no such file or directory"},
		{"directory as file", []string{tmp + "/dir.sql"}, 2, "dir.sql"},
		{"unknown format", []string{"-o", "xml", "SELECT 1"}, 2, `unknown output format "xml"`},
		{"negative timeout", []string{"--timeout", "-1s", "SELECT 1"}, 2, "--timeout"},
		{"bad timeout", []string{"--timeout", "soon", "SELECT 1"}, 2, "--timeout"},
		{"zero concurrency", []string{"--concurrency", "0", "SELECT 1"}, 2, "--concurrency"},
		{"bad endpoint url", []string{"--endpoint-url", "localhost:1234", "SELECT 1"}, 2, "--endpoint-url"},
		{"demo with endpoint url", []string{"--demo", "--endpoint-url", "http://127.0.0.1:1", "SELECT 1"}, 2, "--demo and --endpoint-url"},
		{"db in missing directory", []string{"--db", tmp + "/no/such/dir/x.db", "SELECT 1"}, 2, "--db"},
		{"db not a database", []string{"--db", tmp + "/not.db", "SELECT 1"}, 2, "file is not a database"},
		{"demo with a bad db", []string{"--demo", "--db", tmp + "/not.db", "SELECT 1"}, 2, "file is not a database"},
		{"output file in missing directory", []string{"--output-file", tmp + "/no/such/out.csv", "SELECT 1"}, 2, "--output-file"},
		{
			"unknown endpoint",
			append(viaFake, "SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId='cvpn-endpoint-00000000000000000'"),
			1, "InvalidClientVpnEndpointId.NotFound",
		},
		{
			"multi-line message folded",
			[]string{"CREATE TABLE t(x); CREATE TRIGGER tr BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'line one\nline two'); END; INSERT INTO t VALUES (1)"},
			1, "line one line two",
		},
	}
	if err := os.Mkdir(tmp+"/dir.sql", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp+"/not.db", bytes.Repeat([]byte("not a database\n"), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, runOpts{env: fakeEnv}, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit status %d, want %d (stderr %q)", r.code, tt.code, r.stderr)
			}
			checkOneErrorLine(t, r.stderr, tt.want)
			if r.stdout != "" { // not even the header of an empty table
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

func checkOneErrorLine(t *testing.T, stderr, want string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "vpnsql: ") {
		t.Errorf("stderr %q, want one line starting with \"vpnsql: \"", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not contain %q", stderr, want)
	}
}

// TestStopsAtFirstError: later statements do not run, earlier output stays.
func TestStopsAtFirstError(t *testing.T) {
	r := run(t, "-o", "csv", "SELECT 1 AS a; SELECT * FROM nope; SELECT 3 AS c")
	if r.code != 1 || r.stdout != "a\n1\n" {
		t.Errorf("exit %d, stdout %q; want 1 and %q", r.code, r.stdout, "a\n1\n")
	}
}

func TestSeveralStatementsInOneArgument(t *testing.T) {
	e := contractors(t)
	out := demo(t, runOpts{}, "-o", "jsonl", `
		CREATE TEMP TABLE seen(id TEXT);
		INSERT INTO seen SELECT connectionId FROM client_vpn_connections WHERE `+whereEndpoint(e)+`;
		SELECT count(*) AS n FROM seen;
		SELECT 'a;b' AS "x;y"; -- a comment; with a semicolon
		SELECT 2 AS two`)
	want := fmt.Sprintf("{\"n\":%d}\n{\"x;y\":\"a;b\"}\n{\"two\":2}\n", len(e.Connections))
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestTempTableAcrossArguments: all arguments share one connection.
func TestTempTableAcrossArguments(t *testing.T) {
	r := run(t, "-o", "csv", "CREATE TEMP TABLE t AS SELECT 41 AS x", "SELECT x + 1 AS y FROM t")
	if r.code != 0 || r.stdout != "y\n42\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, "y\n42\n")
	}
}

func TestSQLFile(t *testing.T) {
	e := contractors(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "audit.sql")
	script := "-- who is on the contractors' endpoint\n" +
		"CREATE TEMP TABLE log(id TEXT);\n" +
		"CREATE TEMP TABLE conns(id TEXT, user TEXT);\n" +
		"CREATE TEMP TRIGGER keep AFTER INSERT ON conns BEGIN\n" +
		"  INSERT INTO log VALUES (new.id);\n" +
		"  UPDATE conns SET user = coalesce(new.user, '(none)') WHERE id = new.id;\n" +
		"END;\n" +
		"INSERT INTO conns SELECT connectionId, username FROM client_vpn_connections\n" +
		" WHERE " + whereEndpoint(e) + ";\n" +
		"/* totals */\n" +
		"SELECT (SELECT count(*) FROM log) AS logged, (SELECT count(*) FROM conns WHERE user IS NULL) AS nulls\n"
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out := demo(t, runOpts{}, "-o", "csv", file)
	if want := fmt.Sprintf("logged,nulls\n%d,0\n", len(e.Connections)); out != want {
		t.Errorf("got %q, want %q", out, want)
	}

	// A relative name, and an error reported with file and line.
	bad := filepath.Join(dir, "bad.sql")
	if err := os.WriteFile(bad, []byte("SELECT 1;\n\nSELECT *\n  FROM nope;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runWith(t, runOpts{dir: dir}, "-o", "csv", "bad.sql")
	if r.code != 1 || r.stdout != "1\n1\n" {
		t.Errorf("exit %d, stdout %q; want 1 and %q", r.code, r.stdout, "1\n1\n")
	}
	checkOneErrorLine(t, r.stderr, "vpnsql: bad.sql:3: no such table: nope")
}

func TestStdin(t *testing.T) {
	e := contractors(t)
	sql := "SELECT count(*) AS n\n  FROM client_vpn_connections\n WHERE " + whereEndpoint(e) + ";\n" +
		"SELECT 'no final semicolon' AS s"
	out := demo(t, runOpts{stdin: sql}, "-o", "jsonl")
	if want := fmt.Sprintf("{\"n\":%d}\n{\"s\":\"no final semicolon\"}\n", len(e.Connections)); out != want {
		t.Errorf("got %q, want %q", out, want)
	}

	// "-" reads stdin among other arguments; errors name stdin's line.
	r := runWith(t, runOpts{stdin: "SELECT 2 AS a;\n\nSELEC 3;\n"}, "-o", "csv", "SELECT 1 AS a", "-")
	if r.code != 1 || r.stdout != "a\n1\n2\n" {
		t.Errorf("exit %d, stdout %q; want 1 and %q", r.code, r.stdout, "a\n1\n2\n")
	}
	checkOneErrorLine(t, r.stderr, `vpnsql: stdin:3: near "SELEC": syntax error`)
}

// TestDBFile: a table created by one run is there for the next, and joins
// with live data.
func TestDBFile(t *testing.T) {
	e := contractors(t)
	db := filepath.Join(t.TempDir(), "audit #1?.db") // '#' and '?' are not URI syntax here
	demo(t, runOpts{}, "--db", db,
		"CREATE TABLE snapshot AS SELECT connectionId, username FROM client_vpn_connections WHERE "+whereEndpoint(e))

	r := run(t, "--db", db, "-o", "csv", "SELECT count(*) AS n FROM snapshot")
	if want := fmt.Sprintf("n\n%d\n", len(e.Connections)); r.code != 0 || r.stdout != want {
		t.Errorf("second run: exit %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, want)
	}

	out := demo(t, runOpts{}, "--db", db, "-o", "csv", `
		SELECT count(*) AS matched
		  FROM snapshot s
		  JOIN client_vpn_connections c
		    ON c.clientVpnEndpointId = '`+e.ID+`' AND c.region = '`+e.Region+`'
		   AND c.connectionId = s.connectionId`)
	if want := fmt.Sprintf("matched\n%d\n", len(e.Connections)); out != want {
		t.Errorf("join: got %q, want %q", out, want)
	}
}

func TestOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	r := run(t, "-o", "csv", "--output-file", path, "SELECT 1 AS a")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\n1\n" {
		t.Errorf("file holds %q (%v), want %q", b, err, "a\n1\n")
	}

	// A usage error leaves the previous results alone.
	r = run(t, "-o", "csv", "--output-file", path, "--db", t.TempDir(), "SELECT 2 AS b")
	if r.code != 2 {
		t.Errorf("--db naming a directory: exit %d, want 2", r.code)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\n1\n" {
		t.Errorf("after a usage error the file holds %q (%v), want %q", b, err, "a\n1\n")
	}
}

// TestRegionFlag: --region sets the regions a query covers when it names
// none.
func TestRegionFlag(t *testing.T) {
	e := endpoint(t, ec2fake.SampleNoLoggingEndpoint) // eu-west-1
	out := demo(t, runOpts{}, "-o", "csv", "--region", "eu-west-1",
		"SELECT DISTINCT region FROM client_vpn_connections WHERE clientVpnEndpointId = '"+e.ID+"'")
	if out != "region\neu-west-1\n" {
		t.Errorf("got %q", out)
	}
}

func TestHelpAndVersion(t *testing.T) {
	r := run(t, "--help")
	for _, want := range []string{"Usage:", "--output", "--db", "--demo", "Pushdown", "Examples:", "Exit status"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	if r.code != 0 || r.stderr != "" {
		t.Errorf("--help: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "--version")
	if r.code != 0 || !regexp.MustCompile(`^vpnsql \S+ \(SQLite 3\.\d+\.\d+, go\S+\)\n$`).MatchString(r.stdout) {
		t.Errorf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestHelpDemoExamples: the --demo examples in --help work as printed.
func TestHelpDemoExamples(t *testing.T) {
	help := run(t, "--help").stdout
	examples := regexp.MustCompile(`(?s)\n  vpnsql --demo "(.*?)"\n`).FindAllStringSubmatch(help, -1)
	if len(examples) < 2 {
		t.Fatalf("found %d --demo examples with SQL in --help, want at least 2", len(examples))
	}
	for _, ex := range examples {
		recs := parseCSV(t, demo(t, runOpts{}, "-o", "csv", ex[1]))
		if len(recs) < 2 {
			t.Errorf("example %q: %d CSV records, want a header and rows", ex[1], len(recs))
		}
	}
}

// TestInterrupt: SIGINT cancels the running query, or the wait for input
// on stdin; vpnsql says so and exits 130 at once, without waiting for AWS.
func TestInterrupt(t *testing.T) {
	srv, flags := slowFake(t)
	e := contractors(t)
	t.Run("during a query", func(t *testing.T) {
		interrupt(t, func(*syncBuffer) { waitForRequest(t, srv) }, append(flags,
			"SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = '"+e.ID+"'")...)
	})
	t.Run("waiting for stdin", func(t *testing.T) {
		// The first argument's rows are out: the next input, stdin, is
		// being read (signals are handled from before the first statement).
		interrupt(t, func(out *syncBuffer) { out.waitFor(t, "a\n1\n") }, "-o", "csv", "SELECT 1 AS a", "-")
	})
}

// syncBuffer is a bytes.Buffer that a test may read while a process
// writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the buffer holds want.
func (s *syncBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q after 20s, want %q", s.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// interrupt starts vpnsql with args and a stdin that never ends, waits for
// ready (given the output so far), sends SIGINT and checks the outcome.
func interrupt(t *testing.T, ready func(stdout *syncBuffer), args ...string) {
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv(t, fakeEnv...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready(&stdout)

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	elapsed := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit: %v, want status 130", err)
	}
	if stderr.String() != "vpnsql: interrupted\n" {
		t.Errorf("stderr %q, want \"vpnsql: interrupted\"", stderr.String())
	}
	if strings.Contains(stdout.String(), "cvpn-") {
		t.Errorf("stdout %q, want no rows", stdout.String())
	}
	if elapsed > time.Second {
		t.Errorf("took %v to stop after SIGINT, want within 1s", elapsed)
	}
}

// waitForRequest waits until the fake has a request in hand.
func waitForRequest(t *testing.T, srv *ec2fake.Server) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for srv.MaxInFlight() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the fake")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTimeout(t *testing.T) {
	_, flags := slowFake(t)
	e := contractors(t)
	start := time.Now()
	r := runWith(t, runOpts{env: fakeEnv}, append(flags, "--timeout", "500ms",
		"SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = '"+e.ID+"'")...)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %v with --timeout 500ms", elapsed)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkOneErrorLine(t, r.stderr, "--timeout 500ms reached")
}
