// Command vpnsql queries AWS Client VPN with SQL: one-shot queries, .sql
// files, SQL on standard input, an interactive prompt, or the saved audit
// queries ("vpnsql queries" lists them). Run "vpnsql --help" for the flags
// and examples, "vpnsql --demo" to try it on built-in sample data without
// an AWS account.
package main

import (
	"fmt"
	"os"

	"github.com/vpnsql/vpnsql/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version string

func main() {
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
