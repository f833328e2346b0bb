// Command bench measures vpnsql against its performance goals (issue 6):
// the latency bound, the AWS CLI, a native SQLite table, the minimum number
// of API calls, start-up time, memory, fan-out over accounts and
// throttling. Each contest runs its contestants
// alternately, so the figures are ratios of medians taken side by side.
//
//	go run ./bench                        # full run (make bench), a few minutes
//	go run ./bench -quick                 # every contest once, small sizes (make bench-quick)
//	go run ./bench -out bench/RESULTS.md  # also write the results file
//	go run ./bench -profile /tmp/prof     # also CPU and heap profiles of the CLI
//
// The CLI (build/vpnsql) and the extension (build/vpnsql.so) must be built
// first; the Makefile targets do that. The fake EC2 endpoint runs inside this
// process; every vpnsql CLI run is a separate process, so its time and memory
// are its own.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// sizes are the knobs that differ between a full and a quick run.
type sizes struct {
	rounds int // alternating rounds of the cheap pairs

	latEndpoints, latPages int           // contest 1: E endpoints x P pages of 1000
	latLatency             time.Duration // contest 1 and 2: L per request

	awsEndpoints, awsRounds int // contest 2

	perRowCount int // contest 3: go test -count

	callConnections int // contest 4: connections per endpoint

	startRuns int // contest 5: runs of each start-up contestant

	memEndpoints, memPerEndpoint int // contest 6
	memRuns                      int

	fanAccounts int           // contest 7: accounts of the organization
	fanLatency  time.Duration // contest 7: L per request

	throttleRounds int // contest 8
}

var (
	full = sizes{
		rounds:       5,
		latEndpoints: 32, latPages: 3, latLatency: 50 * time.Millisecond,
		awsEndpoints: 8, awsRounds: 3,
		perRowCount:     5,
		callConnections: 1500,
		startRuns:       40,
		memEndpoints:    100, memPerEndpoint: 10_000,
		memRuns:     2,
		fanAccounts: 40, fanLatency: 50 * time.Millisecond,
		throttleRounds: 3,
	}
	quick = sizes{
		rounds:       1,
		latEndpoints: 4, latPages: 2, latLatency: 10 * time.Millisecond,
		awsEndpoints: 2, awsRounds: 1,
		perRowCount:     1,
		callConnections: 1500,
		startRuns:       5,
		memEndpoints:    10, memPerEndpoint: 2_000,
		memRuns:     1,
		fanAccounts: 40, fanLatency: 50 * time.Millisecond,
		throttleRounds: 1,
	}
)

// bench is one run of the harness: its settings and what it found.
type bench struct {
	sz      sizes
	quick   bool
	cli     string // build/vpnsql
	ext     string // build/vpnsql.so
	root    string // the module root
	profile string // directory for CPU and heap profiles; "" = none
	profCLI string // the CLI built with the profiling hook (bench/profcli)

	loadAtStart string // the load average when the run began

	results []result
	methods []method
}

func main() {
	quickFlag := flag.Bool("quick", false, "run every contest once with small sizes (checks the harness, not the goals)")
	out := flag.String("out", "", "also write the results as Markdown to this file (e.g. bench/RESULTS.md); text below its notes marker is kept")
	cli := flag.String("cli", "build/vpnsql", "the vpnsql CLI to measure")
	ext := flag.String("ext", "build/vpnsql.so", "the loadable extension to measure")
	only := flag.String("only", "", "run only these contests, e.g. 1,3,6")
	profile := flag.String("profile", "", "write CPU and heap profiles of the CLI runs of contests 1, 2 and 6 to this directory")
	flag.Parse()

	if *only != "" && *out != "" {
		fmt.Fprintln(os.Stderr, "bench: -out writes a whole run; leave out -only")
		os.Exit(2)
	}
	b := &bench{sz: full, quick: *quickFlag, profile: *profile}
	if b.quick {
		b.sz = quick
	}
	if err := b.setup(*cli, *ext); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	started := time.Now()
	b.loadAtStart = loadAverage()
	contests := []struct {
		n   string
		run func(context.Context) error
	}{
		{"1", b.latencyBound},
		{"2", b.awsCLI},
		{"3", b.perRow},
		{"4", b.apiCalls},
		{"5", b.startup},
		{"6", b.memory},
		{"7", b.fanOut},
		{"8", b.throttled},
		{"9", b.checkAll},
		{"10", b.connectionLog},
	}
	ctx := context.Background()
	for _, c := range contests {
		if !selected(*only, c.n) {
			continue
		}
		t := time.Now()
		if err := c.run(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "bench: contest %s: %v\n", c.n, err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "bench: contest %s done in %s\n", c.n, time.Since(t).Round(100*time.Millisecond))
	}
	info := b.runInfo(started)
	fmt.Print(b.markdown(info, ""))
	if *out != "" {
		if err := b.writeResults(*out, info); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "bench: wrote", *out)
	}
}

// setup finds the module root, checks the binaries and the tools, and
// builds the profiling CLI when asked for profiles.
func (b *bench) setup(cli, ext string) error {
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return fmt.Errorf("finding the module root (run from inside the repository): %w", err)
	}
	b.root = string(trimNL(root))
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(b.root, p)
	}
	b.cli, b.ext = abs(cli), abs(ext)
	for _, p := range []string{b.cli, b.ext} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s is missing: run make build ext first (make bench does)", p)
		}
	}
	for _, tool := range []string{"aws", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH (.ci/run installs it)", tool)
		}
	}
	if b.profile != "" {
		if err := os.MkdirAll(b.profile, 0o755); err != nil {
			return err
		}
		b.profCLI = filepath.Join(b.profile, "vpnsql-prof")
		build := exec.Command("go", "build", "-o", b.profCLI, "./bench/profcli")
		build.Dir, build.Stdout, build.Stderr = b.root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building bench/profcli: %w", err)
		}
	}
	fmt.Fprintf(os.Stderr, "bench: %s run on %d CPUs\n", map[bool]string{true: "quick", false: "full"}[b.quick], runtime.NumCPU())
	return nil
}

func selected(only, n string) bool {
	if only == "" {
		return true
	}
	for _, s := range splitComma(only) {
		if s == n {
			return true
		}
	}
	return false
}
