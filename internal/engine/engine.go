// Package engine wires the tables and functions onto every SQLite
// connection that runs vpnsql's entry point. Each door (the CLI, the Go
// registration, the loadable extension) builds a clientvpn.Config and a
// functions.TerminatePolicy its own way and calls Install; nothing else
// differs between them.
package engine

import (
	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/connlog"
	"github.com/vpnsql/vpnsql/internal/sqlite"
	"github.com/vpnsql/vpnsql/vtab"
)

// Install makes every connection that runs the entry point from now on see
// the tables and functions, served by one Service built from cfg. terminate
// is the door's decision about the terminate functions (its zero value keeps
// them off). It returns that Service.
func Install(cfg clientvpn.Config, terminate functions.TerminatePolicy) *clientvpn.Service {
	svc := clientvpn.New(cfg)
	term := functions.NewTerminator(svc, terminate)
	// The connection log reads CloudWatch Logs with the same configuration,
	// warnings and progress as the Client VPN tables.
	logs := connlog.New(connlog.Options{
		ConfigFor:  svc.AWSConfig,
		MaxBackoff: cfg.MaxBackoff,
		Progress:   svc.Progress(),
		Warn: func(account, region, group string, err error) {
			svc.Warn(account, region, "FilterLogEvents", "log group "+group, err)
		},
		Strict: func() bool { return svc.Settings().Strict },
	})
	backend := struct {
		*clientvpn.Service
		*connlog.Reader
	}{svc, logs}
	sqlite.OnConnect(func(conn *sqlite.Conn) error {
		if err := vtab.Register(conn, backend); err != nil {
			return err
		}
		return functions.Register(conn, svc, term)
	})
	return svc
}
