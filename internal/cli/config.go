// Package cli is the vpnsql command: flags, the statement runner, the
// interactive prompt and the --demo mode. cmd/vpnsql only wires it to the
// process (arguments, standard streams, exit status).
package cli

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/vpnsql/vpnsql/internal/output"
)

// Config is a parsed command line.
type Config struct {
	Format      output.Format
	OutputFile  string // "" = standard output
	NoHeader    bool
	Regions     []string
	Profile     string
	EndpointURL string
	DB          string // SQLite database opened as "main"; ":memory:" by default
	Timeout     time.Duration
	Concurrency int
	Demo        bool
	Version     bool
	Help        bool
	Args        []string // SQL texts, .sql files or "-" for standard input
}

// DefaultConcurrency is the default bound on a query's requests in flight.
const DefaultConcurrency = 8

// UsageError is a bad command line (unknown flag, bad value, missing
// file); the command exits with status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// flagSet declares the flags, bound to cfg; format is bound to a string and
// validated after parsing.
func flagSet(cfg *Config, format *string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("vpnsql", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by the caller, on one line
	fs.SortFlags = false
	names := make([]string, 0, len(output.Formats()))
	for _, f := range output.Formats() {
		names = append(names, string(f))
	}
	fs.StringVarP(format, "output", "o", string(output.Table),
		"output `FORMAT`: "+strings.Join(names, ", "))
	fs.StringVar(&cfg.OutputFile, "output-file", "", "write results to the file `PATH` instead of standard output")
	fs.BoolVar(&cfg.NoHeader, "no-header", false, "omit the header row (csv)")
	fs.StringSliceVar(&cfg.Regions, "region", nil,
		"`REGION`s a query covers when it names none; repeat the flag or separate\n"+
			"with commas (default: the AWS configuration's; with --demo: the sample's)")
	fs.StringVar(&cfg.Profile, "profile", "", "AWS shared-config profile `NAME` (like AWS_PROFILE)")
	fs.StringVar(&cfg.EndpointURL, "endpoint-url", "", "send EC2 requests to `URL` instead of AWS (like AWS_ENDPOINT_URL_EC2)")
	fs.StringVar(&cfg.DB, "db", ":memory:",
		"open the SQLite database `PATH` (created if missing; file: URIs work) as\n"+
			"\"main\", so your tables there can be joined and CREATE TABLE … AS SELECT\n"+
			"persists (default: a fresh in-memory database)")
	fs.DurationVar(&cfg.Timeout, "timeout", 0,
		"stop the run after `DURATION`, e.g. 30s or 5m (default 0: no limit);\n"+
			"at the interactive prompt it bounds each statement")
	fs.IntVar(&cfg.Concurrency, "concurrency", DefaultConcurrency, "AWS requests a query keeps in flight at most, `N` ≥ 1")
	fs.BoolVar(&cfg.Demo, "demo", false, "query built-in sample data from a local fake EC2; no AWS account used")
	fs.BoolVar(&cfg.Version, "version", false, "print the version and exit")
	fs.BoolVarP(&cfg.Help, "help", "h", false, "print this help and exit")
	return fs
}

// ParseArgs parses the command line (without the program name). Errors are
// *UsageError. With --help or --version set, the other flags are not
// validated.
func ParseArgs(args []string) (Config, error) {
	var cfg Config
	var format string
	fs := flagSet(&cfg, &format)
	if err := fs.Parse(args); err != nil {
		return cfg, &UsageError{Err: fmt.Errorf("%w (see vpnsql --help)", err)}
	}
	cfg.Args = fs.Args()
	if cfg.Help || cfg.Version {
		return cfg, nil
	}

	f, err := output.ParseFormat(format)
	if err != nil {
		return cfg, usageErrorf("--output: %w", err)
	}
	cfg.Format = f

	var regions []string
	for _, r := range cfg.Regions {
		if r = strings.TrimSpace(r); r != "" {
			regions = append(regions, r)
		}
	}
	if fs.Changed("region") && len(regions) == 0 {
		return cfg, usageErrorf("--region: no region given")
	}
	cfg.Regions = regions

	if cfg.Timeout < 0 {
		return cfg, usageErrorf("--timeout: %s is negative (0 means no limit)", cfg.Timeout)
	}
	if cfg.Concurrency < 1 {
		return cfg, usageErrorf("--concurrency: %d is not a positive number", cfg.Concurrency)
	}
	if cfg.EndpointURL != "" {
		if err := checkEndpointURL(cfg.EndpointURL); err != nil {
			return cfg, usageErrorf("--endpoint-url: %w", err)
		}
	}
	if fs.Changed("output-file") && cfg.OutputFile == "" {
		return cfg, usageErrorf("--output-file: no path given")
	}
	if cfg.DB == "" {
		return cfg, usageErrorf("--db: no path given")
	}
	if cfg.Demo {
		for _, name := range []string{"endpoint-url", "profile"} {
			if fs.Changed(name) {
				return cfg, usageErrorf("--demo and --%s exclude each other: the demo serves its own data", name)
			}
		}
	}
	return cfg, nil
}

func checkEndpointURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", s)
	}
	return nil
}

