package vtab_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/functions"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

const orgRole = ec2fake.DefaultOrgRole

var twoRegions = []string{"us-east-1", "eu-west-1"}

// accountID is the i-th test account's id: 100000000001, 100000000002, …
func accountID(i int) string { return fmt.Sprintf("1000000000%02d", i+1) }

// accountKey is the i-th account's static access key.
func accountKey(i int) string { return fmt.Sprintf("AKIDTEST%02d", i+1) }

// connectionsIn is how many connections account i has in region j: all
// different, so a row counted in the wrong account or region shows.
func connectionsIn(i, j int) int { return 3 + 2*i + j }

// accountsDataset has n accounts, each with one endpoint in each of
// twoRegions holding connectionsIn(i, j) connections. Account 0 manages
// the organization and signs with DummyCredentials' key.
func accountsDataset(n int) *ec2fake.Dataset {
	ds := &ec2fake.Dataset{Regions: twoRegions, Organization: &ec2fake.Organization{ManagementAccount: accountID(0)}}
	for i := range n {
		a := &ec2fake.Account{ID: accountID(i), Name: fmt.Sprintf("Account %d", i+1), Email: fmt.Sprintf("a%d@example.com", i+1),
			Status: "ACTIVE", State: "ACTIVE", AccessKey: accountKey(i)}
		if i == 0 {
			a.AccessKey = "AKIDVPNSQLDEMO"
		}
		ds.Accounts = append(ds.Accounts, a)
		for j, region := range twoRegions {
			e := &ec2fake.Endpoint{
				Account: a.ID, Region: region, ID: fmt.Sprintf("cvpn-endpoint-0%02x%02x000000000000", i, j),
				Description: fmt.Sprintf("account %d %s", i+1, region), StatusCode: "available",
				TransportProtocol: "udp", VpnProtocol: "openvpn", VpnPort: 443, ClientCidrBlock: "10.0.0.0/16",
			}
			for k := range connectionsIn(i, j) {
				e.Connections = append(e.Connections, &ec2fake.Connection{
					ClientVpnEndpointID: e.ID, ConnectionID: fmt.Sprintf("cvpn-connection-0%02x%02x%02x0000000000", i, j, k),
					Username: fmt.Sprintf("user%d", k), Timestamp: "2026-11-26 12:00:00", ConnectionEstablishedTime: "2026-11-26 11:00:00",
					ClientIP: "10.0.0.1", StatusCode: "active", ConnectionEndTime: "-",
				})
			}
			ds.Endpoints = append(ds.Endpoints, e)
		}
	}
	return ds
}

// countsByAccount runs query (rows of accountId, count) into a map.
func countsByAccount(t *testing.T, db *sql.DB, query string) map[string]int {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id sql.NullString
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id.String] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// requestsOf returns the fake's requests of one service and action.
func requestsOf(env *vpntest.Env, service, action string) []ec2fake.Request {
	var out []ec2fake.Request
	for _, r := range env.Fake.Requests() {
		if r.Service == service && (action == "" || r.Action == action) {
			out = append(out, r)
		}
	}
	return out
}

// writeProfiles writes a shared config and credentials file defining
// profiles name -> access key, and points the SDK at them.
func writeProfiles(t *testing.T, keys map[string]string) {
	t.Helper()
	dir := t.TempDir()
	var conf, creds strings.Builder
	for name, key := range keys {
		fmt.Fprintf(&conf, "[profile %s]\nregion = us-east-1\n\n", name)
		fmt.Fprintf(&creds, "[%s]\naws_access_key_id = %s\naws_secret_access_key = secret-%s\n\n", name, key, key)
	}
	for file, text := range map[string]string{"config": conf.String(), "credentials": creds.String()} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
}

