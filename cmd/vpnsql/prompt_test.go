package main

// The interactive prompt, driven through a real pseudo-terminal: tmux runs
// vpnsql in a detached session, the test types with send-keys and reads the
// screen with capture-pane.

import (
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

type tmuxSession struct {
	t      *testing.T
	sock   string
	status string // vpnsql's exit status is written here when it ends
	env    []string
}

// startPrompt runs vpnsql with args in a 160x50 tmux pane.
func startPrompt(t *testing.T, env []string, args ...string) *tmuxSession {
	t.Helper()
	return startPane(t, 160, 50, env, args...)
}

// startPane runs vpnsql with args in a tmux pane of the given size.
func startPane(t *testing.T, width, height int, env []string, args ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	s := &tmuxSession{
		t:      t,
		sock:   filepath.Join(dir, "tmux.sock"),
		status: filepath.Join(dir, "status"),
		// tmux itself gets a minimal environment: no $TMUX, no user config.
		env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SHELL=/bin/sh", "TERM=xterm"},
	}
	// History and the audit log go to a temporary state directory unless
	// env says otherwise (env -i applies its assignments in order).
	cmdline := []string{"env", "-i", "TERM=screen", "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state")}
	cmdline = append(cmdline, env...)
	cmdline = append(cmdline, binary)
	cmdline = append(cmdline, args...)
	for i, a := range cmdline {
		cmdline[i] = shellQuote(a)
	}
	// Ctrl-C in cooked mode signals the pane's whole process group: the
	// shell must survive it (a trap, not an ignore, which vpnsql would
	// inherit). The pane stays open after vpnsql exits so its last screen
	// can be read.
	script := "trap : INT; " + strings.Join(cmdline, " ") + "; echo $? > " + shellQuote(s.status) + "; sleep 600"
	s.run("-f", "/dev/null", "new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), script)
	t.Cleanup(func() { _ = s.cmd("kill-server").Run() })
	return s
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (s *tmuxSession) cmd(args ...string) *exec.Cmd {
	c := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...)
	c.Env = s.env
	return c
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := s.cmd(args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// typeLine types text (ASCII; sent as hex so tmux does not read ';' as a
// command separator) and presses Enter.
func (s *tmuxSession) typeLine(text string) {
	s.t.Helper()
	s.typeText(text)
	s.keys("Enter")
}

func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	if text == "" {
		return
	}
	args := []string{"send-keys", "-H"}
	for _, b := range []byte(text) {
		args = append(args, hex.EncodeToString([]byte{b}))
	}
	s.run(args...)
}

// keys sends tmux key names such as "C-c" or "Enter".
func (s *tmuxSession) keys(names ...string) {
	s.t.Helper()
	s.run(append([]string{"send-keys"}, names...)...)
}

// screen is the pane's whole content, scrollback included, without the
// blank lines below the cursor.
func (s *tmuxSession) screen() string {
	s.t.Helper()
	return strings.TrimRight(s.run("capture-pane", "-p", "-J", "-S", "-"), " \n")
}

// waitFor waits until the screen matches re and returns the screen.
func (s *tmuxSession) waitFor(re *regexp.Regexp, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		scr := s.screen()
		if re.MatchString(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen does not match %s after %v:\n%s", re, timeout, scr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPrompt waits until the screen ends with the n-th primary prompt.
func (s *tmuxSession) waitPrompt(n int) string {
	s.t.Helper()
	return s.waitFor(regexp.MustCompile(`(?s)(vpnsql>.*){`+strconv.Itoa(n)+`}\z`), 20*time.Second)
}

// exitStatus waits for vpnsql to end and returns its exit status.
func (s *tmuxSession) exitStatus() string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(s.status); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("vpnsql did not exit; screen:\n%s", s.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPromptSession(t *testing.T) {
	e := contractors(t)
	state := t.TempDir()
	s := startPrompt(t, []string{"HOME=" + t.TempDir(), "XDG_STATE_HOME=" + state}, "--demo")
	s.waitFor(regexp.MustCompile(`demo mode: built-in sample data`), 20*time.Second)
	s.waitPrompt(1)

	// A statement over two lines: continuation prompt, then a table.
	s.typeLine("SELECT 1 AS a,")
	s.waitFor(regexp.MustCompile(`(?m)^   \.\.\.>\s*\z`), 10*time.Second)
	s.typeLine("  'x' AS b;")
	s.waitFor(regexp.MustCompile(`(?m)^\| 1 \| x \|$`), 10*time.Second)
	s.waitPrompt(2)

	// .mode csv, and a query of the AWS table over three lines.
	s.typeLine(".mode csv")
	s.waitPrompt(3)
	s.typeLine("SELECT count(*) AS n")
	s.typeLine("  FROM client_vpn_connections")
	s.typeLine(" WHERE " + whereEndpoint(e) + ";")
	s.waitFor(regexp.MustCompile(`(?m)^n\n`+strconv.Itoa(len(e.Connections))+`\nvpnsql>`), 20*time.Second)

	// .tables lists the eponymous virtual tables and the user's tables.
	s.typeLine("CREATE TEMP TABLE notes(x);")
	s.waitPrompt(5)
	s.typeLine(".tables")
	s.waitFor(regexp.MustCompile(`(?m)\.tables\n(client_vpn_\w+\n)*client_vpn_connections\n(client_vpn_\w+\n)*temp\.notes\n(vpnsql_\w+\n)*vpnsql_warnings\nvpnsql>`), 10*time.Second)

	// .schema shows the virtual table's columns, hidden ones marked, and
	// what each holds.
	s.typeLine(".schema client_vpn_connections")
	s.waitFor(regexp.MustCompile(`(?m)^  clientIp TEXT,  -- address the endpoint assigned .*\n(?s:.*)^  region TEXT HIDDEN,  -- AWS Region .*\n  accountId TEXT HIDDEN  -- AWS account .*\n\);\nvpnsql>`), 10*time.Second)

	// .output sends results to a file until .output stdout.
	outFile := filepath.Join(t.TempDir(), "out.csv")
	s.typeLine(".output " + outFile)
	s.typeLine("SELECT 'to the file' AS f;")
	s.typeLine(".output stdout")
	s.waitPrompt(10)
	if b, err := os.ReadFile(outFile); err != nil || string(b) != "f\nto the file\n" {
		t.Errorf(".output file holds %q (%v)", b, err)
	}

	// Ctrl-C abandons a half-typed statement; an error leaves one line.
	s.typeText("SELECT 'abandoned',")
	s.keys("Enter")
	s.waitFor(regexp.MustCompile(`(?m)^   \.\.\.>\s*\z`), 10*time.Second)
	s.keys("C-c")
	s.waitPrompt(11)
	s.typeLine("SELECT 3 AS c;")
	s.waitFor(regexp.MustCompile(`(?m)^c\n3\nvpnsql>`), 10*time.Second)
	s.typeLine("SELEC 4;")
	s.waitFor(regexp.MustCompile(`(?m)^vpnsql: near "SELEC": syntax error\nvpnsql>\s*\z`), 10*time.Second)

	// Ctrl-D at an empty prompt leaves with status 0.
	s.keys("C-d")
	if st := s.exitStatus(); st != "0" {
		t.Errorf("exit status %s after Ctrl-D, want 0", st)
	}

	// The two-line statement is one history entry.
	hist, err := os.ReadFile(filepath.Join(state, "vpnsql", "history"))
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if !strings.Contains(string(hist), "SELECT 1 AS a, 'x' AS b;\n") || strings.Contains(string(hist), "abandoned") {
		t.Errorf("history file:\n%s", hist)
	}
}

// TestPromptCtrlC: Ctrl-C during a slow query cancels it and returns to the
// prompt within a second, on the same connection (temp tables survive).
func TestPromptCtrlC(t *testing.T) {
	srv, flags := slowFake(t)
	e := contractors(t)
	s := startPrompt(t, append([]string{"HOME=" + t.TempDir()}, fakeEnv...), append(flags, "-o", "csv")...)
	s.waitPrompt(1)
	s.typeLine("CREATE TEMP TABLE keep AS SELECT 7 AS x;")
	s.waitPrompt(2)

	s.typeLine("SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = '" + e.ID + "';")
	waitForRequest(t, srv)
	start := time.Now()
	s.keys("C-c")
	s.waitFor(regexp.MustCompile(`vpnsql: interrupted\nvpnsql>\s*\z`), 5*time.Second)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("back at the prompt %v after Ctrl-C, want within 1s", elapsed)
	}

	s.typeLine("SELECT x FROM keep;")
	s.waitFor(regexp.MustCompile(`(?m)^x\n7\nvpnsql>\s*\z`), 10*time.Second)
	s.keys("C-d")
	if st := s.exitStatus(); st != "0" {
		t.Errorf("exit status %s after Ctrl-D, want 0", st)
	}
}

// TestPromptSavedQueries: .queries lists the saved queries, .run runs one
// with parameters (quoted values may hold spaces), errors leave one line.
func TestPromptSavedQueries(t *testing.T) {
	s := startPrompt(t, nil, "--demo", "-o", "csv")
	s.waitPrompt(1)
	s.typeLine(".queries")
	s.waitFor(regexp.MustCompile(`(?m)^name,title,answers,parameters\nactive_connections,(?s:.*)^top_talkers,Top talkers by bytes,.*,limit=20\n(?s:.*)^user_history,.*\nvpnsql>\s*\z`), 10*time.Second)
	s.typeLine(".run top_talkers limit=2")
	s.waitFor(regexp.MustCompile(`(?m)^who,identity,sessions,.*\n[^\n]+\n[^\n]+\nvpnsql>\s*\z`), 20*time.Second)
	s.typeLine(".run long_sessions hours=1 now='2026-01-01 00:00:00'")
	s.waitFor(regexp.MustCompile(`(?m)^region,endpoint,username,.*\nvpnsql>\s*\z`), 20*time.Second)
	s.typeLine(".run top_talkers lim=2")
	s.waitFor(regexp.MustCompile(`(?m)^vpnsql: \.run: query top_talkers: unknown parameter lim; its parameters are limit\nvpnsql>\s*\z`), 10*time.Second)
	s.typeLine(".run top_talker")
	s.waitFor(regexp.MustCompile(`(?m)^vpnsql: \.run: no saved query "top_talker"; did you mean top_talkers\?.*\nvpnsql>\s*\z`), 10*time.Second)
	s.keys("C-d")
	if st := s.exitStatus(); st != "0" {
		t.Errorf("exit status %s after Ctrl-D, want 0", st)
	}
}

// TestProgressOnTerminal: with stderr a terminal, a query that has been
// fetching for over a second shows endpoints and rows on stderr; the
// display is gone once the query ends, leaving only the results.
func TestProgressOnTerminal(t *testing.T) {
	e := contractors(t)
	srv, flags := slowFake(t)
	srv.SetLatency(3 * time.Second)
	s := startPrompt(t, fakeEnv, append(flags, "-o", "csv",
		"SELECT count(*) AS n FROM client_vpn_connections WHERE clientVpnEndpointId = '"+e.ID+"'")...)
	start := time.Now()
	progress := regexp.MustCompile(`vpnsql: 0/1 endpoints read, 0 rows, [12]s +0% \[\.+\]`)
	s.waitFor(progress, 10*time.Second)
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("progress appeared after %v, want it to wait about a second", elapsed)
	}
	if st := s.exitStatus(); st != "0" {
		t.Errorf("exit status %s, want 0", st)
	}
	scr := s.screen()
	if want := "n\n" + strconv.Itoa(len(e.Connections)); scr != want {
		t.Errorf("final screen %q, want only the result %q (the progress line erased)", scr, want)
	}
}

// TestPromptProgress: at the prompt, progress shows during a slow
// statement and is erased before the results and the next prompt.
func TestPromptProgress(t *testing.T) {
	e := contractors(t)
	srv, flags := slowFake(t)
	srv.SetLatency(2 * time.Second)
	s := startPrompt(t, fakeEnv, append(flags, "-o", "csv")...)
	s.waitPrompt(1)
	s.typeLine("SELECT count(*) AS n FROM client_vpn_connections WHERE clientVpnEndpointId = '" + e.ID + "';")
	s.waitFor(regexp.MustCompile(`endpoints read, 0 rows`), 10*time.Second)
	scr := s.waitFor(regexp.MustCompile(`(?m)^n\n`+strconv.Itoa(len(e.Connections))+`\nvpnsql>\s*\z`), 20*time.Second)
	if strings.Contains(scr, "endpoints read") {
		t.Errorf("progress left on screen:\n%s", scr)
	}
	s.keys("C-d")
	if st := s.exitStatus(); st != "0" {
		t.Errorf("exit status %s after Ctrl-D, want 0", st)
	}
}
