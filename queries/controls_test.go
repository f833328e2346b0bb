package queries

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// The controls issue 12 asks for, by id.
var requiredControls = []string{
	"connection_logging", "authorize_all", "session_timeout", "disconnect_on_timeout",
	"client_connect_handler", "login_banner", "user_identity", "long_sessions", "failed_logins",
}

func TestEveryControlParses(t *testing.T) {
	names, err := filepath.Glob("controls/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	all := Controls()
	if len(all) != len(names) {
		t.Fatalf("Controls() = %d, want %d (one per file)", len(all), len(names))
	}
	for _, c := range all {
		if c.Title == "" || c.Answers == "" || c.Fix == "" || len(c.Tags) == 0 || !slices.Contains(Severities, c.Severity) {
			t.Errorf("%s: incomplete header %+v", c.Name, c)
		}
		if strings.ContainsAny(c.Fix, "\n") || !strings.Contains(strings.ToUpper(c.SQL), "ORDER BY") {
			t.Errorf("%s: fix must be one line, SQL must ORDER BY", c.Name)
		}
		if strings.Contains(c.SQL, "'now'") || strings.Contains(c.SQL, "CURRENT_TIMESTAMP") {
			t.Errorf("%s: time arithmetic must go through :now", c.Name)
		}
	}
	for _, id := range requiredControls {
		if _, err := SelectControls([]string{id}, nil); err != nil {
			t.Error(err)
		}
	}
	got := map[string]string{}
	for _, c := range all {
		got[c.Name] = c.MapsTo
	}
	if !strings.Contains(got["connection_logging"], "EC2.51") || !strings.Contains(got["authorize_all"], "ec2-client-vpn-not-authorize-all") {
		t.Errorf("maps_to: %v", got)
	}
}

func TestSelectControls(t *testing.T) {
	ids := func(cs []Control) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	cs, err := SelectControls([]string{"login_banner"}, []string{"identity"})
	if err != nil || !slices.Equal(ids(cs), []string{"failed_logins", "login_banner", "user_identity"}) {
		t.Fatalf("%v %v", ids(cs), err)
	}
	for _, tc := range []struct {
		ids, tags []string
		want      string
	}{
		{[]string{"login_baner"}, nil, `no control "login_baner"; did you mean login_banner? the controls are authorize_all, `},
		{[]string{"xyzzy"}, nil, "the controls are authorize_all, client_connect_handler,"},
		{nil, []string{"nope"}, `no control has the tag "nope"; the tags are access, aws,`},
	} {
		if _, err := SelectControls(tc.ids, tc.tags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want %q", tc.ids, tc.tags, err, tc.want)
		}
	}
}

func TestParseControlRejects(t *testing.T) {
	const head = "-- title: t\n-- answers: a\n"
	const body = "\nSELECT 1 ORDER BY 1;\n"
	const ok = "-- id: x\n-- severity: low\n-- fix: f\n-- tags: a\n"
	if _, err := ParseControl("x", head+ok+body); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"no id", head + "-- severity: low\n-- fix: f\n-- tags: a\n" + body, `missing "-- id: "`},
		{"id differs", head + strings.Replace(ok, "id: x", "id: y", 1) + body, "differs from the file name"},
		{"severity", head + strings.Replace(ok, "low", "urgent", 1) + body, "use one of low, medium, high, critical"},
		{"twice", head + ok + "-- fix: g\n" + body, "fix given twice"},
		{"before answers", "-- title: t\n-- id: x\n-- answers: a\n" + body, "goes after answers"},
		{"after param", head + "-- param: n = 1  (h)\n" + ok + "\nSELECT :n ORDER BY 1;", "goes after answers"},
		{"bad tag", head + strings.Replace(ok, "tags: a", "tags: A b", 1) + body, "tags \"A b\""},
		{"unknown key", head + ok + "-- owner: me\n" + body, `header lines are "-- title: …", "-- answers: …", "-- id: …"`},
	} {
		if _, err := ParseControl("x", tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A saved query does not take the control keys.
	if _, err := Parse("x", head+ok+body); err == nil || !strings.Contains(err.Error(), "header lines are") {
		t.Errorf("query with control keys: %v", err)
	}
}

// TestControlsGolden runs every control on the sample data: the columns
// are ControlColumns, statuses are valid, every control finds both a
// resource that passes and one that alarms, and the rows match
// testdata/controls/ID.golden.
func TestControlsGolden(t *testing.T) {
	ds := ec2fake.SampleDataset(goldenNow)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: ds.Regions}})
	env.Fake.LoadSampleLogs(goldenNow) // for failed_logins
	for _, c := range Controls() {
		t.Run(c.Name, func(t *testing.T) {
			for _, table := range c.Needs {
				if !hasTable(t, env.DB, table) {
					t.Skipf("needs %s, which this build lacks", table)
				}
			}
			got, statuses := runControl(t, env.DB, c, nil)
			if !slices.Contains(statuses, "ok") || !slices.Contains(statuses, "alarm") {
				t.Errorf("statuses %v: the sample must give every control an ok and an alarm", statuses)
			}
			file := filepath.Join("testdata", "controls", c.Name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./queries -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (go test ./queries -update rewrites it):\n%s", file, firstDiff(want, got))
			}
		})
	}

	// Parameters change the verdicts.
	for _, tc := range []struct {
		id      string
		set     map[string]string
		want    []string // the distinct statuses, sorted
		without string   // a status that must be gone
	}{
		{"session_timeout", map[string]string{"max_hours": "24"}, []string{"ok"}, "alarm"},
		{"client_connect_handler", map[string]string{"advisory": "1"}, []string{"info", "ok"}, "alarm"},
		{"long_sessions", map[string]string{"hours": "1000"}, []string{"ok"}, "alarm"},
	} {
		cs, err := SelectControls([]string{tc.id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, statuses := runControl(t, env.DB, cs[0], tc.set)
		if !slices.Equal(statuses, tc.want) {
			t.Errorf("%s %v: statuses %v, want %v", tc.id, tc.set, statuses, tc.want)
		}
	}
}

// runControl runs c with its :now at goldenNow and returns the CSV
// rendering and the distinct statuses, sorted.
func runControl(t *testing.T, db *sql.DB, c Control, set map[string]string) ([]byte, []string) {
	t.Helper()
	own := map[string]string{}
	for k, v := range set {
		own[k] = v
	}
	if slices.ContainsFunc(c.Params, func(p Param) bool { return p.Name == "now" }) {
		own["now"] = goldenNow.Format(time.DateTime)
	}
	args, err := c.Args(own)
	if err != nil {
		t.Fatal(err)
	}
	got, n, err := runCSV(db, c.SQL, args)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if lines[0] != strings.Join(ControlColumns, ",") || n == 0 {
		t.Fatalf("%s: header %q, %d rows; want columns %v and rows", c.Name, lines[0], n, ControlColumns)
	}
	rows, err := db.Query("SELECT DISTINCT status FROM ("+strings.TrimSuffix(c.SQL, ";")+") ORDER BY 1", args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var statuses []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ControlStatuses, s) {
			t.Errorf("%s: status %q", c.Name, s)
		}
		statuses = append(statuses, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got, statuses
}

func hasTable(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pragma_module_list WHERE name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}