func TestProfilesTwoAccounts(t *testing.T) {
	ds := accountsDataset(3)
	// "twin" signs for the same account as "prod": read once, and said so.
	writeProfiles(t, map[string]string{"prod": accountKey(1), "acquired": accountKey(2), "twin": accountKey(1)})
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{
		Regions: twoRegions, Profiles: []string{"prod", "acquired", "twin"}}})

	got := countsByAccount(t, env.DB, `SELECT accountId || '/' || region, count(*) FROM client_vpn_connections GROUP BY 1`)
	want := map[string]int{}
	for _, i := range []int{1, 2} {
		for j, region := range twoRegions {
			want[accountID(i)+"/"+region] = connectionsIn(i, j)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows per account/region = %v, want %v", got, want)
	}
	// Each EC2 request signed by the account whose endpoints it read.
	for _, r := range requestsOf(env, "ec2", "") {
		if id := r.Params.Get("ClientVpnEndpointId"); id != "" && ds.Endpoint(id).Account != r.Account {
			t.Errorf("%s for %s signed by account %s", r.Action, id, r.Account)
		}
	}
	if n := len(requestsOf(env, "sts", "GetCallerIdentity")); n != 3 {
		t.Errorf("GetCallerIdentity calls = %d, want 3 (one per profile)", n)
	}
	// A second query asks STS nothing more.
	env.Fake.ResetLog()
	if got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_endpoints GROUP BY 1`); len(got) != 2 {
		t.Errorf("endpoints per account = %v, want 2 accounts", got)
	}
	if n := len(requestsOf(env, "sts", "")); n != 0 {
		t.Errorf("STS calls on the second query = %d, want 0", n)
	}
	var status, message string
	if err := env.DB.QueryRow(`SELECT status, message FROM vpnsql_accounts WHERE profile = 'twin'`).Scan(&status, &message); err != nil {
		t.Fatal(err)
	}
	if status != "skipped" || !strings.Contains(message, "same account as profile prod") {
		t.Errorf("twin profile: %s, %q; want skipped as the same account as prod", status, message)
	}
}

func TestProfileWithBadKeysIsAWarning(t *testing.T) {
	ds := accountsDataset(2)
	writeProfiles(t, map[string]string{"good": accountKey(1), "revoked": "AKIDREVOKED"})
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{
		Regions: twoRegions, Profiles: []string{"good", "revoked"}}})
	got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_connections GROUP BY 1`)
	if want := connectionsIn(1, 0) + connectionsIn(1, 1); len(got) != 1 || got[accountID(1)] != want {
		t.Errorf("rows = %v, want only %s with %d", got, accountID(1), want)
	}
	var message string
	if err := env.DB.QueryRow(`SELECT message FROM vpnsql_warnings`).Scan(&message); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(message, "profile revoked") || !strings.Contains(message, "InvalidClientTokenId") {
		t.Errorf("warning %q should name the profile and STS's refusal", message)
	}
}

// orgDataset is accountsDataset(5) where account 3 refuses the role and
// account 4 is SUSPENDED.
func orgDataset() *ec2fake.Dataset {
	ds := accountsDataset(5)
	ds.Accounts[3].RefuseRole = true
	ds.Accounts[4].Status, ds.Accounts[4].State = "SUSPENDED", "SUSPENDED"
	return ds
}

