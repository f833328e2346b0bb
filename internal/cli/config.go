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

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/output"
	"github.com/vpnsql/vpnsql/queries"
)

// Config is a parsed command line.
type Config struct {
	Format     output.Format
	OutputFile string // "" = standard output
	NoHeader   bool
	Regions    []string
	// Profile is the one --profile given (the default chain's profile,
	// like AWS_PROFILE); Profiles are two or more, each its own account.
	Profile  string
	Profiles []string
	// OrgRole puts the organization's accounts in scope (--org-role).
	OrgRole     string
	EndpointURL string
	DB          string // SQLite database opened as "main"; ":memory:" by default
	Timeout     time.Duration
	Concurrency int
	// RegionConcurrency bounds the requests in flight per account+region;
	// StallTimeout is how long throttling may go on without progress.
	RegionConcurrency int
	StallTimeout      time.Duration
	// CacheTTL is how long identical fetches are served from memory; 0
	// turns the cache off.
	CacheTTL    time.Duration
	Strict      bool
	MaxAttempts int
	// AllowTerminate turns the terminate functions on; AuditLog is where
	// their calls are recorded ("" = $VPNSQL_AUDIT_LOG, else the audit
	// package's default, $XDG_STATE_HOME/vpnsql/audit.jsonl).
	AllowTerminate bool
	AuditLog       string
	Demo           bool
	Version        bool
	Help           bool
	Args           []string // SQL texts, .sql files or "-" for standard input

	// Queries is set by the "queries" command: list the saved queries
	// (QueryName ""), print one (Show) or run one with Params.
	Queries   bool
	QueryName string
	Params    map[string]string
	Show      bool

	// Check is set by the "check" command: run the controls (all, or those
	// of Controls and Tags) with CheckParams ("ID.NAME=VALUE").
	Check       bool
	Controls    []string
	Tags        []string
	CheckParams []string
}

// Defaults of the flags that have one: the engine's own.
const (
	DefaultConcurrency = clientvpn.DefaultConcurrency
	DefaultCacheTTL    = clientvpn.DefaultCacheTTL
	DefaultMaxAttempts = clientvpn.DefaultMaxAttempts

	DefaultRegionConcurrency = clientvpn.DefaultRegionConcurrency
	DefaultStallTimeout      = clientvpn.DefaultStallTimeout
)

