package main

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/queries"
)

// summaryLine is the check's last line on stderr.
var summaryLine = regexp.MustCompile(`(?m)^vpnsql: check: (\d+) controls?, (\d+) results: (\d+) ok, (\d+) alarm, (\d+) error, (\d+) info, (\d+) skip$`)

// checkRows runs vpnsql check with -o csv and returns its rows (without
// the header) and the run.
func checkRows(t *testing.T, o runOpts, args ...string) ([][]string, result) {
	t.Helper()
	r := runWith(t, o, append(args, "-o", "csv")...)
	recs := parseCSV(t, r.stdout)
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"control", "title", "severity", "accountId", "region", "resource", "status", "reason"}) {
		t.Fatalf("exit %d, stderr %q, header %v", r.code, r.stderr, recs)
	}
	return recs[1:], r
}

func countStatus(rows [][]string, status string) int {
	n := 0
	for _, r := range rows {
		if r[6] == status {
			n++
		}
	}
	return n
}

// TestCheckAlarmsExit3: the demo data breaks some controls: exit 3, every
// control has rows, the summary line counts them.
func TestCheckAlarmsExit3(t *testing.T) {
	rows, r := checkRows(t, runOpts{}, "--demo", "check")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3; stderr %q", r.code, r.stderr)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		seen[row[0]] = true
	}
	for _, c := range queries.Controls() {
		if !seen[c.Name] {
			t.Errorf("no rows of control %s", c.Name)
		}
	}
	m := summaryLine.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("stderr %q has no summary line", r.stderr)
	}
	if want := []string{itoa(len(queries.Controls())), itoa(len(rows)), itoa(countStatus(rows, "ok")),
		itoa(countStatus(rows, "alarm")), "0"}; !slices.Equal(m[1:6], want) {
		t.Errorf("summary %q, want counts %v", m[0], want)
	}
	// The control without its table in this build is skipped, not failed.
	if countStatus(rows, "error") != 0 {
		t.Errorf("error rows: %v", rows)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCheckCleanExit0: nothing alarms: exit 0, and --param moves a limit.
func TestCheckCleanExit0(t *testing.T) {
	rows, r := checkRows(t, runOpts{}, "--demo", "check", "--control", "session_timeout")
	if r.code != 3 || countStatus(rows, "alarm") == 0 {
		t.Fatalf("default max_hours: exit %d, rows %v", r.code, rows)
	}
	rows, r = checkRows(t, runOpts{}, "--demo", "check", "--control", "session_timeout", "--param", "session_timeout.max_hours=24")
	if r.code != 0 || countStatus(rows, "ok") != len(rows) || len(rows) != len(sample.Endpoints) {
		t.Fatalf("max_hours=24: exit %d, stderr %q, rows %v", r.code, r.stderr, rows)
	}
	// --tag selects by tag; the handler control's advisory mode reports info.
	rows, r = checkRows(t, runOpts{}, "--demo", "check", "--tag", "posture", "--param", "client_connect_handler.advisory=1")
	if r.code != 0 || countStatus(rows, "info") == 0 || countStatus(rows, "alarm") != 0 {
		t.Fatalf("advisory: exit %d, rows %v", r.code, rows)
	}
}

// TestCheckOrganization: with the demo's organization in scope, every
// control row names the account of the endpoint it judges, and each
// account's endpoints are judged (the controls read the tables' hidden
// accountId); an account that cannot be read is an error row naming it.
func TestCheckOrganization(t *testing.T) {
	org := ec2fake.SampleOrganization(time.Now())
	want := map[string]int{}
	for _, e := range org.Endpoints {
		want[cmp.Or(e.Account, ec2fake.SampleManagementAccount)]++
	}
	rows, r := checkRows(t, runOpts{}, "--demo", "--org-role", "OrganizationAccountAccessRole", "check", "--control", "session_timeout")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3; stderr %q", r.code, r.stderr)
	}
	got := map[string]int{}
	for _, row := range rows {
		got[row[3]]++
	}
	if !maps.Equal(got, want) {
		t.Errorf("rows per accountId %v, want %v", got, want)
	}

	// A role the members refuse: one error row per unread account, naming it.
	rows, r = checkRows(t, runOpts{}, "--demo", "--org-role", "AuditRole", "check", "--control", "session_timeout")
	var unread []string
	for _, row := range rows {
		if row[6] == "error" {
			unread = append(unread, row[3])
		}
	}
	slices.Sort(unread)
	if r.code != 1 || !slices.Equal(unread, []string{ec2fake.SampleProductionAccount, ec2fake.SampleAcquiredAccount}) {
		t.Errorf("exit %d, error rows for accounts %v, want 1 and the production and acquired accounts", r.code, unread)
	}
}