func TestOrganization(t *testing.T) {
	env := vpntest.Start(t, orgDataset(), clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions, OrgRole: orgRole}})
	got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_connections GROUP BY 1`)
	want := map[string]int{}
	for _, i := range []int{0, 1, 2} {
		want[accountID(i)] = connectionsIn(i, 0) + connectionsIn(i, 1)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows per account = %v, want %v", got, want)
	}
	refused, suspended := accountID(3), accountID(4)
	warned := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM vpnsql_warnings WHERE message LIKE '%AccessDenied%' GROUP BY 1`)
	if len(warned) != 1 || warned[refused] != 1 {
		t.Errorf("AccessDenied warnings per account = %v, want one, for %s", warned, refused)
	}
	// Joined with vpnsql_accounts, the SUSPENDED account gives no rows, not
	// an error ("not in scope"), and is still never contacted. (The account
	// whose role is refused would fail its scan: nothing could be read.)
	joined := countsByAccount(t, env.DB, `SELECT a.accountId, count(c.connectionId) FROM vpnsql_accounts AS a
		LEFT JOIN client_vpn_connections AS c ON c.accountId = a.accountId WHERE a.status <> 'error' GROUP BY 1`)
	if n, ok := joined[suspended]; !ok || n != 0 || joined[accountID(1)] != want[accountID(1)] {
		t.Errorf("joined with vpnsql_accounts: %v", joined)
	}
	for _, r := range env.Fake.Requests() {
		if r.Account == suspended || strings.Contains(r.Params.Get("RoleArn"), suspended) {
			t.Errorf("the SUSPENDED account was contacted: %s %s", r.Service, r.Action)
		}
		if r.Service == "ec2" && r.Account == refused {
			t.Errorf("EC2 request signed for the account that refused the role: %s", r.Action)
		}
	}
	if n := len(requestsOf(env, "organizations", "ListAccounts")); n != 1 {
		t.Errorf("ListAccounts calls = %d, want 1", n)
	}
	statuses := map[string]string{}
	rows, err := env.DB.Query(`SELECT accountId, status FROM vpnsql_accounts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		statuses[id] = st
	}
	rows.Close()
	if statuses[refused] != "error" || statuses[suspended] != "skipped" || statuses[accountID(1)] != "ok" || len(statuses) != 5 {
		t.Errorf("vpnsql_accounts statuses = %v", statuses)
	}

	// Strict: the refusal is the query's error, naming the account.
	if _, err := env.DB.Exec(`SELECT vpnsql_config('strict', 1)`); err != nil {
		t.Fatal(err)
	}
	_, err = env.DB.Exec(`SELECT count(*) FROM client_vpn_connections`)
	if err == nil || !strings.Contains(err.Error(), refused) {
		t.Errorf("strict query error = %v, want one naming %s", err, refused)
	}
}

func TestOrganizationPages(t *testing.T) {
	ds := accountsDataset(45)
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{OrgRole: orgRole}})
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM vpnsql_accounts WHERE status = 'ok'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 45 {
		t.Errorf("accounts = %d, want 45", n)
	}
	if calls := len(requestsOf(env, "organizations", "ListAccounts")); calls != 3 {
		t.Errorf("ListAccounts calls = %d, want 3 pages of at most 20", calls)
	}
	if calls := len(requestsOf(env, "sts", "AssumeRole")); calls != 0 {
		t.Errorf("AssumeRole calls = %d, want 0: listing assumes nothing", calls)
	}
}

func TestAccountPushdown(t *testing.T) {
	env := vpntest.Start(t, orgDataset(), clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions, OrgRole: orgRole}})
	x := accountID(2)
	var n int
	if err := env.DB.QueryRow(`SELECT count(*) FROM client_vpn_connections WHERE accountId = ?`, x).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := connectionsIn(2, 0) + connectionsIn(2, 1); n != want {
		t.Errorf("rows = %d, want %d", n, want)
	}
	ec2 := requestsOf(env, "ec2", "")
	if len(ec2) == 0 {
		t.Fatal("no EC2 request")
	}
	for _, r := range ec2 {
		if r.Account != x {
			t.Errorf("EC2 %s signed by %s, want only %s", r.Action, r.Account, x)
		}
	}
	assumed := requestsOf(env, "sts", "AssumeRole")
	if len(assumed) != 1 || !strings.Contains(assumed[0].Params.Get("RoleArn"), x) {
		t.Errorf("AssumeRole calls %v, want exactly X's", assumed)
	}

	for _, tc := range []struct{ value, want string }{
		{"999999999999", "not in scope (accounts in scope: " + accountID(0)},
		{"12345", "accountId '12345' is not an AWS account id"},
	} {
		env.Fake.ResetLog()
		_, err := env.DB.Exec(`SELECT count(*) FROM client_vpn_endpoints WHERE accountId = ?`, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("accountId = %s: error %v, want it to contain %q", tc.value, err, tc.want)
		}
		if n := len(requestsOf(env, "ec2", "")); n != 0 {
			t.Errorf("accountId = %s: %d EC2 requests, want none", tc.value, n)
		}
	}
}

func TestDefaultAccountIDOnlyWhenNeeded(t *testing.T) {
	env := vpntest.Start(t, accountsDataset(1), clientvpn.Config{})
	if _, err := env.DB.Exec(`SELECT count(*) FROM client_vpn_connections`); err != nil {
		t.Fatal(err)
	}
	if n := len(requestsOf(env, "sts", "")); n != 0 {
		t.Errorf("STS calls for a query without accountId = %d, want 0", n)
	}
	for range 2 {
		got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_connections GROUP BY 1`)
		if got[accountID(0)] != connectionsIn(0, 0) {
			t.Errorf("rows per account = %v", got)
		}
	}
	if n := len(requestsOf(env, "sts", "GetCallerIdentity")); n != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1 per process", n)
	}
}

