// Command vpnsql-ext is the loadable SQLite extension, built with
// -buildmode=c-shared into build/vpnsql.so:
//
//	sqlite3 :memory: '.load build/vpnsql' 'SELECT … FROM client_vpn_connections …'
//
// entry.c exports sqlite3_extension_init and sqlite3_vpnsql_init. The
// extension reads its settings from the environment: the standard AWS
// variables (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_EC2, …) and
// VPNSQL_REGION, VPNSQL_CONCURRENCY, VPNSQL_REGION_CONCURRENCY,
// VPNSQL_STALL_TIMEOUT, VPNSQL_CACHE_TTL, VPNSQL_STRICT, VPNSQL_PROFILE
// (two or more profiles, one account each; AWS_PROFILE stays the single
// default) and VPNSQL_ORG_ROLE (every account of the organization, through
// that role); the SQL function vpnsql_config changes them later.
// VPNSQL_ALLOW_TERMINATE=1
// turns on the functions that terminate connections, and VPNSQL_AUDIT_LOG
// says where their calls are recorded (docs/terminate.md); only the
// environment at load time counts for those two.
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
	err := functions.ApplyEnv(&cfg.Settings, os.Getenv)
	var terminate functions.TerminatePolicy
	if err == nil {
		terminate, err = terminatePolicy(os.Getenv)
	}
	if err != nil {
		// Refuse to load: a setting the user wrote must not be ignored.
		sqlite.OnConnect(func(*sqlite.Conn) error { return fmt.Errorf("vpnsql: %w", err) })
		return
	}
	engine.Install(cfg, terminate)
}

// terminatePolicy reads VPNSQL_ALLOW_TERMINATE (off unless set to 1, on,
// true or yes) and VPNSQL_AUDIT_LOG (the audit file; default
// $XDG_STATE_HOME/vpnsql/audit.jsonl). They are read once, at load: no SQL
// can turn terminating on afterwards.
func terminatePolicy(getenv func(string) string) (functions.TerminatePolicy, error) {
	p := functions.TerminatePolicy{Door: functions.DoorExtension, AuditLog: getenv("VPNSQL_AUDIT_LOG")}
	allow, err := functions.ParseBool(getenv("VPNSQL_ALLOW_TERMINATE"))
	if err != nil {
		return p, fmt.Errorf("VPNSQL_ALLOW_TERMINATE: %w", err)
	}
	p.Allow = allow
	return p, nil
}

func main() {}
