package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// TestInterruptInHost: sqlite3_interrupt from another thread (what the
// sqlite3 shell does on Ctrl-C) ends a query whose request hangs (30 s of
// fake latency) within a second, and no further request is sent. statichost
// has SQLite 3.54, where the extension polls sqlite3_is_interrupted.
func TestInterruptInHost(t *testing.T) {
	fake, _, env := startFake(t)
	fake.SetLatency(30 * time.Second)
	host := buildStaticHost(t)
	cmd := exec.Command(host, extPath, "SELECT count(*) FROM client_vpn_connections")
	cmd.Env = append(env, "INTERRUPT_AFTER_MS=300", "VPNSQL_REGION=us-east-1,eu-west-1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	assertInterrupted(t, fake, err, stderr.String(), elapsed)
}

// TestCtrlCInShell: Ctrl-C (SIGINT) in Debian's sqlite3 3.40 shell, which
// predates sqlite3_is_interrupted: the extension takes SIGINT while its scan
// runs (internal/sqlite/sigint.go).
func TestCtrlCInShell(t *testing.T) {
	fake, _, env := startFake(t)
	fake.SetLatency(30 * time.Second)
	cmd := exec.Command(sqlite3Shell(t), ":memory:", ".load "+strings.TrimSuffix(extPath, ".so"),
		"SELECT count(*) FROM client_vpn_connections")
	cmd.Env = append(env, "VPNSQL_REGION=us-east-1,eu-west-1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); fake.MaxInFlight() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the shell's requests never reached the fake")
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	assertInterrupted(t, fake, err, stderr.String(), time.Since(start)+300*time.Millisecond)
}

func assertInterrupted(t *testing.T, fake *ec2fake.Server, err error, stderr string, elapsed time.Duration) {
	t.Helper()
	if err == nil || !strings.Contains(stderr, "interrupt") {
		t.Fatalf("err %v, stderr %q: want the query interrupted", err, stderr)
	}
	if elapsed > 1300*time.Millisecond {
		t.Fatalf("took %v after an interrupt at 300ms", elapsed)
	}
	// The fake logs a request when it answers or is abandoned: let the
	// abandoned ones land, then check that nothing else ever arrives.
	time.Sleep(300 * time.Millisecond)
	sent := len(fake.Requests())
	time.Sleep(300 * time.Millisecond)
	if later := len(fake.Requests()); later != sent || sent > 2 {
		t.Fatalf("requests: %d after the interrupt, %d later; want at most the 2 endpoint listings", sent, later)
	}
}
