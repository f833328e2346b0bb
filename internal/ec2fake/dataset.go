package ec2fake

import "slices"

// Dataset is the whole state the fake serves: the regions the account has
// enabled and every Client VPN endpoint (with its connections) in them.
type Dataset struct {
	// Regions are the enabled regions, in the order DescribeRegions lists them.
	// A request signed for any other region is refused like a disabled opt-in
	// region: 401 AuthFailure.
	Regions   []string
	Endpoints []*Endpoint
	// Accounts, when declared, tell requests apart by access key (see
	// Account); without them every key signs for DefaultAccountID.
	Accounts []*Account
	// Organization, when set, answers Organizations ListAccounts for its
	// management account and lets AssumeRole into the members.
	Organization *Organization
}

// Endpoint is one Client VPN endpoint. Field names follow the SDK's
// types.ClientVpnEndpoint; nested structures the fake does not model in
// detail (authentication option details, client connect options) are
// synthesised on the wire from these fields.
type Endpoint struct {
	// Account owns the endpoint; "" means the first declared account.
	Account              string
	Region               string
	ID                   string
	Description          string
	StatusCode           string // pending-associate, available, deleting, deleted
	CreationTime         string // 2018-12-11T13:14:10
	DNSName              string
	ClientCidrBlock      string
	DNSServers           []string
	SplitTunnel          bool
	VpnProtocol          string // openvpn
	TransportProtocol    string // tcp, udp
	VpnPort              int
	ServerCertificateArn string
	// AuthenticationTypes lists the authentication option types, e.g.
	// certificate-authentication, directory-service-authentication,
	// federated-authentication.
	AuthenticationTypes  []string
	ConnectionLogEnabled bool
	CloudwatchLogGroup   string
	CloudwatchLogStream  string
	Tags                 []Tag
	SecurityGroupIDs     []string
	VpcID                string
	SelfServicePortalURL string
	SessionTimeoutHours  int
	Connections          []*Connection
	// Settings the security controls check. ClientConnectLambdaArn ""
	// means no client-connect handler, LoginBannerText "" no banner.
	DisconnectOnSessionTimeout bool
	ClientConnectLambdaArn     string
	LoginBannerText            string
	AuthorizationRules         []*AuthorizationRule
}

// Tag is one key/value tag of an endpoint.
type Tag struct{ Key, Value string }

// Connection is one client connection, as DescribeClientVpnConnections
// reports it. Times are "2006-01-02 15:04:05" in UTC, as on the wire.
type Connection struct {
	ClientVpnEndpointID        string
	Timestamp                  string
	ConnectionID               string
	Username                   string // "" = absent on the wire (certificate-only authentication)
	ConnectionEstablishedTime  string
	IngressBytes               uint64
	EgressBytes                uint64
	IngressPackets             uint64
	EgressPackets              uint64
	ClientIP                   string
	CommonName                 string
	StatusCode                 string // active, failed-to-terminate, terminating, terminated
	StatusMessage              string
	ConnectionEndTime          string // "-" while the connection is open
	PostureComplianceStatusSet []string
}

// Clone returns a deep copy of the dataset.
func (d *Dataset) Clone() *Dataset {
	if d == nil {
		return &Dataset{}
	}
	out := &Dataset{Regions: slices.Clone(d.Regions)}
	for _, a := range d.Accounts {
		c := *a
		c.Regions = slices.Clone(a.Regions)
		out.Accounts = append(out.Accounts, &c)
	}
	if d.Organization != nil {
		org := *d.Organization
		out.Organization = &org
	}
	if d.Endpoints != nil {
		out.Endpoints = make([]*Endpoint, len(d.Endpoints))
		for i, e := range d.Endpoints {
			out.Endpoints[i] = e.clone()
		}
	}
	return out
}

func (e *Endpoint) clone() *Endpoint {
	c := *e
	c.DNSServers = slices.Clone(e.DNSServers)
	c.AuthenticationTypes = slices.Clone(e.AuthenticationTypes)
	c.Tags = slices.Clone(e.Tags)
	c.SecurityGroupIDs = slices.Clone(e.SecurityGroupIDs)
	if e.AuthorizationRules != nil {
		c.AuthorizationRules = make([]*AuthorizationRule, len(e.AuthorizationRules))
		for i, r := range e.AuthorizationRules {
			rc := *r
			c.AuthorizationRules[i] = &rc
		}
	}
	if e.Connections != nil { // keep nil as nil, so copies compare equal
		c.Connections = make([]*Connection, len(e.Connections))
		for i, cn := range e.Connections {
			cc := *cn
			cc.PostureComplianceStatusSet = slices.Clone(cn.PostureComplianceStatusSet)
			c.Connections[i] = &cc
		}
	}
	return &c
}

// Endpoint returns the endpoint with the given id, or nil.
func (d *Dataset) Endpoint(id string) *Endpoint {
	for _, e := range d.Endpoints {
		if e.ID == id {
			return e
		}
	}
	return nil
}
