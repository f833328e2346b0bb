package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Tab completes dot commands, saved query names, tables, columns and
// functions; a recalled multi-line statement comes back whole; .describe
// and .schema temp.t work; .exit N exits N (issue 9, item 17).
func TestPromptCompletionHistoryExit(t *testing.T) {
	s := startPrompt(t, nil, "--demo", "-o", "csv")
	s.waitPrompt(1)

	s.typeText(".ru")
	s.keys("Tab")
	s.typeText("top_tal")
	s.keys("Tab")
	s.waitFor(regexp.MustCompile(`vpnsql> \.run top_talkers\s*\z`), 10*time.Second)
	s.keys("C-u")
	s.typeText("SELECT count(DIST")
	s.keys("Tab")
	s.typeText("username) AS n FROM client_vpn_conn")
	s.keys("Tab") // the common prefix of client_vpn_connection_log, client_vpn_connections, …
	s.typeText("s WHERE clientVpnEndpointId = '" + contractors(t).ID + "' AND usern")
	s.keys("Tab")
	s.waitFor(regexp.MustCompile(`vpnsql> SELECT count\(DISTINCT username\) AS n FROM client_vpn_connections WHERE clientVpnEndpointId = '\S+' AND username\s*\z`), 10*time.Second)
	s.keys("C-u")
	s.typeText("SELECT vpnsql_con")
	s.keys("Tab")
	s.waitFor(regexp.MustCompile(`vpnsql> SELECT vpnsql_config`), 10*time.Second)
	s.keys("C-u")

	// A statement over two lines with a -- comment, recalled with Up.
	s.typeLine("SELECT 40 + -- the answer")
	s.typeLine("  2 AS answer;")
	s.waitFor(regexp.MustCompile(`(?m)^answer\n42\nvpnsql>\s*\z`), 10*time.Second)
	s.keys("Up", "Enter")
	s.waitFor(regexp.MustCompile(`(?m)^answer\n42\n(?s:.*)^answer\n42\nvpnsql>\s*\z`), 10*time.Second)

	s.typeLine("CREATE TEMP TABLE t(a INTEGER, b TEXT);")
	s.typeLine(".schema temp.t")
	s.waitFor(regexp.MustCompile(`(?m)^CREATE TABLE t\(a INTEGER, b TEXT\);\nvpnsql>\s*\z`), 10*time.Second)
	s.typeLine(".describe client_vpn_connections")
	s.waitFor(regexp.MustCompile(`(?m)^column,type,hidden,description\nconnectionId,TEXT,0,ID of the client connection .*\n(?s:.*)^region,TEXT,1,AWS Region`), 10*time.Second)
	s.typeLine(".exit 3")
	if st := s.exitStatus(); st != "3" {
		t.Errorf("exit status %s after .exit 3, want 3", st)
	}
}

// Dot commands work in scripts on standard input and in files, as in
// sqlite3; .exit N ends the script with status N (issue 9, item 17).
func TestScriptDotCommands(t *testing.T) {
	r := runWith(t, runOpts{stdin: ".mode csv\nSELECT 1 AS a;\n.headers off\nSELECT 2 AS a;\n.mode json\nSELECT 3 AS b;\nSELECT 4 AS c;\n.exit 4\nSELECT 5;\n"})
	if want := "a\n1\n2\n[{\"b\":3},\n{\"c\":4}]\n"; r.stdout != want || r.code != 4 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 4 and %q", r.code, r.stdout, r.stderr, want)
	}
	r = runWith(t, runOpts{stdin: "SELECT 1 AS a;\n.bogus\n"}, "-o", "csv")
	if r.code != 1 || !strings.Contains(r.stderr, "vpnsql: stdin:2: unknown command .bogus") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "-- a comment first\nSELECT 1 AS a", "-o", "csv")
	if r.code != 0 || r.stdout != "a\n1\n" {
		t.Errorf("SQL starting with a comment: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// In a real terminal of 80 and 100 columns, tables never split an id,
// number, IP or time: what does not fit is shown as line records, said
// once on stderr (issue 9, item 14).
func TestTableInNarrowTerminal(t *testing.T) {
	e := contractors(t)
	for _, width := range []int{80, 100} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			s := startPane(t, width, 50, nil, "--demo",
				"SELECT connectionId, clientIp, connectionEstablishedTime FROM client_vpn_connections WHERE "+
					whereEndpoint(e)+" ORDER BY connectionId LIMIT 2;"+
					"SELECT * FROM client_vpn_connections WHERE "+whereEndpoint(e)+" ORDER BY connectionId LIMIT 2;"+
					"SELECT * FROM client_vpn_connections WHERE "+whereEndpoint(e)+" ORDER BY connectionId LIMIT 1")
			if st := s.exitStatus(); st != "0" {
				t.Fatalf("exit status %s:\n%s", st, s.screen())
			}
			scr := s.run("capture-pane", "-p", "-S", "-") // not joined: what the terminal shows
			for _, l := range strings.Split(scr, "\n") {
				if len([]rune(l)) > width {
					t.Errorf("line wider than %d: %q", width, l)
				}
			}
			// The narrow query is a table; its ids are whole on one line.
			if !regexp.MustCompile(`(?m)^\| cvpn-connection-[0-9a-f]{17} \| 10\.120\.0\.\d+ +\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\|$`).MatchString(scr) {
				t.Errorf("no intact table row:\n%s", scr)
			}
			// SELECT * does not fit: line records, and one note.
			if n := strings.Count(scr, "vpnsql: note: the table is wider than the terminal"); n != 1 {
				t.Errorf("%d notes, want 1:\n%s", n, scr)
			}
			if !regexp.MustCompile(`(?m)^\s+connectionId = cvpn-connection-[0-9a-f]{17}$`).MatchString(scr) {
				t.Errorf("no line records:\n%s", scr)
			}
		})
	}
}
