package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// contestant is one side of a pair: it runs once and returns what it
// measured (usually wall time in milliseconds).
type contestant struct {
	name string
	run  func(ctx context.Context) (float64, error)
}

// alternate runs the contestants round after round, rotating who goes
// first so that neither always runs on a warm (or cold) machine. It returns
// each contestant's measurements, in round order.
func alternate(ctx context.Context, rounds int, cs ...contestant) ([][]float64, error) {
	out := make([][]float64, len(cs))
	for r := range rounds {
		for k := range cs {
			i := (r + k) % len(cs)
			v, err := cs[i].run(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cs[i].name, err)
			}
			out[i] = append(out[i], v)
		}
	}
	return out, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ratios returns a[i]/b[i] for each round.
func ratios(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] / b[i]
	}
	return out
}

// diffs returns a[i]-b[i] for each round.
func diffs(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchEnv is the environment of every process the harness starts: the
// user's, minus anything that would send a request elsewhere or change
// vpnsql's settings, plus dummy credentials for the fake.
func benchEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "VPNSQL_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"AWS_ACCESS_KEY_ID=AKIDVPNSQLBENCH",
		"AWS_SECRET_ACCESS_KEY=vpnsql-bench-secret",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return append(env, extra...)
}

// command describes one process run.
type command struct {
	path   string
	args   []string
	env    []string       // nil: benchEnv()
	stdout io.Writer      // nil: /dev/null
	cpu    *time.Duration // if set, receives the process's user + system CPU time
	stderr *string        // if set, receives the process's standard error
}

// run starts the command, waits for it and returns its wall time: from
// just before the fork to the moment its exit was reaped. A non-zero exit
// is an error carrying the end of its standard error.
func (c command) run(ctx context.Context) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, c.path, c.args...)
	cmd.Env = c.env
	if cmd.Env == nil {
		cmd.Env = benchEnv()
	}
	if c.stdout != nil {
		cmd.Stdout = c.stdout
	} else {
		null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return 0, err
		}
		defer null.Close()
		cmd.Stdout = null // a file, so no copying goroutine sits in between
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if c.stderr != nil {
		*c.stderr = stderr.String()
	}
	if c.cpu != nil && cmd.ProcessState != nil {
		*c.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return elapsed, fmt.Errorf("%s %s: %w: %s", c.path, shortArgs(c.args), err, lastLines(stderr.String(), 3))
	}
	return elapsed, nil
}

func shortArgs(args []string) string {
	s := strings.Join(args, " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// lineCounter counts the lines written to it, and those starting with prefix.
type lineCounter struct {
	prefix   []byte
	lines    int
	matching int
	atStart  bool
	partial  []byte // the start of a line, up to len(prefix) bytes
}

func newLineCounter(prefix string) *lineCounter {
	return &lineCounter{prefix: []byte(prefix), atStart: true}
}

func (w *lineCounter) Write(p []byte) (int, error) {
	for _, c := range p {
		if w.atStart {
			w.partial = w.partial[:0]
			w.atStart = false
		}
		if len(w.partial) < len(w.prefix) {
			w.partial = append(w.partial, c)
			if len(w.partial) == len(w.prefix) && bytes.Equal(w.partial, w.prefix) {
				w.matching++
			}
		}
		if c == '\n' {
			w.lines++
			w.atStart = true
		}
	}
	return len(p), nil
}

func trimNL(b []byte) []byte { return bytes.TrimRight(b, "\r\n") }

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
