// Package vpnsql puts AWS Client VPN into SQL: after Register, every
// database/sql connection of the "sqlite3" driver (github.com/mattn/go-sqlite3)
// has the tables client_vpn_connections and client_vpn_endpoints, and (when
// Options.AllowTerminate is set) the functions that terminate connections.
//
//	if err := vpnsql.Register(vpnsql.Options{Regions: []string{"us-east-1"}}); err != nil { … }
//	db, _ := sql.Open("sqlite3", ":memory:")
//	rows, _ := db.Query(`SELECT username, clientIp FROM client_vpn_connections
//	                     WHERE clientVpnEndpointId = 'cvpn-endpoint-0123456789abcdef0'`)
package vpnsql

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/engine"
	"github.com/vpnsql/vpnsql/internal/sqlite/autoext"
)

// Options say how to reach AWS. The zero value uses the standard AWS
// configuration chain: environment, shared config/credentials files and
// profiles, SSO, web identity, instance roles.
type Options struct {
	// Regions a query covers when it names none; default: the AWS
	// configuration's region; "*": every region enabled for the account.
	Regions []string
	// Profile is a shared-config profile name (like AWS_PROFILE).
	Profile string
	// Profiles puts several named profiles in scope, one account each
	// (their ids from STS GetCallerIdentity, once per profile).
	Profiles []string
	// OrgRole puts every ACTIVE account of the AWS Organization in scope,
	// read through this IAM role in each (assumed only for the accounts a
	// query reads). The base credentials must be the management account's
	// or a delegated administrator's.
	OrgRole string
	// EndpointURL replaces the endpoint of every AWS service vpnsql calls
	// (EC2, STS, Organizations, CloudWatch Logs), like AWS_ENDPOINT_URL.
	EndpointURL string
	// Credentials replace the configuration chain's when set.
	Credentials aws.CredentialsProvider
	// Concurrency bounds the AWS requests in flight in the process, all
	// accounts and regions together (default 64).
	Concurrency int
	// RegionConcurrency bounds the requests in flight to one account in one
	// region (default 8).
	RegionConcurrency int
	// StallTimeout: throttled requests are retried until an account+region
	// has answered nothing but throttles for this long (default 5m).
	StallTimeout time.Duration
	// CacheTTL serves identical fetches from memory this long (default 30s;
	// negative: off).
	CacheTTL time.Duration
	// Strict fails a query when an account, region or endpoint fails,
	// instead of recording a warning (see the vpnsql_warnings table).
	Strict bool
	// MaxAttempts per request for failures other than throttling (5xx,
	// network), the first try included (default 5).
	MaxAttempts int
	// RequestTimeout bounds each HTTP attempt (default 20s).
	RequestTimeout time.Duration

	// AllowTerminate turns on the SQL functions that end connections,
	// client_vpn_connections_terminate and client_vpn_connections_terminate_user
	// (see docs/terminate.md). Off by default: a call then fails with a
	// message saying how to turn them on, and sends nothing. No SQL can
	// turn them on.
	AllowTerminate bool
	// AuditLog is the file every call of those functions is appended to,
	// one JSON line each, allowed or not; default: $VPNSQL_AUDIT_LOG as
	// Register finds it, else $XDG_STATE_HOME/vpnsql/audit.jsonl, else
	// ~/.local/state/vpnsql/audit.jsonl. A call whose record cannot be
	// written is not made.
	AuditLog string
	// Door names the program in the audit log (default "go"); the vpnsql
	// CLI sets "cli". TerminateHint is what the "turned off" error tells
	// the user to do; default: the door's usual switch (for "go",
	// vpnsql.Options{AllowTerminate: true}; for "cli", --allow-terminate).
	Door          string
	TerminateHint string
}

// Register makes the vpnsql tables and functions available on every
// connection the "sqlite3" driver opens from now on. It applies
// process-wide; a later call replaces the options for connections opened
// after it.
func Register(opts Options) error {
	if opts.OrgRole != "" {
		if err := accounts.CheckRoleName(opts.OrgRole); err != nil {
			return fmt.Errorf("vpnsql: OrgRole: %w", err)
		}
	}
	for _, r := range opts.Regions {
		if r == "*" && len(opts.Regions) == 1 {
			break
		}
		if err := awsid.CheckRegion("region", r); err != nil {
			return fmt.Errorf("vpnsql: Regions: %w", err)
		}
	}
	if opts.Concurrency < 0 || opts.Concurrency > 256 {
		return fmt.Errorf("vpnsql: Concurrency %d: want 1 to 256 (0: the default)", opts.Concurrency)
	}
	door := opts.Door
	if door == "" {
		door = functions.DoorGo
	}
	terminate := functions.TerminatePolicy{
		Allow:      opts.AllowTerminate,
		Door:       door,
		EnableHint: opts.TerminateHint,
		AuditLog:   opts.AuditLog,
	}
	if terminate.AuditLog == "" {
		terminate.AuditLog = os.Getenv("VPNSQL_AUDIT_LOG")
	}
	engine.Install(clientvpn.Config{
		Settings: clientvpn.Settings{
			Regions:     opts.Regions,
			Concurrency: opts.Concurrency,
			CacheTTL:    opts.CacheTTL,
			Strict:      opts.Strict,
			Profiles:    opts.Profiles,
			OrgRole:     opts.OrgRole,

			RegionConcurrency: opts.RegionConcurrency,
			StallTimeout:      opts.StallTimeout,
		},
		Profile:        opts.Profile,
		EndpointURL:    opts.EndpointURL,
		Credentials:    opts.Credentials,
		MaxAttempts:    opts.MaxAttempts,
		RequestTimeout: opts.RequestTimeout,
	}, terminate)
	return autoext.Install()
}