// Usage is the --help text.
func Usage() string {
	var cfg Config
	var format string
	fs := flagSet(&cfg, &format)
	var b strings.Builder
	b.WriteString(usageHead)
	fs.VisitAll(func(f *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(f)
		left := "    "
		if f.Shorthand != "" {
			left = "-" + f.Shorthand + ", "
		}
		left += "--" + f.Name
		if f.Value.Type() != "bool" {
			left += " " + name
		}
		switch f.Name {
		case "output", "concurrency":
			usage += " (default " + f.DefValue + ")"
		}
		lines := strings.Split(usage, "\n")
		fmt.Fprintf(&b, "  %-24s %s\n", left, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "  %-24s %s\n", "", l)
		}
	})
	b.WriteString(usageTail)
	return b.String()
}

const usageHead = `vpnsql: AWS Client VPN in SQL.

Usage:
  vpnsql [flags] [SQL | FILE.sql | -]...

Each argument is SQL text (one or more statements separated by ';') or the
name of a file ending in .sql. "-" reads standard input. With no arguments,
vpnsql reads SQL from standard input, or opens an interactive prompt when
standard input is a terminal (.help there lists its dot commands).
Statements run in order on one connection, so temp tables last for the whole
run; the first failing statement stops the run. Put "--" before SQL text that
starts with "-".

Tables (".schema TABLE" at the prompt shows the columns):
  client_vpn_endpoints     DescribeClientVpnEndpoints, in the regions in scope
  client_vpn_connections   DescribeClientVpnConnections; name the endpoint with
                           WHERE clientVpnEndpointId = '…' (or IN (…)) or join it
                           with client_vpn_endpoints; the hidden column region
                           says where a row came from

Flags:
`

const usageTail = `
Examples:
  # No AWS account? Try the built-in sample data: sessions per endpoint.
  vpnsql --demo "SELECT e.region, e.description, count(c.connectionId) AS sessions
                   FROM client_vpn_endpoints e
                   LEFT JOIN client_vpn_connections c
                     ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region
                  GROUP BY 1, 2"

  # One endpoint's sessions (an id from the sample data):
  vpnsql --demo "SELECT username, clientIp, connectionEstablishedTime, status->>'code' AS status
                   FROM client_vpn_connections
                  WHERE clientVpnEndpointId = 'cvpn-endpoint-03ed0287161e8a804' AND region = 'us-east-1'"

  # Pushdown: clientVpnEndpointId, region, connectionId and username in WHERE
  # (= or IN) become API parameters and filters, so AWS only sends alice's
  # sessions; SQLite does the rest (sums, ORDER BY, joins):
  vpnsql --region eu-west-1 -o csv \
    "SELECT connectionId, clientIp, ingressBytes + egressBytes AS bytes
       FROM client_vpn_connections
      WHERE clientVpnEndpointId = 'cvpn-endpoint-0123456789abcdef0' AND username = 'alice'
      ORDER BY bytes DESC"

  # Keep your own tables in a database file and join them with live data:
  vpnsql --db audit.db "CREATE TABLE leavers(username TEXT PRIMARY KEY, left_on TEXT)"
  vpnsql --db audit.db -o csv --output-file still-connected.csv \
    "SELECT c.username, c.clientIp, l.left_on
       FROM leavers l JOIN client_vpn_connections c USING (username)
      WHERE c.clientVpnEndpointId = 'cvpn-endpoint-0123456789abcdef0'"

  # Saved queries from files, results as JSON; or SQL on standard input:
  vpnsql -o json audit.sql
  echo "SELECT sqlite_version();" | vpnsql -o jsonl

  # The interactive prompt on sample data:
  vpnsql --demo

Exit status: 0 success, 1 a query or AWS error, 2 a usage error (unknown flag,
bad value, missing file), 130 interrupted.
`
