package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

// Progress display: when a statement has been fetching from AWS for
// progressDelay and standard error is a terminal, a one-line bar on stderr
// shows the endpoints read of those found and the rows fetched so far. It
// is erased when the statement ends, and before any result text is written
// to the same terminal (see guard), so it never mixes with results. It is
// never shown when stderr is not a terminal: the caller does not create a
// progressView then.
const (
	progressDelay = time.Second
	progressTick  = 200 * time.Millisecond
	// progressScale is the bar's maximum: the bar shows endpoints done per
	// mille of those found, never the full scale while the statement runs
	// (the library stops drawing a finished bar).
	progressScale = 1000
)

// progressView draws the progress of one statement at a time on a
// terminal.
type progressView struct {
	term  *os.File // standard error, a terminal
	src   *clientvpn.Progress
	delay time.Duration

	mu          sync.Mutex
	bar         *progressbar.ProgressBar // of the running statement, once drawn
	shown       bool                     // bar is on screen now
	outMidLine  bool                     // results written last ended mid-line
	quit, ended chan struct{}            // of the running statement's ticker
	// looks counts the times the ticker looked at the progress (and drew,
	// or chose not to), so tests can wait for "it looked and drew
	// nothing" instead of sleeping.
	looks atomic.Int64
}

func newProgressView(term *os.File, src *clientvpn.Progress) *progressView {
	return &progressView{term: term, src: src, delay: progressDelay}
}

// begin starts watching a statement. aws says whether its text names a
// vpnsql table or function; otherwise the display waits for the statement
// to find an endpoint (a view over the tables), so slow local SQL shows
// nothing.
func (v *progressView) begin(aws bool) {
	if v == nil {
		return
	}
	done0, total0, rows0 := v.src.Snapshot()
	start := time.Now()
	v.quit, v.ended = make(chan struct{}), make(chan struct{})
	quit, ended := v.quit, v.ended
	go func() {
		defer close(ended)
		select {
		case <-time.After(v.delay):
		case <-quit:
			return
		}
		tick := time.NewTicker(progressTick)
		defer tick.Stop()
		for {
			done, total, rows := v.src.Snapshot()
			done, total, rows = done-done0, total-total0, rows-rows0
			if aws || total > 0 {
				v.draw(done, total, rows, time.Since(start))
			}
			v.looks.Add(1)
			select {
			case <-tick.C:
			case <-quit:
				return
			}
		}
	}()
}

// end stops watching the statement and erases the display.
func (v *progressView) end() {
	if v == nil || v.quit == nil {
		return
	}
	close(v.quit)
	<-v.ended
	v.quit, v.ended = nil, nil
	v.mu.Lock()
	v.eraseLocked()
	v.bar = nil
	v.mu.Unlock()
}

func (v *progressView) draw(done, total, rows int64, elapsed time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.outMidLine {
		return // drawing would overwrite a partial line of results
	}
	secs := elapsed.Round(time.Second)
	desc := fmt.Sprintf("vpnsql: %d/%d endpoints read, %s rows, %s", done, total, thousands(rows), secs)
	if total == 0 {
		desc = fmt.Sprintf("vpnsql: listing endpoints, %s rows, %s", thousands(rows), secs)
	}
	if v.bar == nil {
		v.bar = progressbar.NewOptions64(progressScale,
			progressbar.OptionSetWriter(v.term),
			progressbar.OptionSetWidth(20),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false), // the bar's own clock starts late
			progressbar.OptionUseANSICodes(true),    // erase with "clear line"
			progressbar.OptionSetDescription(desc+" "),
			progressbar.OptionSetTheme(progressbar.ThemeASCII),
		)
	}
	var scaled int64
	if total > 0 {
		scaled = min(done*progressScale/total, progressScale-1)
	}
	_ = v.bar.Set64(scaled)
	v.bar.Describe(desc + " ") // draws, also when the count did not move
	v.shown = true
}

// eraseLocked clears the bar's line, leaving the cursor at its start.
func (v *progressView) eraseLocked() {
	if v.shown {
		_ = v.bar.Clear()
		v.shown = false
	}
}

// guard wraps out, a terminal that results are written to: each write
// first erases the bar (the next tick draws it again under the results).
func (v *progressView) guard(out io.Writer) io.Writer {
	if v == nil {
		return out
	}
	return &guardedWriter{v: v, out: out}
}

type guardedWriter struct {
	v   *progressView
	out io.Writer
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	g.v.mu.Lock()
	defer g.v.mu.Unlock()
	g.v.eraseLocked()
	n, err := g.out.Write(p)
	if n > 0 {
		g.v.outMidLine = !bytes.HasSuffix(p[:n], []byte("\n"))
	}
	return n, err
}

// thousands writes n with comma separators: 1234567 -> "1,234,567".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// mentionsAWS says whether a statement names one of vpnsql's tables or
// functions (all start with client_vpn_).
func mentionsAWS(stmt string) bool {
	return strings.Contains(strings.ToLower(stmt), "client_vpn_")
}
