package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// JSON columns come out as JSON in -o json, and several statements make
// one JSON document (issue 9, item 18).
func TestJSONOutput(t *testing.T) {
	e := contractors(t)
	out := demo(t, runOpts{}, "-o", "JSON", // format names in any case
		"SELECT connectionId, status, postureComplianceStatusSet, status->>'code' AS code FROM client_vpn_connections WHERE "+
			whereEndpoint(e)+" ORDER BY connectionId LIMIT 2; SELECT 1 AS one")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("%d objects, want 3:\n%s", len(rows), out)
	}
	status, ok := rows[0]["status"].(map[string]any)
	if !ok || status["code"] == nil {
		t.Errorf("status is %#v, want an object", rows[0]["status"])
	}
	if _, ok := rows[0]["postureComplianceStatusSet"].([]any); !ok {
		t.Errorf("postureComplianceStatusSet is %#v, want an array", rows[0]["postureComplianceStatusSet"])
	}
	if _, ok := rows[0]["code"].(string); !ok {
		t.Errorf("code is %#v, want a string", rows[0]["code"])
	}
	if rows[2]["one"] != 1.0 {
		t.Errorf("second statement's row: %#v", rows[2])
	}
}

// NULL and ” differ, blobs are hex, --no-header covers tables.
func TestTextValues(t *testing.T) {
	r := run(t, "-o", "line", "SELECT NULL AS n, '' AS e, x'00ff' AS b")
	if want := "n = NULL\ne = \nb = x'00ff'\n"; r.stdout != want {
		t.Errorf("line: got %q, want %q", r.stdout, want)
	}
	r = run(t, "--no-header", "SELECT NULL AS n, '' AS e")
	if want := "+------+--+\n| NULL |  |\n+------+--+\n"; r.stdout != want {
		t.Errorf("table --no-header: got %q, want %q", r.stdout, want)
	}
}

// A failed run leaves --output-file as it was (issue 9, item 18).
func TestOutputFileKeptOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	r := run(t, "-o", "csv", "--output-file", path, "SELECT 1 AS a; SELECT * FROM nope")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("after a failed query the file holds %q, want the old content", b)
	}
	r = run(t, "-o", "csv", "--output-file", path, "SELECT 1 AS a")
	if b, _ := os.ReadFile(path); r.code != 0 || string(b) != "a\n1\n" {
		t.Errorf("exit %d, file %q", r.code, b)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v (%v), want the replaced file's 0640", fi.Mode(), err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestVersionNotDev(t *testing.T) {
	r := run(t, "--version")
	if strings.Contains(r.stdout, "vpnsql dev ") {
		t.Errorf("--version: %q", r.stdout)
	}
}
