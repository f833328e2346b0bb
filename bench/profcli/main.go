// Command profcli is the vpnsql CLI with profiling hooks, for the benchmark
// harness only (go run ./bench -profile DIR builds it): it runs exactly what
// cmd/vpnsql runs, and writes a CPU profile of the whole run to
// $VPNSQL_BENCH_CPUPROFILE and a heap profile at the end to
// $VPNSQL_BENCH_MEMPROFILE when they are set. The product's CLI has no such
// hook.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/vpnsql/vpnsql/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	if path := os.Getenv("VPNSQL_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "profcli:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "profcli:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if path := os.Getenv("VPNSQL_BENCH_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			f, err := os.Create(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, "profcli:", err)
				return
			}
			defer f.Close()
			// The heap as the run leaves it (what is still held: caches),
			// plus, in alloc_space, everything allocated on the way.
			if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
				fmt.Fprintln(os.Stderr, "profcli:", err)
			}
		}()
	}
	std := cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	cfg, err := cli.ParseArgs(os.Args[1:])
	switch {
	case err != nil:
		return cli.Report(std.Err, err)
	case cfg.Help:
		fmt.Fprint(std.Out, cli.Usage())
		return 0
	case cfg.Version:
		fmt.Fprintln(std.Out, cli.Version(""))
		return 0
	}
	return cli.Run(cfg, std, "")
}
