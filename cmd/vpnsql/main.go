// Command vpnsql queries AWS Client VPN with SQL: one-shot queries, .sql
// files, SQL on standard input, an interactive prompt, or the saved audit
// queries ("vpnsql queries" lists them). Run "vpnsql --help" for the flags
// and examples, "vpnsql --demo" to try it on built-in sample data without
// an AWS account.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/vpnsql/vpnsql/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version string

// memoryLimit is the CLI's soft memory limit, unless GOMEMLIMIT sets one:
// a scan streams (its live heap is a few pages per request in flight), so
// what grows the resident size is garbage, and the collector should run
// before it reaches 64 MB rather than at twice the live heap.
const memoryLimit = 48 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	std := cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
	cfg, err := cli.ParseArgs(os.Args[1:])
	switch {
	case err != nil:
		os.Exit(cli.Report(std.Err, err))
	case cfg.Help:
		fmt.Fprint(std.Out, cli.Usage())
	case cfg.Version:
		fmt.Fprintln(std.Out, cli.Version(version))
	default:
		os.Exit(cli.Run(cfg, std, version))
	}
}