// TestCheckErrorExit1: a region that denies access gives error rows naming
// it in every control that reads it; the other regions are still checked
// by every control, and the exit status is 1.
func TestCheckErrorExit1(t *testing.T) {
	srv, flags := startFake(t, "us-east-1,eu-west-1")
	srv.SetRegionFault("eu-west-1", "UnauthorizedOperation")
	rows, r := checkRows(t, runOpts{env: fakeEnv}, append(flags, "check")...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	errorsBy, usEast := map[string]int{}, map[string]int{}
	for _, row := range rows {
		switch {
		case row[6] == "error":
			if row[4] != "eu-west-1" || !strings.Contains(row[7], "UnauthorizedOperation") {
				t.Errorf("error row %v, want eu-west-1's UnauthorizedOperation", row)
			}
			errorsBy[row[0]]++
		case row[4] == "us-east-1":
			usEast[row[0]]++
		}
	}
	for _, c := range queries.Controls() {
		if len(c.Needs) > 0 {
			continue
		}
		if errorsBy[c.Name] != 1 || usEast[c.Name] == 0 {
			t.Errorf("control %s: %d error rows, %d us-east-1 rows; want 1 and some", c.Name, errorsBy[c.Name], usEast[c.Name])
		}
	}
	if m := summaryLine.FindStringSubmatch(r.stderr); m == nil || m[5] == "0" {
		t.Errorf("stderr %q: want a summary with errors", r.stderr)
	}
}

// TestCheckUsageExit2: bad input never runs a control.
func TestCheckUsageExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--control", "no_such"}, "no control \"no_such\"; the controls are authorize_all, client_connect_handler,"},
		{[]string{"check", "--control", "login_baner"}, "did you mean login_banner?"},
		{[]string{"check", "--tag", "nope"}, "no control has the tag \"nope\"; the tags are access, aws,"},
		{[]string{"check", "--param", "session_timeout.max_hours=twelve"}, `control session_timeout: parameter max_hours: "twelve" is not a number`},
		{[]string{"check", "--param", "session_timeout.max_hour=8"}, "unknown parameter max_hour; its parameters are max_hours"},
		{[]string{"check", "--param", "max_hours=8"}, "want CONTROL.PARAM=VALUE"},
		{[]string{"check", "--param", "nope.x=8"}, "--param nope.x: no control \"nope\""},
		{[]string{"check", "extra"}, "unexpected argument"},
		{[]string{"--control", "login_banner", "SELECT 1"}, "--control goes with check"},
		{[]string{"-o", "junit", "SELECT 1"}, "unknown output format \"junit\""},
	} {
		r := runWith(t, runOpts{}, append([]string{"--demo"}, tc.args...)...)
		if r.code != 2 || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q; want 2 and nothing", tc.args, r.code, r.stdout)
		}
		checkOneErrorLine(t, r.stderr, tc.want)
	}
}

// TestCheckJUnit: -o junit is JUnit XML with one test case per row of the
// same check, and failures exactly where the rows alarm.
func TestCheckJUnit(t *testing.T) {
	// One dataset and a fixed clock for both runs, so the reasons (which
	// say how long sessions are up) agree.
	_, flags := startFake(t, strings.Join(sample.Regions, ","))
	flags = append(flags, "check", "--param", "long_sessions.now="+time.Now().UTC().Format(time.DateTime))
	rows, _ := checkRows(t, runOpts{env: fakeEnv}, flags...)
	r := runWith(t, runOpts{env: fakeEnv}, append(flags, "-o", "junit")...)
	if r.code != 3 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	type problem struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Classname string   `xml:"classname,attr"`
				Name      string   `xml:"name,attr"`
				Failure   *problem `xml:"failure"`
				Error     *problem `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not XML: %v\n%.500s", err, r.stdout)
	}
	var cases, failures []string
	for _, s := range doc.Suites {
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s: tests=%d for %d cases", s.Name, s.Tests, len(s.Cases))
		}
		for _, c := range s.Cases {
			id := s.Name + " " + c.Name
			cases = append(cases, id)
			if c.Failure != nil {
				failures = append(failures, id+" "+c.Failure.Message)
			}
		}
	}
	var wantCases, wantFailures []string
	for _, row := range rows {
		name := strings.TrimSpace(row[4] + " " + row[5])
		if name == "" {
			name = row[0] // a row about the whole control (skipped, failed)
		}
		id := row[0] + " " + name
		wantCases = append(wantCases, id)
		if row[6] == "alarm" {
			wantFailures = append(wantFailures, id+" "+row[7])
		}
	}
	slices.Sort(cases)
	slices.Sort(wantCases)
	slices.Sort(failures)
	slices.Sort(wantFailures)
	if !slices.Equal(cases, wantCases) || doc.Tests != len(rows) {
		t.Errorf("%d test cases (tests=%d), want one per row: %d", len(cases), doc.Tests, len(wantCases))
	}
	if !slices.Equal(failures, wantFailures) || doc.Failures != len(wantFailures) || len(failures) == 0 {
		t.Errorf("failures %v (failures=%d),\nwant %v", failures, doc.Failures, wantFailures)
	}
}

// TestCheckJSONHasControl: every format carries the control id and title.
func TestCheckJSONHasControl(t *testing.T) {
	r := runWith(t, runOpts{}, "--demo", "check", "--control", "login_banner", "-o", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != 3 || len(rows) != len(sample.Endpoints) {
		t.Fatalf("exit %d, %v, %s", r.code, err, r.stdout)
	}
	for _, row := range rows {
		if row["control"] != "login_banner" || row["title"] != "A login banner is shown" || row["resource"] == nil {
			t.Errorf("row %v", row)
		}
	}
}

// TestPromptCheck: .check runs controls at the prompt in its output mode,
// with the summary after the rows; bad input is one error line.
func TestPromptCheck(t *testing.T) {
	s := startPrompt(t, nil, "--demo", "-o", "csv")
	s.waitPrompt(1)
	s.typeLine(".check --control login_banner --tag access session_timeout.max_hours=24")
	s.waitFor(regexp.MustCompile(`(?m)^control,title,severity,accountId,region,resource,status,reason\n(authorize_all,[^\n]+\n){7}(login_banner,[^\n]+\n){7}vpnsql: check: 2 controls, 14 results: 7 ok, 7 alarm, 0 error, 0 info, 0 skip\nvpnsql>\s*\z`), 20*time.Second)
	s.typeLine(".check --control nope")
	s.waitFor(regexp.MustCompile(`(?m)^vpnsql: \.check: no control "nope"; the controls are authorize_all, .*\nvpnsql>\s*\z`), 10*time.Second)
	s.keys("C-d")
	if st := s.exitStatus(); st != "0" {
		t.Errorf("exit status %s after Ctrl-D, want 0", st)
	}
}
