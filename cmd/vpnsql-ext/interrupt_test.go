package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestInterruptInHost: sqlite3_interrupt from another thread (what the
// sqlite3 shell does on Ctrl-C) ends a query whose request hangs (30 s of
// fake latency) within a second, and no further request is sent. It runs in
// statichost because Debian's 3.40 shell predates sqlite3_is_interrupted
// (3.41), the only way an extension can see an interrupt while it waits on
// the network; there the query stops when the next page arrives.
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
	if err == nil || !strings.Contains(stderr.String(), "interrupt") {
		t.Fatalf("err %v, stderr %q: want the query interrupted", err, stderr.String())
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
