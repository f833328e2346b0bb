package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// result is one row of the results table.
type result struct {
	contest string // "1", "4b", …
	what    string // what was measured
	vpnsql  string // vpnsql's median
	against string // the other contestant's median, or the bound
	ratio   string // vpnsql / against, or "" when a ratio means nothing
	goal    string // "≤ 1.25x", "< 15 ms", "" (report only)
	verdict string // met, not met, report only
}

// method explains how a contest measured, below the table.
type method struct {
	contest string
	title   string
	text    string
}

func (b *bench) add(r result) { b.results = append(b.results, r) }
func (b *bench) explain(contest, title, text string) {
	b.methods = append(b.methods, method{contest, title, text})
}

// verdict turns a goal check into the table's word.
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

const reportOnly = "report only"

// runInfo is the line that says when, where and on what the run happened.
func (b *bench) runInfo(started time.Time) string {
	commit := "unknown"
	if out, err := exec.Command("git", "-C", b.root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = string(trimNL(out))
		if st, err := exec.Command("git", "-C", b.root, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
			commit += " (with uncommitted changes)"
		}
	}
	kind := "full run (`make bench`)"
	if b.quick {
		kind = "quick run (`make bench-quick`: small sizes, one round; it checks the harness, not the goals)"
	}
	return fmt.Sprintf("%s, %s. Machine: %d CPUs (runtime.NumCPU), %s/%s, %s; load average %s at the start, %s at the end. "+
		"Commit %s. Harness wall time %s; its own peak RSS %s (the fake EC2 endpoint lives in it).",
		started.UTC().Format("2006-01-02 15:04 UTC"), kind, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), b.loadAtStart, loadAverage(), commit, time.Since(started).Round(time.Second), selfPeakRSS())
}

// loadAverage is the one-minute load average: other work on the machine
// during the run.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b) + " unknown")[0]
}

// selfPeakRSS reads this process's VmHWM.
func selfPeakRSS() string {
	kb, err := vmHWM(os.Getpid())
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d MB", kb/1024)
}

// markdown renders the run: the table, then how each contest measured.
func (b *bench) markdown(info, notes string) string {
	var s strings.Builder
	s.WriteString("# vpnsql benchmark results\n\n")
	s.WriteString("Written by `go run ./bench` (`make bench`); see bench/main.go. " + info + "\n\n")
	s.WriteString("| # | measurement | vpnsql | against | ratio | goal | verdict |\n")
	s.WriteString("|---|---|--:|--:|--:|---|---|\n")
	for _, r := range b.results {
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s | %s | %s |\n",
			r.contest, r.what, r.vpnsql, r.against, r.ratio, dash(r.goal), r.verdict)
	}
	s.WriteString("\nTimes are medians over alternating rounds (the contestants of a pair take turns, the first\n")
	s.WriteString("one rotating); a ratio is the median of the per-round ratios, so that a slow moment of the\n")
	s.WriteString("machine weighs on both sides of it.\n")
	if len(b.methods) > 0 {
		s.WriteString("\n## How each contest measures\n")
		for _, m := range b.methods {
			fmt.Fprintf(&s, "\n**%s. %s** %s\n", m.contest, m.title, m.text)
		}
	}
	if notes != "" {
		s.WriteString("\n" + notesMarker + "\n" + notes)
	}
	return s.String()
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// notesMarker separates the generated part of RESULTS.md from the notes
// written by hand (what costs the time where a goal is missed, and what
// would fix it); rewriting the file keeps everything after it.
const notesMarker = "<!-- Everything below this line is written by hand and kept when the harness rewrites the file. -->"

func (b *bench) writeResults(path string, info string) error {
	notes := ""
	if old, err := os.ReadFile(path); err == nil {
		if _, after, ok := strings.Cut(string(old), notesMarker+"\n"); ok {
			notes = after
		}
	}
	if notes == "" {
		notes = "\n## Notes\n\n(What costs the time where a goal is missed, and what would fix it.)\n"
	}
	return os.WriteFile(path, []byte(b.markdown(info, notes)), 0o644)
}
