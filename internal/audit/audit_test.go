package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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

// TestWriteAhead: Begin puts the intent on disk before it returns; Commit
// adds the outcome under the same call id.
func TestWriteAhead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, _ := New(path)
	p, err := l.Begin(Record{Function: "f", EndpointID: "e", Region: "r", Outcome: Succeeded})
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, path)
	if len(recs) != 1 || recs[0]["outcome"] != Sending || recs[0]["call"] == "" {
		t.Fatalf("after Begin: %v", recs)
	}
	if err := p.Commit(Record{Function: "f", Outcome: Failed}); err != nil {
		t.Fatal(err)
	}
	recs = readRecords(t, path)
	if len(recs) != 2 || recs[1]["outcome"] != Failed || recs[1]["call"] != recs[0]["call"] {
		t.Fatalf("after Commit: %v", recs)
	}
	// Another call, another id.
	p2, err := l.Begin(Record{Function: "f"})
	if err != nil {
		t.Fatal(err)
	}
	p2.Commit(Record{Function: "f", Outcome: Succeeded})
	if recs = readRecords(t, path); recs[2]["call"] == recs[0]["call"] {
		t.Fatal("two calls share an id")
	}
}

func readRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// TestIntentWriteFails: when the intent cannot be written (the file may not
// grow: RLIMIT_FSIZE stands in for a full disk, and needs no privilege),
// Begin fails, so the caller sends nothing.
func TestIntentWriteFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, _ := New(path)
	limitFileSize(t, 3)
	_, err := l.Begin(Record{Function: "f"})
	if err == nil || !strings.Contains(err.Error(), "file too large") {
		t.Fatalf("Begin with a file that cannot grow: %v", err)
	}
	if err := l.Append(Record{Function: "f", Outcome: Refused}); err == nil {
		t.Fatal("Append with a file that cannot grow succeeded")
	}
}

// limitFileSize sets this process's RLIMIT_FSIZE until the test ends. Go
// ignores SIGXFSZ, so a write past it fails with EFBIG. The test must not
// run in parallel with others that write files.
func limitFileSize(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNotRegularRefused: a named pipe (with or without a reader), a
// device, a directory and a symbolic link are refused at once, never
// waited on, with an error saying what the path is.
func TestNotRegularRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "real.jsonl")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		fifo:        "is a named pipe",
		"/dev/full": "is a device",
		dir:         "is a directory",
		link:        "is a symbolic link (to " + target + "), which vpnsql does not follow",
	}
	check := func() {
		for path, want := range cases {
			l, _ := New(path)
			done := make(chan error, 2)
			go func() {
				_, err := l.Begin(Record{Function: "f"})
				done <- err
				done <- l.Append(Record{Function: "f", Outcome: Refused})
			}()
			for range 2 {
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), path+" "+want) || !strings.Contains(err.Error(), "it must be a regular file") {
						t.Fatalf("%s: %v, want %q", path, err, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s: the audit log blocked", path)
				}
			}
		}
	}
	check()
	// A reader on the pipe: opening for writing would then succeed.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	check()
	if b, _ := os.ReadFile(target); len(b) != 0 {
		t.Fatalf("written through the symbolic link: %s", b)
	}
}
