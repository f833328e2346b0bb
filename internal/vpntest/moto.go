package vpntest

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// StartMoto runs moto's server, an independent AWS emulator, on a free
// loopback port and returns its URL; the test ends it. When moto is not
// installed the test is skipped with a message naming what the cross-check
// (what) would have covered, rather than failing.
func StartMoto(t testing.TB, what string) string {
	t.Helper()
	if err := exec.Command("python3", "-c", "import moto.server").Run(); err != nil {
		t.Skipf("moto is not installed (pip install 'moto[server]'): skipping the cross-check of %s against it", what)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto did not answer on %s within 60s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond) // polling for the process to listen, not waiting for a result
	}
}