// UsageError is a bad command line (unknown flag, bad value, missing
// file); the command exits with status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// flagSet declares the flags, bound to cfg; format and params are bound to
// strings and validated after parsing.
func flagSet(cfg *Config, format *string, params *[]string, profiles *[]string) *pflag.FlagSet {
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
	fs.StringSliceVar(profiles, "profile", nil,
		"AWS shared-config profile `NAME` (like AWS_PROFILE); two or more\n"+
			"(repeated or comma-separated) read one account each")
	fs.StringVar(&cfg.OrgRole, "org-role", "",
		"read every ACTIVE account of the AWS Organization through the IAM\n"+
			"role `ROLE` in each (e.g. OrganizationAccountAccessRole); needs the\n"+
			"management account's or a delegated administrator's credentials")
	fs.StringVar(&cfg.EndpointURL, "endpoint-url", "",
		"send every AWS request (EC2, STS, Organizations, CloudWatch Logs) to\n"+
			"`URL` instead of AWS (like AWS_ENDPOINT_URL)")
	fs.StringVar(&cfg.DB, "db", ":memory:",
		"open the SQLite database `PATH` (created if missing; file: URIs work) as\n"+
			"\"main\", so your tables there can be joined and CREATE TABLE … AS SELECT\n"+
			"persists (default: a fresh in-memory database)")
	fs.DurationVar(&cfg.Timeout, "timeout", 0,
		"stop the run after `DURATION`, e.g. 30s or 5m (default 0: no limit);\n"+
			"at the interactive prompt it bounds each statement")
	fs.IntVar(&cfg.Concurrency, "concurrency", DefaultConcurrency,
		"AWS requests in flight at most, all accounts and regions,\n`N` from 1 to 256")
	fs.IntVar(&cfg.RegionConcurrency, "region-concurrency", DefaultRegionConcurrency,
		"AWS requests in flight at most per account and region,\n`N` from 1 to 256")
	fs.DurationVar(&cfg.StallTimeout, "stall-timeout", DefaultStallTimeout,
		"throttled requests are retried until an account+region answers\n"+
			"nothing but throttles for `DURATION`; then the query fails")
	cfg.CacheTTL = DefaultCacheTTL
	fs.Var((*ttlValue)(&cfg.CacheTTL), "cache-ttl",
		"serve identical fetches (region, endpoint, filters) from memory for\n"+
			"`DURATION` (30s, 2m, or seconds like 5); 0 turns the cache off")
	fs.BoolVar(&cfg.Strict, "strict", false,
		"fail a query when a region or endpoint cannot be read, instead of\n"+
			"printing a warning and returning the other rows")
	fs.IntVar(&cfg.MaxAttempts, "max-attempts", DefaultMaxAttempts,
		"tries per AWS request, `N` ≥ 1, the first included, for failures\n"+
			"other than throttling (5xx, network); throttling is retried\n"+
			"until --stall-timeout")
	fs.BoolVar(&cfg.AllowTerminate, "allow-terminate", false,
		"turn on client_vpn_connections_terminate(…) and _terminate_user(…),\n"+
			"which end sessions (off by default; every call is audited)")
	fs.StringVar(&cfg.AuditLog, "audit-log", "",
		"append a JSON line per terminate call to `PATH` (default:\n"+
			"$VPNSQL_AUDIT_LOG, else $XDG_STATE_HOME/vpnsql/audit.jsonl, else\n"+
			"~/.local/state/vpnsql/audit.jsonl)")
	fs.StringArrayVar(params, "param", nil,
		"with \"queries NAME\": `PARAM=VALUE` sets one of the saved query's\n"+
			"parameters; repeat the flag for several (the others keep their defaults);\n"+
			"with \"check\": CONTROL.PARAM=VALUE")
	fs.StringArrayVar(&cfg.Controls, "control", nil, "with \"check\": run the control `ID`; repeat the flag for several")
	fs.StringArrayVar(&cfg.Tags, "tag", nil, "with \"check\": run the controls tagged `TAG`; repeat the flag for several")
	fs.BoolVar(&cfg.Show, "show", false, "with \"queries NAME\": print the saved query's SQL instead of running it")
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
	var params, profiles []string
	fs := flagSet(&cfg, &format, &params, &profiles)
	args, restoreSQL := shieldSQL(args)
	if err := fs.Parse(args); err != nil {
		return cfg, &UsageError{Err: fmt.Errorf("%w (see vpnsql --help)", err)}
	}
	cfg.Args = restoreSQL(fs.Args())
	if cfg.Help || cfg.Version {
		return cfg, nil
	}

	if err := parseCheckCommand(&cfg, &params); err != nil {
		return cfg, err
	}
	f, err := output.ParseFormat(format)
	if cfg.Check && format == string(output.JUnit) {
		f, err = output.JUnit, nil
	}
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
	for _, r := range regions {
		if r == "*" && len(regions) == 1 {
			break
		}
		if err := awsid.CheckRegion("--region", r); err != nil {
			return cfg, &UsageError{Err: err}
		}
	}
	cfg.Regions = regions

	profiles = functions.SplitList(strings.Join(profiles, ","))
	if fs.Changed("profile") && len(profiles) == 0 {
		return cfg, usageErrorf("--profile: no profile given")
	}
	switch len(profiles) {
	case 0:
	case 1:
		cfg.Profile = profiles[0]
	default:
		cfg.Profiles = profiles
	}
	if fs.Changed("org-role") {
		if err := accounts.CheckRoleName(cfg.OrgRole); err != nil {
			return cfg, usageErrorf("--org-role: %w", err)
		}
		if len(cfg.Profiles) > 0 {
			return cfg, usageErrorf("--org-role and several --profile exclude each other: the organization's accounts are read with one set of base credentials")
		}
	}

	if cfg.Timeout < 0 {
		return cfg, usageErrorf("--timeout: %s is negative (0 means no limit)", cfg.Timeout)
	}
	if cfg.Concurrency < 1 || cfg.Concurrency > maxConcurrency {
		return cfg, usageErrorf("--concurrency: %d is not a number from 1 to %d", cfg.Concurrency, maxConcurrency)
	}
	if cfg.RegionConcurrency < 1 || cfg.RegionConcurrency > maxConcurrency {
		return cfg, usageErrorf("--region-concurrency: %d is not a number from 1 to %d", cfg.RegionConcurrency, maxConcurrency)
	}
	if cfg.StallTimeout <= 0 {
		return cfg, usageErrorf("--stall-timeout: %s is not a positive duration", cfg.StallTimeout)
	}
	if cfg.MaxAttempts < 1 {
		return cfg, usageErrorf("--max-attempts: %d is not a positive number", cfg.MaxAttempts)
	}
	if fs.Changed("audit-log") && cfg.AuditLog == "" {
		return cfg, usageErrorf("--audit-log: no path given")
	}
	if err := parseQueriesCommand(&cfg, params); err != nil {
		return cfg, err
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

// maxConcurrency is the most requests a query may keep in flight, as
// VPNSQL_CONCURRENCY and vpnsql_config('concurrency', …) allow.
const maxConcurrency = 256

// ttlValue is --cache-ttl: a duration (30s, 2m) or plain seconds (5), as
// VPNSQL_CACHE_TTL and vpnsql_config read it.
type ttlValue time.Duration

func (v *ttlValue) String() string { return time.Duration(*v).String() }
func (v *ttlValue) Type() string   { return "duration" }
func (v *ttlValue) Set(s string) error {
	if d, err := time.ParseDuration(s); err == nil && d < 0 {
		return fmt.Errorf("%s is negative (0 turns the cache off)", s)
	}
	d, err := functions.ParseTTL(s)
	if err != nil {
		return err
	}
	*v = ttlValue(d)
	return nil
}

// parseQueriesCommand recognises "queries [NAME]" as the first argument and
// checks that --param and --show come only with it.
func parseQueriesCommand(cfg *Config, params []string) error {
	if len(cfg.Args) == 0 || cfg.Args[0] != "queries" {
		switch {
		case len(params) > 0:
			return usageErrorf("--param goes with a saved query: vpnsql queries NAME --param %s", params[0])
		case cfg.Show:
			return usageErrorf("--show goes with a saved query: vpnsql queries NAME --show")
		}
		return nil
	}
	cfg.Queries = true
	rest := cfg.Args[1:]
	cfg.Args = nil
	switch {
	case len(rest) > 1:
		return usageErrorf("queries: one saved query at a time, got %q (set parameters with --param NAME=VALUE)", rest)
	case len(rest) == 1:
		cfg.QueryName = rest[0]
	case len(params) > 0 || cfg.Show:
		return usageErrorf("queries: --param and --show need a query name (vpnsql queries lists them)")
	}
	if len(params) > 0 {
		cfg.Params = map[string]string{}
	}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return usageErrorf("--param %q: want NAME=VALUE", p)
		}
		if _, dup := cfg.Params[name]; dup {
			return usageErrorf("--param %s given twice", name)
		}
		cfg.Params[name] = value
	}
	return nil
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
	var params, profiles []string
	fs := flagSet(&cfg, &format, &params, &profiles)
	var b strings.Builder
	b.WriteString(usageHead)
	b.WriteString(savedQueriesHelp())
	b.WriteString(usageMiddle)
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
		case "output", "concurrency", "region-concurrency", "stall-timeout", "cache-ttl", "max-attempts":
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

// savedQueriesHelp lists the saved queries, name and title, for --help.
func savedQueriesHelp() string {
	var b strings.Builder
	for _, q := range queries.All() {
		fmt.Fprintf(&b, "  %-28s %s\n", q.Name, q.Title)
	}
	return b.String()
}

const usageHead = `vpnsql: AWS Client VPN in SQL.

Usage:
  vpnsql [flags] [SQL | FILE.sql | -]...
  vpnsql [flags] queries                  list the saved audit queries
  vpnsql [flags] queries NAME [--param PARAM=VALUE]... [--show]
  vpnsql [flags] check [--control ID]... [--tag TAG]... [--param ID.PARAM=VALUE]...
                                          run the security controls (-o junit for CI)

Each argument is SQL text (one or more statements separated by ';') or the
name of a file ending in .sql. "-" reads standard input. With no arguments,
vpnsql reads SQL from standard input, or opens an interactive prompt when
standard input is a terminal (.help there lists its dot commands).
Statements run in order on one connection, so temp tables last for the whole
run; the first failing statement stops the run. Put "--" before SQL text that
starts with "-".

Tables (".schema TABLE" at the prompt shows the columns):
  client_vpn_endpoints     DescribeClientVpnEndpoints, in the regions in scope
  client_vpn_connections   DescribeClientVpnConnections; WHERE clientVpnEndpointId
                           = '…' (or IN (…), or a join) reads just those endpoints,
                           otherwise every endpoint in scope is listed and read;
                           the hidden columns region and accountId say where a
                           row came from (both pushed down: WHERE accountId = '…')
  client_vpn_authorization_rules
                           DescribeClientVpnAuthorizationRules, per endpoint like
                           client_vpn_connections
  vpnsql_accounts          the accounts in scope (--profile a,b or --org-role ROLE)
  vpnsql_warnings          failures queries survived (also printed on stderr)

Saved audit queries ("vpnsql queries" lists them with their parameters;
"vpnsql queries NAME" runs one, --param PARAM=VALUE sets a parameter, --show
prints its SQL; at the prompt: .queries and .run NAME [PARAM=VALUE]...):
`

const usageMiddle = `
Warnings: when no endpoint is named, vpnsql lists the endpoints of every
region in scope. A region or endpoint that cannot be read does not sink the
query: the other rows come back and a line "vpnsql: warning: REGION …" goes
to stderr (exit status 0). --strict makes that the query's error instead.
Progress: when a query has been fetching for over a second and stderr is a
terminal, stderr shows endpoints read and rows so far; never in pipes or files.

Terminating sessions: client_vpn_connections_terminate(endpoint, region,
connection_id [, dry_run]) and client_vpn_connections_terminate_user(endpoint,
region, username [, dry_run]) end sessions, once vpnsql runs with
--allow-terminate. Pass TRUE as dry_run first: AWS checks everything and
changes nothing. Every call is appended to the audit log (--audit-log).

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

  # Saved audit queries: list them, run one with a parameter, read its SQL:
  vpnsql queries
  vpnsql --demo queries top_talkers --param limit=5
  vpnsql --region '*' queries long_sessions --param hours=12
  vpnsql queries shared_certificates --show

  # Export to CSV (RFC 4180, header row; --no-header drops it), e.g. every
  # active session in two regions, or a saved query's result:
  vpnsql --region us-east-1,eu-west-1 -o csv --output-file active.csv \
    "SELECT region, username, clientIp, connectionEstablishedTime
       FROM client_vpn_connections WHERE status->>'code' = 'active'"
  vpnsql --region '*' -o csv --output-file talkers.csv queries top_talkers

  # Pushdown: clientVpnEndpointId, region, connectionId and username in WHERE
  # (= or IN) become API parameters and filters, so AWS only sends alice's
  # sessions; SQLite does the rest (sums, ORDER BY, joins):
  vpnsql --region eu-west-1 -o csv \
    "SELECT connectionId, clientIp, ingressBytes + egressBytes AS bytes
       FROM client_vpn_connections
      WHERE clientVpnEndpointId = 'cvpn-endpoint-0123456789abcdef0' AND username = 'alice'
      ORDER BY bytes DESC"

  # Keep your own tables in a database file and join them with live data;
  # the saved query offboarded_sessions reads a table offboarded(username):
  vpnsql --db hr.db "CREATE TABLE offboarded(username TEXT PRIMARY KEY);
                     INSERT INTO offboarded VALUES ('dana.scully'), ('fox.mulder')"
  vpnsql --db hr.db --region '*' queries offboarded_sessions

  # Terminate, safely: a dry run first (TRUE as the last argument: AWS checks
  # permissions and ids, nothing ends), then for real; both are audited:
  vpnsql --demo --allow-terminate \
    "SELECT client_vpn_connections_terminate_user('cvpn-endpoint-03ed0287161e8a804',
                                                  'us-east-1', 'dana.scully', TRUE)"
  vpnsql --allow-terminate --audit-log offboarding.jsonl \
    "SELECT client_vpn_connections_terminate_user('cvpn-endpoint-0123456789abcdef0',
                                                  'eu-west-1', 'alice')"

  # Your own .sql files, results as JSON; or SQL on standard input:
  vpnsql -o json audit.sql
  echo "SELECT sqlite_version();" | vpnsql -o jsonl

  # Every account of the AWS Organization (run with the management account's
  # or a delegated administrator's credentials), or two named profiles:
  vpnsql --org-role OrganizationAccountAccessRole --region '*' \
    "SELECT accountId, region, count(*) FROM client_vpn_connections GROUP BY 1, 2"
  vpnsql --profile prod,acquired "SELECT * FROM vpnsql_accounts"
  vpnsql --demo --org-role OrganizationAccountAccessRole "SELECT * FROM vpnsql_accounts"

  # The interactive prompt on sample data:
  vpnsql --demo

Exit status: 0 success (warnings included), 1 a query or AWS error, 2 a usage
error (unknown flag, bad value, missing file, unknown saved query, control or
parameter), 130 interrupted. vpnsql check: 0 nothing alarms, 3 some control
alarms, 1 some control could not be checked everywhere (error rows; this
wins over 3), 2 a usage error.
`