func TestTerminateFindsTheOwnerAccount(t *testing.T) {
	ds := accountsDataset(3)
	env := vpntest.StartWith(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions, OrgRole: orgRole}},
		functions.TerminatePolicy{Allow: true})
	owner := ds.Endpoints[2*1+1] // account 2's endpoint in eu-west-1
	conn := owner.Connections[0].ConnectionID
	var answer string
	if err := env.DB.QueryRow(`SELECT client_vpn_connections_terminate(?, 'eu-west-1', ?)`, owner.ID, conn).Scan(&answer); err != nil {
		t.Fatal(err)
	}
	terminates := requestsOf(env, "ec2", "TerminateClientVpnConnections")
	if len(terminates) != 1 || terminates[0].Account != owner.Account {
		t.Fatalf("terminate requests %+v, want exactly one signed by %s", terminates, owner.Account)
	}
	audit, err := os.ReadFile(env.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	// Write-ahead: the intent, written before the request, names the
	// owner too, and so does the outcome.
	var outcomes []string
	for _, line := range strings.Split(strings.TrimSpace(string(audit)), "\n") {
		var rec struct{ Outcome, AccountID string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if rec.AccountID != owner.Account {
			t.Errorf("audit record %s has accountId %q, want the owner's %s", rec.Outcome, rec.AccountID, owner.Account)
		}
		outcomes = append(outcomes, rec.Outcome)
	}
	if !slices.Equal(outcomes, []string{"sending", "succeeded"}) {
		t.Errorf("audit outcomes %v, want the intent then the outcome", outcomes)
	}

	// The owner is known now: the next terminate there asks nobody.
	env.Fake.ResetLog()
	if _, err := env.DB.Exec(`SELECT client_vpn_connections_terminate(?, 'eu-west-1', ?)`, owner.ID, owner.Connections[1].ConnectionID); err != nil {
		t.Fatal(err)
	}
	if n := len(requestsOf(env, "ec2", "DescribeClientVpnEndpoints")); n != 0 {
		t.Errorf("%d ownership lookups for an endpoint whose owner is known", n)
	}

	// An endpoint no account owns: an error, and nothing sent.
	env.Fake.ResetLog()
	_, err = env.DB.Exec(`SELECT client_vpn_connections_terminate('cvpn-endpoint-0ffffffffffffffff', 'eu-west-1', ?)`, conn)
	if err == nil || !strings.Contains(err.Error(), "in none of the accounts in scope") {
		t.Errorf("unknown endpoint: error %v", err)
	}
	if n := len(requestsOf(env, "ec2", "TerminateClientVpnConnections")); n != 0 {
		t.Errorf("%d terminate requests for an endpoint no account owns", n)
	}
}

func TestCancelledOrganizationScanLeavesNoGoroutines(t *testing.T) {
	env := vpntest.Start(t, accountsDataset(8), clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions, OrgRole: orgRole}})
	env.Fake.SetLatency(50 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	rows, err := env.DB.QueryContext(ctx, `SELECT connectionId FROM client_vpn_connections`)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	cancel()
	rows.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "internal/clientvpn.") && !strings.Contains(stacks, "internal/accounts.") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("scan goroutines left after cancel:\n%s", stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRegionDisabledInOneAccount(t *testing.T) {
	ds := accountsDataset(3)
	ds.Accounts[2].Regions = []string{"us-east-1"} // eu-west-1 not enabled there
	ds.Endpoints = ds.Endpoints[:5]                // nor any endpoint in it
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions, OrgRole: orgRole}})
	got := countsByAccount(t, env.DB, `SELECT accountId || '/' || region, count(*) FROM client_vpn_connections GROUP BY 1`)
	want := map[string]int{}
	for i := range 3 {
		for j, region := range twoRegions {
			if i < 2 || j == 0 {
				want[accountID(i)+"/"+region] = connectionsIn(i, j)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
	var account, region, code string
	if err := env.DB.QueryRow(`SELECT accountId, region, code FROM vpnsql_warnings`).Scan(&account, &region, &code); err != nil {
		t.Fatal(err)
	}
	if account != accountID(2) || region != "eu-west-1" || code != "AuthFailure" {
		t.Errorf("warning %s %s %s, want %s eu-west-1 AuthFailure", account, region, code, accountID(2))
	}
}

func TestConfigSettingsFromSQL(t *testing.T) {
	env := vpntest.Start(t, accountsDataset(3), clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions}})
	for _, tc := range []struct{ sql, want string }{
		{`SELECT vpnsql_config('strict', NULL)`, "strict cannot be NULL"},
		{`SELECT vpnsql_config('region', x'75')`, "'u' is not an AWS region name"},
		{`SELECT vpnsql_config('cache_ttl', 1e300)`, "1e+300"},
		{`SELECT vpnsql_config('org_role', 'no such/role')`, "not an IAM role name"},
	} {
		if _, err := env.DB.Exec(tc.sql); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.sql, err, tc.want)
		}
	}
	// Setting org_role changes the scope for the next query.
	if _, err := env.DB.Exec(`SELECT vpnsql_config('org_role', ?)`, orgRole); err != nil {
		t.Fatal(err)
	}
	got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_endpoints GROUP BY 1`)
	if len(got) != 3 {
		t.Errorf("endpoints per account after org_role = %v, want 3 accounts", got)
	}
	if _, err := env.DB.Exec(`SELECT vpnsql_config('org_role', '')`); err != nil {
		t.Fatal(err)
	}
	got = countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_endpoints GROUP BY 1`)
	if len(got) != 1 || got[accountID(0)] != 2 {
		t.Errorf("endpoints per account after clearing org_role = %v, want only %s", got, accountID(0))
	}
}

