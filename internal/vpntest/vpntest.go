// Package vpntest sets up the real thing for tests: the fake EC2 endpoint on
// 127.0.0.1, the engine pointed at it through the real SDK, and a
// database/sql connection with the tables.
package vpntest

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/engine"
	"github.com/vpnsql/vpnsql/internal/sqlite/autoext"
)

// Env is one test's fake AWS and the database that queries it.
type Env struct {
	Fake    *ec2fake.Server
	URL     string
	DB      *sql.DB
	Service *clientvpn.Service
	// AuditLog is the terminate functions' audit file.
	AuditLog string
}

// Start serves ds and installs the engine against it with cfg (its
// EndpointURL and, unless it names Profiles, Credentials are filled in; Regions default to
// us-east-1, and the cache is off unless cfg.CacheTTL is set, so that
// request counts are per query). The terminate functions are off (see
// StartWith). Tests using it must not run in parallel: the engine is
// process-wide.
func Start(t testing.TB, ds *ec2fake.Dataset, cfg clientvpn.Config) *Env {
	t.Helper()
	return StartWith(t, ds, cfg, functions.TerminatePolicy{})
}

// StartWith is Start with the terminate functions under policy. Its Door
// defaults to the Go door's, and its AuditLog to a file in t.TempDir() (in
// Env.AuditLog), so tests never write to the user's real audit log.
func StartWith(t testing.TB, ds *ec2fake.Dataset, cfg clientvpn.Config, policy functions.TerminatePolicy) *Env {
	t.Helper()
	if policy.Door == "" {
		policy.Door = functions.DoorGo
	}
	if policy.AuditLog == "" {
		policy.AuditLog = filepath.Join(t.TempDir(), "audit.jsonl")
	}
	fake := ec2fake.New(ds)
	run, err := ec2fake.Start(fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	cfg.EndpointURL = run.URL
	if len(cfg.Profiles) == 0 { // profiles bring their own keys
		cfg.Credentials = clientvpn.DummyCredentials()
	}
	if cfg.Regions == nil {
		cfg.Regions = []string{"us-east-1"}
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = -1
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Millisecond // throttling tests retry quickly
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = 200 * time.Millisecond // and give up on endless throttling quickly
	}
	svc := engine.Install(cfg, policy)
	if err := autoext.Install(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	// One connection: temp tables and settings stay visible to every query.
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &Env{Fake: fake, URL: run.URL, DB: db, Service: svc, AuditLog: policy.AuditLog}
}

// Calls returns the logged requests of one action.
func (e *Env) Calls(action string) []ec2fake.Request {
	var out []ec2fake.Request
	for _, r := range e.Fake.Requests() {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}
