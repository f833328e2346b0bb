package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}, "/state/vpnsql/audit.jsonl"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/vpnsql/audit.jsonl"},
		// The XDG spec says relative paths are invalid and must be ignored.
		{map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/u"}, "/home/u/.local/state/vpnsql/audit.jsonl"},
	} {
		got, err := DefaultPath(env(tc.env))
		if err != nil || got != tc.want {
			t.Fatalf("%v: %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
}

// TestAppend: lines of concurrent writers stay whole; the file is private;
// a relative path is fixed at New.
func TestAppend(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	l, err := New(filepath.Join("sub", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // the log stays where it was named
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			rec := Record{Door: "go", Function: "f", EndpointID: "e", Region: "r", Username: strings.Repeat("u", 5000+i), Outcome: Refused}
			if err := l.Append(rec); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	path := filepath.Join(dir, "sub", "audit.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["outcome"] != "refused" || rec["user"] == "" || rec["pid"] == nil {
			t.Fatalf("line %.80q: %v", line, err)
		}
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		st, _ := os.Stat(p)
		if perm := st.Mode().Perm(); perm&0o077 != 0 {
			t.Fatalf("%s has mode %v", p, perm)
		}
	}
}
