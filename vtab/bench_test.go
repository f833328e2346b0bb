package vtab_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
	"github.com/vpnsql/vpnsql/internal/sqlite/autoext"
	"github.com/vpnsql/vpnsql/vtab"
)

// memoryBackend serves prebuilt pages of one endpoint from memory, so a
// benchmark measures the table itself, not HTTP or XML.
type memoryBackend struct {
	pages [][]types.ClientVpnConnection
}

func (m *memoryBackend) ScanConnections(ctx context.Context, scan clientvpn.ConnectionScan) (*clientvpn.Stream[types.ClientVpnConnection], error) {
	scan.Regions = []string{"us-east-1"}
	return clientvpn.ScanConnections(ctx, m, scan, clientvpn.ScanOptions{Concurrency: 1}), nil
}

func (m *memoryBackend) ScanEndpoints(ctx context.Context, scan clientvpn.EndpointScan) (*clientvpn.Stream[types.ClientVpnEndpoint], error) {
	scan.Regions = []string{"us-east-1"}
	return clientvpn.ScanEndpoints(ctx, m, scan, clientvpn.ScanOptions{Concurrency: 1}), nil
}

func (m *memoryBackend) ScanAuthorizationRules(ctx context.Context, scan clientvpn.AuthorizationRuleScan) (*clientvpn.Stream[types.AuthorizationRule], error) {
	return nil, errors.New("the benchmarks have no authorization rules")
}

func (m *memoryBackend) Warnings(int64) []clientvpn.Warning { return nil }

func (m *memoryBackend) Accounts(context.Context) ([]accounts.Account, error) { return nil, nil }

func (m *memoryBackend) Endpoints(ctx context.Context, q clientvpn.EndpointQuery, page func([]types.ClientVpnEndpoint) error) error {
	return page([]types.ClientVpnEndpoint{{ClientVpnEndpointId: aws.String(benchEndpoint)}})
}

func (m *memoryBackend) Connections(ctx context.Context, q clientvpn.ConnectionQuery, page func([]types.ClientVpnConnection) error) error {
	for _, p := range m.pages {
		if err := page(p); err != nil {
			return err
		}
	}
	return nil
}

const benchEndpoint = "cvpn-endpoint-0123456789abcdef0"

func benchConnections(n int) [][]types.ClientVpnConnection {
	var pages [][]types.ClientVpnConnection
	for start := 0; start < n; start += 1000 {
		page := make([]types.ClientVpnConnection, 0, 1000)
		for i := start; i < min(n, start+1000); i++ {
			end := "-"
			if i%4 == 0 {
				end = "2026-11-26 11:30:00"
			}
			page = append(page, types.ClientVpnConnection{
				ClientIp:                  aws.String(fmt.Sprintf("10.0.%d.%d", i/256%256, i%256)),
				ClientVpnEndpointId:       aws.String(benchEndpoint),
				CommonName:                aws.String(fmt.Sprintf("user%d.vpn.example.com", i%5000)),
				ConnectionEndTime:         aws.String(end),
				ConnectionEstablishedTime: aws.String("2026-11-26 08:00:00"),
				ConnectionId:              aws.String(fmt.Sprintf("cvpn-connection-%017x", i)),
				EgressBytes:               aws.String(strconv.Itoa(i * 1000)),
				EgressPackets:             aws.String(strconv.Itoa(i)),
				IngressBytes:              aws.String(strconv.Itoa(i * 3000)),
				IngressPackets:            aws.String(strconv.Itoa(i * 3)),
				PostureComplianceStatuses: []string{"compliant"},
				Status:                    &types.ClientVpnConnectionStatus{Code: "active", Message: aws.String("Connection is active")},
				Timestamp:                 aws.String("2026-11-26 12:00:00"),
				Username:                  aws.String(fmt.Sprintf("user%d", i%5000)),
			})
		}
		pages = append(pages, page)
	}
	return pages
}

// scanAll reads every column of every row the way a database/sql program does.
func scanAll(b *testing.B, db *sql.DB, query string) int {
	rows, err := db.Query(query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkSelectStarVersusNative runs SELECT * over the same rows served
// by client_vpn_connections from memory and stored in a native SQLite
// table, alternating within each iteration, and reports the time ratio
// (goal: at most 2.0x).
func BenchmarkSelectStarVersusNative(b *testing.B) {
	const n = 1_000_000
	backend := &memoryBackend{pages: benchConnections(n)}
	sqlite.OnConnect(func(conn *sqlite.Conn) error { return vtab.Register(conn, backend) })
	if err := autoext.Install(); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	const columns = `clientIp, clientVpnEndpointId, commonName, connectionEndTime, connectionEstablishedTime,
		connectionId, egressBytes, egressPackets, ingressBytes, ingressPackets,
		postureComplianceStatusSet, status, timestamp, username`
	table := fmt.Sprintf(`SELECT * FROM client_vpn_connections WHERE clientVpnEndpointId = '%s'`, benchEndpoint)
	if _, err := db.Exec(`CREATE TABLE native AS SELECT ` + columns + ` FROM client_vpn_connections WHERE clientVpnEndpointId = '` + benchEndpoint + `'`); err != nil {
		b.Fatal(err)
	}
	var tableTime, nativeTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if got := scanAll(b, db, `SELECT * FROM native`); got != n {
			b.Fatalf("native: %d rows", got)
		}
		nativeTime += time.Since(start)
		start = time.Now()
		if got := scanAll(b, db, table); got != n {
			b.Fatalf("table: %d rows", got)
		}
		tableTime += time.Since(start)
	}
	b.ReportMetric(float64(nativeTime.Nanoseconds())/float64(b.N)/n, "ns/row-native")
	b.ReportMetric(float64(tableTime.Nanoseconds())/float64(b.N)/n, "ns/row-table")
	b.ReportMetric(float64(tableTime)/float64(nativeTime), "x-native")
}
