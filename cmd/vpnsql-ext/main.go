// Command vpnsql-ext is the loadable SQLite extension, built with
// -buildmode=c-shared into build/vpnsql.so:
//
//	sqlite3 :memory: '.load build/vpnsql' 'SELECT … FROM client_vpn_connections …'
//
// entry.c exports sqlite3_extension_init and sqlite3_vpnsql_init. The
// extension reads its settings from the environment: the standard AWS
// variables (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_EC2, …) and
// VPNSQL_REGION, VPNSQL_CONCURRENCY, VPNSQL_CACHE_TTL, VPNSQL_STRICT; the
// SQL function vpnsql_config changes them later.
//
// Never load this library into a Go program: two Go runtimes in one process
// crash. Go programs import github.com/vpnsql/vpnsql instead.
package main

import "C"

import (
	"fmt"
	"os"

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/engine"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

func init() {
	var cfg clientvpn.Config
	if err := functions.ApplyEnv(&cfg.Settings, os.Getenv); err != nil {
		// Refuse to load: a setting the user wrote must not be ignored.
		sqlite.OnConnect(func(*sqlite.Conn) error { return fmt.Errorf("vpnsql: %w", err) })
		return
	}
	engine.Install(cfg)
}

func main() {}
