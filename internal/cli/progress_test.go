package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

// viewOnFile is a progress display drawing into a file instead of a
// terminal, after 10ms instead of a second.
func viewOnFile(t *testing.T) (*progressView, func() string) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	v := newProgressView(f, &clientvpn.Progress{})
	v.delay = 10 * time.Millisecond
	return v, func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// waitLooks waits until the display has looked at the progress n times.
func waitLooks(t *testing.T, v *progressView, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for v.looks.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the display looked %d times in 20s, want %d", v.looks.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestProgressDrawsAndErases(t *testing.T) {
	v, read := viewOnFile(t)
	v.begin(true)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(read(), "vpnsql: listing endpoints, 0 rows") {
		if time.Now().After(deadline) {
			t.Fatalf("nothing drawn: %q", read())
		}
		time.Sleep(5 * time.Millisecond)
	}
	v.end()
	if out := read(); !strings.HasSuffix(out, "\033[2K\r") {
		t.Errorf("display not erased at the end: %q", out)
	}
	v.end() // a second end is harmless
}

// TestProgressQuietForLocalSQL: a statement that names no vpnsql table
// and finds no endpoint draws nothing, however long it runs.
func TestProgressQuietForLocalSQL(t *testing.T) {
	v, read := viewOnFile(t)
	v.begin(false)
	waitLooks(t, v, 3)
	v.end()
	if out := read(); out != "" {
		t.Errorf("drew %q for local SQL", out)
	}
}

func TestProgressFastStatementDrawsNothing(t *testing.T) {
	v, read := viewOnFile(t)
	v.delay = time.Hour
	v.begin(true)
	v.end()
	if out := read(); out != "" {
		t.Errorf("drew %q for a fast statement", out)
	}
}

// TestProgressGuard: results written to the terminal erase the display
// first, and it is not drawn over a partial line of results.
func TestProgressGuard(t *testing.T) {
	v, read := viewOnFile(t)
	var out strings.Builder
	g := v.guard(&out)
	v.begin(true)
	waitDrawn := func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			v.mu.Lock()
			shown := v.shown
			v.mu.Unlock()
			if shown {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("not drawn")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitDrawn()
	before := len(read())
	if _, err := g.Write([]byte("row 1\nrow")); err != nil {
		t.Fatal(err)
	}
	if erased := read()[before:]; erased != "\033[2K\r" {
		t.Errorf("before the write, stderr got %q, want the erase sequence", erased)
	}
	waitLooks(t, v, v.looks.Load()+2)
	v.mu.Lock()
	shown := v.shown
	v.mu.Unlock()
	if shown {
		t.Error("drawn over a partial line of results")
	}
	if _, err := g.Write([]byte(" 2\n")); err != nil {
		t.Fatal(err)
	}
	waitDrawn()
	v.end()
	if out.String() != "row 1\nrow 2\n" {
		t.Errorf("results %q", out.String())
	}
	var nilView *progressView
	if w := nilView.guard(&out); w != &out {
		t.Error("a nil view must not wrap the writer")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 100000: "100,000", -5: "-5"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestReportedIn(t *testing.T) {
	w := clientvpn.Warning{Region: "eu-west-1", Code: "UnauthorizedOperation", Message: "no"}
	if !reportedIn(errors.New("DescribeClientVpnEndpoints in eu-west-1: UnauthorizedOperation: no"), w) {
		t.Error("an error naming the region and code does not report the warning")
	}
	if reportedIn(errors.New("no such table: x"), w) {
		t.Error("an unrelated error reports the warning")
	}
}
