package ec2fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// DefaultAccountID owns every endpoint of a dataset that declares no
// accounts; any access key then signs for it.
const DefaultAccountID = "123456789012"

// DefaultOrgRole is the role AWS creates in member accounts, and the one
// the fake's accounts accept unless Organization.RoleName says otherwise.
const DefaultOrgRole = "OrganizationAccountAccessRole"

// Account is one AWS account of the dataset.
type Account struct {
	ID    string // 12 digits
	Name  string
	Email string
	// Status (ACTIVE, SUSPENDED, PENDING_CLOSURE) and State
	// (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED) as
	// Organizations reports them; "" leaves the member out of the answer.
	Status string
	State  string
	// AccessKey signs requests as this account's user (a named profile's
	// static keys); "" for accounts reached only through AssumeRole.
	AccessKey string
	// RefuseRole makes AssumeRole into this account fail with AccessDenied,
	// as a member without the role (or with a trust policy that leaves the
	// caller out) does.
	RefuseRole bool
	// Regions enabled in this account; nil means Dataset.Regions.
	Regions []string
}

// Organization says which account manages the dataset's accounts.
type Organization struct {
	// ManagementAccount may call Organizations ListAccounts; any other
	// caller gets AccessDeniedException.
	ManagementAccount string
	// RoleName is the role AssumeRole accepts in members (default
	// DefaultOrgRole).
	RoleName string
}

// issuedKeys maps the temporary access keys AssumeRole handed out to the
// account they sign for.
type issuedKeys struct {
	mu   sync.Mutex
	seq  int
	keys map[string]string
}

func (k *issuedKeys) issue(account string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seq++
	key := fmt.Sprintf("ASIA%s%08X", account, k.seq)
	if k.keys == nil {
		k.keys = map[string]string{}
	}
	k.keys[key] = account
	return key
}

func (k *issuedKeys) account(key string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.keys[key]
	return a, ok
}

// accountOfKey says which account an access key signs for. Without
// declared accounts every key is the default account's.
func (s *Server) accountOfKey(key string) (string, bool) {
	if len(s.ds.Accounts) == 0 { // Accounts never change after New
		return DefaultAccountID, true
	}
	for _, a := range s.ds.Accounts {
		if a.AccessKey != "" && a.AccessKey == key {
			return a.ID, true
		}
	}
	return s.issued.account(key)
}

// account returns the dataset's account with id, or nil.
func (d *Dataset) account(id string) *Account {
	for _, a := range d.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// endpointAccount is the account owning e: its Account, else the first
// declared account, else DefaultAccountID.
func (d *Dataset) endpointAccount(e *Endpoint) string {
	switch {
	case e.Account != "":
		return e.Account
	case len(d.Accounts) > 0:
		return d.Accounts[0].ID
	}
	return DefaultAccountID
}

// regionEnabled says whether account has region enabled.
func (d *Dataset) regionEnabled(account, region string) bool {
	if a := d.account(account); a != nil && a.Regions != nil {
		return slices.Contains(a.Regions, region)
	}
	return slices.Contains(d.Regions, region)
}

// enabledRegions lists account's enabled regions, in DescribeRegions order.
func (d *Dataset) enabledRegions(account string) []string {
	if a := d.account(account); a != nil && a.Regions != nil {
		return a.Regions
	}
	return d.Regions
}

// accountRegion keys the endpoint index.
func accountRegion(account, region string) string { return account + "/" + region }

// The sample organization's accounts (SampleOrganization).
const (
	SampleManagementAccount = "111111111111"
	SampleProductionAccount = "222222222222"
	SampleAcquiredAccount   = "333333333333"
	SampleSuspendedAccount  = "444444444444"
	// SampleAccessKey signs as the management account (the demo's keys).
	SampleAccessKey = "AKIDVPNSQLDEMO"
)

// SampleOrganization is SampleDataset (unchanged, in the management
// account, whose keys are SampleAccessKey) inside an organization of four
// accounts: a production account with endpoints in eu-west-1 and
// us-east-1, an acquired company's account with one in us-east-1, and a
// SUSPENDED account that must never be contacted. Members accept
// DefaultOrgRole.
func SampleOrganization(now time.Time) *Dataset {
	ds := SampleDataset(now)
	g := &sampleGen{
		rng:  rand.New(rand.NewPCG(0x6f7267, 20261204)),
		now:  now.UTC().Truncate(time.Second),
		seen: map[string]bool{},
	}
	for _, e := range ds.Endpoints {
		g.seen[e.ID] = true
	}
	ds.Accounts = []*Account{
		{ID: SampleManagementAccount, Name: "Network (management)", Email: "aws-network@example.com", Status: "ACTIVE", State: "ACTIVE", AccessKey: SampleAccessKey},
		{ID: SampleProductionAccount, Name: "Production", Email: "aws-prod@example.com", Status: "ACTIVE", State: "ACTIVE"},
		{ID: SampleAcquiredAccount, Name: "Acquired Co", Email: "aws-acquired@example.com", Status: "ACTIVE", State: "ACTIVE"},
		{ID: SampleSuspendedAccount, Name: "Old sandbox", Email: "aws-sandbox@example.com", Status: "SUSPENDED", State: "SUSPENDED"},
	}
	ds.Organization = &Organization{ManagementAccount: SampleManagementAccount}
	prodEU := g.endpoint("eu-west-1", "Production admin access", "udp", "172.20.0.0/22", 300,
		[]string{"certificate-authentication", "federated-authentication"}, true)
	g.generate(prodEU, 30, 12, true)
	prodUS := g.endpoint("us-east-1", "Production on-call", "udp", "10.130.0.0/22", 120,
		[]string{"federated-authentication"}, true)
	g.generate(prodUS, 12, 6, true)
	acquired := g.endpoint("us-east-1", "Acquired Co legacy VPN", "tcp", "192.168.64.0/20", 900,
		[]string{"certificate-authentication"}, false)
	g.generate(acquired, 15, 0, false)
	prodEU.Account, prodUS.Account, acquired.Account = SampleProductionAccount, SampleProductionAccount, SampleAcquiredAccount
	// Authorization rules, so that the controls judge every account: the
	// acquired company's legacy VPN lets every client in (authorize_all
	// alarms there).
	prodEU.AuthorizationRules = []*AuthorizationRule{{Description: "Production admins", GroupID: "vpn-prod-admins",
		DestinationCidr: "10.20.0.0/16", StatusCode: "active"}}
	prodUS.AuthorizationRules = []*AuthorizationRule{{Description: "On-call engineers", GroupID: "vpn-oncall",
		DestinationCidr: "10.130.0.0/16", StatusCode: "active"}}
	acquired.AuthorizationRules = []*AuthorizationRule{{Description: "Legacy LAN", AccessAll: true,
		DestinationCidr: "192.168.0.0/16", StatusCode: "active"}}
	ds.Endpoints = append(ds.Endpoints, prodEU, prodUS, acquired)
	return ds
}
