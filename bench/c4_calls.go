package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver the Go door registers on

	"github.com/vpnsql/vpnsql"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// shape is one query of contest 4 and the fewest API calls that can
// answer it.
type shape struct {
	name    string
	setup   string // run first, not counted
	query   string // returns one count
	rows    int64  // what the query must return
	minimum int
	warm    bool // keep the cache from the previous shape (the repeated query)
}

// apiCalls is contest 4: how many requests each query shape sends, from the
// fake's request log, against the fewest the API allows. It uses the Go
// door (database/sql in this process), so the log can be reset between
// queries; the engine is the one every door shares.
func (b *bench) apiCalls(ctx context.Context) error {
	const perEndpoint = 4
	n := b.sz.callConnections
	pages := max(1, (n+999)/1000)
	ds := ec2fake.ScaledDataset(2, perEndpoint, n) // us-east-1 and us-east-2
	f, err := startFake(ds, false)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := vpnsql.Register(vpnsql.Options{
		Regions:     []string{"us-east-1"},
		EndpointURL: f.URL,
		Credentials: clientvpn.DummyCredentials(),
	}); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: the temp table stays visible

	e := endpointIDs(ds) // e[0..3] in us-east-1, e[4..7] in us-east-2
	pinned := fmt.Sprintf("SELECT count(*) FROM client_vpn_connections WHERE clientVpnEndpointId = '%s' AND region = 'us-east-1'", e[0])
	shapes := []shape{
		{name: "pinned endpoint and region", query: pinned, rows: int64(n), minimum: pages},
		{name: "IN list of 3 endpoints, region pinned",
			query: "SELECT count(*) FROM client_vpn_connections WHERE clientVpnEndpointId IN " + sqlList(e[:3]) + " AND region = 'us-east-1'",
			rows:  int64(3 * n), minimum: 3 * pages},
		{name: "join with a local table of 4 ids (3 distinct endpoints)",
			setup: "CREATE TEMP TABLE wanted(id TEXT); INSERT INTO wanted VALUES ('" + strings.Join([]string{e[0], e[1], e[2], e[0]}, "'), ('") + "')",
			query: "SELECT count(*) FROM wanted w JOIN client_vpn_connections c ON c.clientVpnEndpointId = w.id",
			rows:  int64(4 * n), minimum: 3 * pages},
		{name: "discovery: every endpoint of 2 regions",
			query: "SELECT count(*) FROM client_vpn_connections WHERE region IN ('us-east-1', 'us-east-2')",
			rows:  int64(2 * perEndpoint * n), minimum: 2 + 2*perEndpoint*pages},
		{name: "client_vpn_endpoints LEFT JOIN client_vpn_connections (the README's join)",
			query: "SELECT count(c.connectionId) FROM client_vpn_endpoints e LEFT JOIN client_vpn_connections c " +
				"ON c.clientVpnEndpointId = e.clientVpnEndpointId AND c.region = e.region",
			rows: int64(perEndpoint * n), minimum: 1 + perEndpoint*pages},
		{name: "pinned query again, within the cache TTL", query: pinned, rows: int64(n), minimum: 0, warm: true},
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var detail []string
	for _, s := range shapes {
		if !s.warm {
			if _, err := conn.ExecContext(ctx, "SELECT vpnsql_clear_cache()"); err != nil {
				return err
			}
		}
		if s.setup != "" {
			if _, err := conn.ExecContext(ctx, s.setup); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
		f.ResetLog()
		var got int64
		if err := conn.QueryRowContext(ctx, s.query).Scan(&got); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if got != s.rows {
			return fmt.Errorf("%s: count %d, want %d", s.name, got, s.rows)
		}
		calls := f.calls("")
		met := calls == s.minimum
		ratio := "="
		if !met {
			ratio = fmt.Sprintf("%+d", calls-s.minimum)
		}
		b.add(result{"4", "API calls: " + s.name, fmt.Sprint(calls), fmt.Sprintf("%d minimum", s.minimum), ratio, "equal", verdict(met)})
		detail = append(detail, fmt.Sprintf("%s: %s", s.name, actions(f.Requests())))
	}
	b.explain("4", "API calls per query shape.", fmt.Sprintf(
		"The Go door (vpnsql.Register, database/sql, one connection) against a fake with 2 regions x %d "+
			"endpoints of %d connections (%d pages each), no latency, cache on (default TTL 30 s) but "+
			"cleared before every shape except the repeated query. A call is any request in the fake's "+
			"log, retries included. Minimum: one call per page of every endpoint the query needs, plus one "+
			"DescribeClientVpnEndpoints per region it must list; a repeated query within the TTL needs none. "+
			"The local table holds one id twice, so the minimum counts distinct endpoints. Calls made: %s.",
		perEndpoint, n, pages, strings.Join(detail, "; ")))
	return nil
}

// actions summarises a request log: "2 DescribeClientVpnConnections".
func actions(log []ec2fake.Request) string {
	counts := map[string]int{}
	var order []string
	for _, r := range log {
		if counts[r.Action] == 0 {
			order = append(order, r.Action)
		}
		counts[r.Action]++
	}
	if len(order) == 0 {
		return "none"
	}
	var parts []string
	for _, a := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
	}
	return strings.Join(parts, " + ")
}