func TestProfilesRegionFromTheProfile(t *testing.T) {
	ds := accountsDataset(3)
	writeProfiles(t, map[string]string{"prod": accountKey(1), "acquired": accountKey(2)}) // region = us-east-1
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{
		Regions: []string{}, Profiles: []string{"prod", "acquired"}}})
	got := countsByAccount(t, env.DB, `SELECT accountId || '/' || region, count(*) FROM client_vpn_connections GROUP BY 1`)
	want := map[string]int{accountID(1) + "/us-east-1": connectionsIn(1, 0), accountID(2) + "/us-east-1": connectionsIn(2, 0)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
}

// TestRulesAndConnectionLogPerAccount: the tables that came after accounts
// read every account too, fill accountId, and push accountId down: only
// the named account's credentials are used, for EC2 and CloudWatch Logs.
func TestRulesAndConnectionLogPerAccount(t *testing.T) {
	ds := accountsDataset(3)
	for i, e := range ds.Endpoints {
		for k := range i + 1 { // a different count per endpoint
			e.AuthorizationRules = append(e.AuthorizationRules, &ec2fake.AuthorizationRule{
				DestinationCidr: fmt.Sprintf("10.%d.%d.0/24", i, k), AccessAll: true, StatusCode: "active"})
		}
		e.ConnectionLogEnabled, e.CloudwatchLogGroup = true, "/vpn/"+e.ID
	}
	env := vpntest.Start(t, ds, clientvpn.Config{Settings: clientvpn.Settings{Regions: twoRegions, OrgRole: orgRole}})
	now := time.Now().UnixMilli()
	for i, e := range ds.Endpoints {
		for k := range 2 * (i + 1) {
			env.Fake.PutLogEvents(e.Region, e.CloudwatchLogGroup, e.ID, ec2fake.LogEvent{Timestamp: now - int64(k)*1000,
				Message: fmt.Sprintf(`{"connection-log-type":"connection-attempt","client-vpn-endpoint-id":"%s"}`, e.ID)})
		}
	}
	rules, logs := map[string]int{}, map[string]int{}
	for i, e := range ds.Endpoints {
		rules[e.Account] += i + 1
		logs[e.Account] += 2 * (i + 1)
	}
	if got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_authorization_rules GROUP BY 1`); !maps.Equal(got, rules) {
		t.Errorf("rules per account %v, want %v", got, rules)
	}
	if got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM client_vpn_connection_log GROUP BY 1`); !maps.Equal(got, logs) {
		t.Errorf("log events per account %v, want %v", got, logs)
	}

	x := accountID(2)
	for _, table := range []string{"client_vpn_authorization_rules", "client_vpn_connection_log"} {
		env.Fake.ResetLog()
		got := countsByAccount(t, env.DB, `SELECT accountId, count(*) FROM `+table+` WHERE accountId = '`+x+`' GROUP BY 1`)
		want := map[string]int{x: rules[x]}
		if table == "client_vpn_connection_log" {
			want[x] = logs[x]
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s WHERE accountId = %s: %v, want %v", table, x, got, want)
		}
		for _, r := range env.Fake.Requests() {
			if (r.Service == "ec2" || r.Service == "logs") && r.Account != x {
				t.Errorf("%s WHERE accountId = %s: %s %s signed for %q", table, x, r.Service, r.Action, r.Account)
			}
		}
	}
}
