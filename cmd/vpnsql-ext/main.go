// Command vpnsql-ext is the loadable SQLite extension, built with
// -buildmode=c-shared into build/vpnsql.so:
//
//	sqlite3 :memory: '.load build/vpnsql' 'SELECT … FROM client_vpn_connections …'
//
// entry.c exports sqlite3_extension_init and sqlite3_vpnsql_init. The
// extension reads its settings from the environment: the standard AWS
// variables (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_EC2, …) and
// VPNSQL_REGION (comma-separated regions for queries that name none).
//
// Never load this library into a Go program: two Go runtimes in one process
// crash. Go programs import github.com/vpnsql/vpnsql instead.
package main

import "C"

import (
	"os"
	"strings"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/engine"
)

func init() {
	engine.Install(clientvpn.Config{Regions: splitList(os.Getenv("VPNSQL_REGION"))})
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func main() {}
