// Package vpnsql puts AWS Client VPN into SQL: after Register, every
// database/sql connection of the "sqlite3" driver (github.com/mattn/go-sqlite3)
// has the table client_vpn_connections.
//
//	if err := vpnsql.Register(vpnsql.Options{Regions: []string{"us-east-1"}}); err != nil { … }
//	db, _ := sql.Open("sqlite3", ":memory:")
//	rows, _ := db.Query(`SELECT username, clientIp FROM client_vpn_connections
//	                     WHERE clientVpnEndpointId = 'cvpn-endpoint-0123456789abcdef0'`)
package vpnsql

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

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
	// EndpointURL replaces the EC2 endpoint (like AWS_ENDPOINT_URL_EC2).
	EndpointURL string
	// Credentials replace the configuration chain's when set.
	Credentials aws.CredentialsProvider
	// Concurrency bounds the requests one query keeps in flight (default 8).
	Concurrency int
	// CacheTTL serves identical fetches from memory this long (default 30s;
	// negative: off).
	CacheTTL time.Duration
	// Strict fails a query when a region or endpoint fails, instead of
	// recording a warning (see the vpnsql_warnings table).
	Strict bool
	// MaxAttempts per request, retries of throttling included (default 5).
	MaxAttempts int
	// RequestTimeout bounds each HTTP attempt (default 60s).
	RequestTimeout time.Duration
}

// Register makes the vpnsql tables available on every connection the
// "sqlite3" driver opens from now on. It applies process-wide; a later call
// replaces the options for connections opened after it.
func Register(opts Options) error {
	engine.Install(clientvpn.Config{
		Settings: clientvpn.Settings{
			Regions:     opts.Regions,
			Concurrency: opts.Concurrency,
			CacheTTL:    opts.CacheTTL,
			Strict:      opts.Strict,
		},
		Profile:        opts.Profile,
		EndpointURL:    opts.EndpointURL,
		Credentials:    opts.Credentials,
		MaxAttempts:    opts.MaxAttempts,
		RequestTimeout: opts.RequestTimeout,
	})
	return autoext.Install()
}
