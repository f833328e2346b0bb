package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// profileRun runs the CLI built with bench/profcli once with args and
// writes NAME.cpu.pprof and NAME.heap.pprof to the -profile directory
// (go tool pprof -top DIR/NAME.cpu.pprof reads them).
func (b *bench) profileRun(ctx context.Context, name string, args []string) error {
	cpu := filepath.Join(b.profile, name+".cpu.pprof")
	heap := filepath.Join(b.profile, name+".heap.pprof")
	_, err := command{path: b.profCLI, args: args, env: benchEnv(
		"VPNSQL_BENCH_CPUPROFILE="+cpu, "VPNSQL_BENCH_MEMPROFILE="+heap)}.run(ctx)
	if err != nil {
		return fmt.Errorf("profiled run: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: profiles %s, %s\n", cpu, heap)
	return nil
}
