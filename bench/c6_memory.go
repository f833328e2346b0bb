package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// memory is contest 6: the CLI's peak RSS while it streams a million
// connections from the fake as CSV to /dev/null, from a fleet of endpoints
// it discovers: at its defaults, and with the cache turned off.
func (b *bench) memory(ctx context.Context) error {
	e, per := b.sz.memEndpoints, b.sz.memPerEndpoint
	rows := e * per
	// The fake holds its own copy of the million rows (about 250 MB). A
	// tight GC target while it copies them and then serves pages keeps the
	// harness near that instead of twice that (GOGC=100 lets garbage grow
	// as large as the live heap).
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	f, err := startFake(fleet(e, per, true), false)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	debug.SetGCPercent(25)
	base := []string{"--endpoint-url", f.URL, "--region", "us-east-1", "--output", "csv"}
	const query = "SELECT * FROM client_vpn_connections"
	shapes := []struct {
		name, profile string
		args          []string
	}{
		{"at its defaults", "memory", slices.Concat(base, []string{query})},
		{"cache off: `--cache-ttl 0`", "memory-nocache",
			slices.Concat(base, []string{"--cache-ttl", "0", query})},
	}
	how := ""
	walls := make([][]float64, len(shapes))
	var cs []contestant
	for i, s := range shapes {
		cs = append(cs, contestant{s.name, func(ctx context.Context) (float64, error) {
			f.resetCounts()
			kb, d, method, err := peakRSS(ctx, command{path: b.cli, args: s.args})
			if err != nil {
				return 0, err
			}
			if got, want := f.calls("DescribeClientVpnConnections"), e*max(1, (per+999)/1000); got != want {
				return 0, fmt.Errorf("%d DescribeClientVpnConnections calls, want %d", got, want)
			}
			walls[i], how = append(walls[i], ms(d)), method
			return float64(kb) / 1024, nil
		}})
	}
	got, err := alternate(ctx, b.sz.memRuns, cs...)
	if err != nil {
		return err
	}
	for i, s := range shapes {
		if b.profile != "" {
			if err := b.profileRun(ctx, s.profile, s.args); err != nil {
				return err
			}
		}
		m, wall := median(got[i]), median(walls[i])
		goal, v := "< 64 MB", verdict(m < 64)
		if i > 0 { // a diagnosis: the goal is about the CLI as it comes
			goal, v = "", reportOnly
		}
		b.add(result{"6", fmt.Sprintf("peak RSS of the CLI streaming %s connections as CSV to /dev/null, %s", thousands(rows), s.name),
			fmt.Sprintf("%.1f MB", m), fmt.Sprintf("%s, %.0f rows/s", fmtMS(wall), float64(rows)/wall*1000),
			"", goal, v})
	}
	b.explain("6", "Memory.", fmt.Sprintf(
		"The fake (in the harness, no latency) serves %d endpoints of %d connections in one region. "+
			"The CLI runs `vpnsql --output csv 'SELECT * FROM client_vpn_connections' > /dev/null`, which "+
			"discovers the endpoints and reads them 8 at a time (the default concurrency), %d run(s) per "+
			"shape, the two shapes alternating; the figure is the median peak RSS of the CLI process alone, "+
			"%s. The against column is the run's wall time, for scale (the fake, building the XML, shares the CPUs). Every run's "+
			"number of DescribeClientVpnConnections calls is checked (one per page of 1000). The second "+
			"shape turns the cache off in the same run, to separate what the cache keeps from what "+
			"streaming costs. 1 MB = 2^20 bytes.",
		e, per, b.sz.memRuns, how))
	return nil
}

var reMaxRSS = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

// peakRSS runs c and returns its peak resident set size in kB, with
// /usr/bin/time -v when it is installed (GNU time forks the command itself,
// so the figure is the command's own wait4 ru_maxrss) and otherwise by
// sampling VmHWM from /proc every 2 ms while it runs. (The harness cannot
// take ru_maxrss of its own children: Go starts them with vfork, and Linux
// then charges the harness's own high-water mark to the child.)
func peakRSS(ctx context.Context, c command) (kb int64, wall time.Duration, method string, err error) {
	if gnuTime, err := exec.LookPath("/usr/bin/time"); err == nil {
		out, err := os.CreateTemp("", "vpnsql-bench-time-*")
		if err != nil {
			return 0, 0, "", err
		}
		out.Close()
		defer os.Remove(out.Name())
		c.args = append([]string{"-v", "-o", out.Name(), c.path}, c.args...)
		c.path = gnuTime
		wall, err := c.run(ctx)
		if err != nil {
			return 0, 0, "", err
		}
		report, err := os.ReadFile(out.Name())
		if err != nil {
			return 0, 0, "", err
		}
		m := reMaxRSS.FindSubmatch(report)
		if m == nil {
			return 0, 0, "", fmt.Errorf("no maximum RSS in the output of /usr/bin/time -v: %s", report)
		}
		kb, _ = strconv.ParseInt(string(m[1]), 10, 64)
		return kb, wall, "from `/usr/bin/time -v` (Maximum resident set size)", nil
	}

	cmd := exec.CommandContext(ctx, c.path, c.args...)
	cmd.Env = benchEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, "", err
	}
	var peak atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := vmHWM(cmd.Process.Pid); err == nil && v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err = cmd.Wait()
	wall = time.Since(start)
	close(done)
	<-sampled
	if err != nil {
		return 0, 0, "", fmt.Errorf("%s: %w: %s", filepath.Base(c.path), err, lastLines(stderr.String(), 3))
	}
	return peak.Load(), wall, "sampled from VmHWM in /proc/PID/status every 2 ms (install Debian's `time` for the exact figure)", nil
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
