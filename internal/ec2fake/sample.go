package ec2fake

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// SampleBigEndpointConnections is the size of the largest sample endpoint in
// us-east-1: 2,500 rows, so MaxResults=1000 takes exactly three pages.
const SampleBigEndpointConnections = 2500

// Sample endpoint descriptions, so tests and the demo can find the
// interesting endpoints without hard-coding generated ids.
const (
	SampleBigEndpoint        = "Corporate VPN (HQ)"
	SampleEmptyEndpoint      = "Staging (no clients)"
	SampleContractorEndpoint = "Contractors"
	SampleNoLoggingEndpoint  = "EU office"
)

// sampleGen carries the seeded generator and the clock shared by the sample
// builders. Everything derives from the PCG seed and now, never from the
// wall clock, so SampleDataset(t) is the same for the same t.
type sampleGen struct {
	rng  *rand.Rand
	now  time.Time
	seen map[string]bool
}

// id returns prefix + 17 hex digits, unique within the dataset. Real ids
// start with 0 in practice, and so do these.
func (g *sampleGen) id(prefix string) string {
	for {
		id := fmt.Sprintf("%s0%016x", prefix, g.rng.Uint64())
		if !g.seen[id] {
			g.seen[id] = true
			return id
		}
	}
}

func (g *sampleGen) ago(d time.Duration) string { return g.now.Add(-d).Format(timeLayout) }

// between returns a random duration in [lo, hi).
func (g *sampleGen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

// SampleDataset returns the demo/test dataset. Times are relative to now
// (UTC, whole seconds); everything else is fixed by a seeded PCG generator.
//
// Contents, each there for a reason (queries and tests rely on them):
//   - regions us-east-1, eu-west-1, ap-southeast-2, and sa-east-1 enabled
//     but without endpoints;
//   - us-east-1: SampleBigEndpoint with exactly 2,500 connections,
//     SampleEmptyEndpoint with none (pending-associate, federated, tcp),
//     and SampleContractorEndpoint with hand-written edge cases:
//     certificate-only rows without username, unicode and XML-special
//     usernames and common names, counters above 2^32, every status code,
//     one certificate-only common name connected twice at the same time,
//     one common name used by two usernames, multi-valued posture sets,
//     a user with three concurrent active sessions, sessions longer than
//     24h;
//   - eu-west-1: SampleNoLoggingEndpoint (connection logging off) and a
//     small tcp endpoint; ap-southeast-2: a federated udp endpoint and a
//     certificate-only tcp one.
//
// Terminated connections all ended within the last hour, as Describe only
// shows those.
func SampleDataset(now time.Time) *Dataset {
	g := &sampleGen{
		rng:  rand.New(rand.NewPCG(0x76706e73716c, 20181218)),
		now:  now.UTC().Truncate(time.Second),
		seen: map[string]bool{},
	}
	ds := &Dataset{Regions: []string{"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"}}

	big := g.endpoint("us-east-1", SampleBigEndpoint, "udp", "10.100.0.0/16", 420,
		[]string{"certificate-authentication", "directory-service-authentication"}, true)
	big.Tags = append(big.Tags, Tag{"CostCenter", "IT-4711"})
	g.generate(big, SampleBigEndpointConnections, 900, true)

	empty := g.endpoint("us-east-1", SampleEmptyEndpoint, "tcp", "10.110.0.0/22", 30,
		[]string{"federated-authentication"}, true)
	empty.StatusCode = "pending-associate"
	empty.VpnPort = 1194
	empty.SessionTimeoutHours = 12
	empty.SelfServicePortalURL = "https://self-service.clientvpn.amazonaws.com/endpoints/" + empty.ID

	contractors := g.endpoint("us-east-1", SampleContractorEndpoint, "tcp", "10.120.0.0/22", 200,
		[]string{"certificate-authentication", "federated-authentication"}, true)
	g.edgeCases(contractors)

	eu := g.endpoint("eu-west-1", SampleNoLoggingEndpoint, "udp", "172.16.0.0/20", 610,
		[]string{"certificate-authentication", "directory-service-authentication"}, false)
	eu.Tags = append(eu.Tags, Tag{"Site", "Zürich & Genève <HQ>"})
	g.generate(eu, 40, 18, true)

	euDev := g.endpoint("eu-west-1", "EU developers", "tcp", "172.17.0.0/22", 95,
		[]string{"certificate-authentication", "directory-service-authentication"}, true)
	g.generate(euDev, 8, 5, true)

	syd := g.endpoint("ap-southeast-2", "Sydney office", "udp", "10.200.0.0/20", 150,
		[]string{"federated-authentication"}, true)
	syd.SelfServicePortalURL = "https://self-service.clientvpn.amazonaws.com/endpoints/" + syd.ID
	g.generate(syd, 25, 12, true)

	partners := g.endpoint("ap-southeast-2", "APAC partners (certificate only)", "tcp", "10.210.0.0/22", 75,
		[]string{"certificate-authentication"}, true)
	g.generate(partners, 6, 0, false)

	ds.Endpoints = []*Endpoint{big, empty, contractors, eu, euDev, syd, partners}
	addSecuritySettings(ds)
	return ds
}

// endpoint builds an available endpoint with plausible settings.
func (g *sampleGen) endpoint(region, desc, transport, cidr string, ageDays int, auth []string, logging bool) *Endpoint {
	id := g.id("cvpn-endpoint-")
	name := slug(desc)
	e := &Endpoint{
		Region:               region,
		ID:                   id,
		Description:          desc,
		StatusCode:           "available",
		CreationTime:         g.now.Add(-time.Duration(ageDays)*24*time.Hour - g.between(0, 24*time.Hour)).Format("2006-01-02T15:04:05"),
		DNSName:              "*." + id + ".prod.clientvpn." + region + ".amazonaws.com",
		ClientCidrBlock:      cidr,
		DNSServers:           []string{"10.0.0.2"},
		SplitTunnel:          transport == "udp",
		VpnProtocol:          "openvpn",
		TransportProtocol:    transport,
		VpnPort:              443,
		ServerCertificateArn: fmt.Sprintf("arn:aws:acm:%s:111122223333:certificate/%08x-%04x-4%03x-8%03x-%012x", region, g.rng.Uint32(), g.rng.IntN(1<<16), g.rng.IntN(1<<12), g.rng.IntN(1<<12), g.rng.Int64N(1<<48)),
		AuthenticationTypes:  auth,
		ConnectionLogEnabled: logging,
		Tags:                 []Tag{{"Name", name}, {"Environment", "prod"}},
		SecurityGroupIDs:     []string{g.id("sg-")},
		VpcID:                g.id("vpc-"),
		SessionTimeoutHours:  24,
	}
	if logging {
		e.CloudwatchLogGroup = "/aws/clientvpn/" + name
		e.CloudwatchLogStream = "connection-log"
	}
	return e
}

func slug(s string) string {
	out := make([]rune, 0, len(s))
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out, dash = append(out, r), false
		case r >= 'A' && r <= 'Z':
			out, dash = append(out, r+'a'-'A'), false
		default:
			if !dash && len(out) > 0 {
				out, dash = append(out, '-'), true
			}
		}
	}
	if dash {
		out = out[:len(out)-1]
	}
	return string(out)
}

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "wendy",
		"amara", "bjorn", "chen", "dmitri", "esperanza", "fatima", "giulia", "hiroshi", "ingrid", "jamal"}
	lastNames = []string{"smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "anderson",
		"thomas", "taylor", "moore", "martin", "lee", "perez", "white", "harris", "clark", "lewis",
		"nakamura", "okafor", "novak", "schmidt", "rossi", "kowalski"}
	endMessages = []string{"Client disconnected", "Session timeout", "Terminated by API request", "Connection reset by client"}
)

// generate appends n connections drawn from a pool of users (users < n means
// some users hold several sessions). withUser false makes certificate-only
// rows: no username, a device common name.
func (g *sampleGen) generate(e *Endpoint, n, users int, withUser bool) {
	pool := make([]string, max(users, 1))
	for i := range pool {
		pool[i] = firstNames[g.rng.IntN(len(firstNames))] + "." + lastNames[g.rng.IntN(len(lastNames))]
		if i > 0 && g.rng.IntN(4) == 0 {
			pool[i] += fmt.Sprint(g.rng.IntN(90) + 10) // namesakes
		}
	}
	var a, b int
	fmt.Sscanf(e.ClientCidrBlock, "%d.%d.", &a, &b)
	for i := range n {
		c := &Connection{
			ClientVpnEndpointID: e.ID,
			Timestamp:           g.ago(0),
			ConnectionID:        g.id("cvpn-connection-"),
			ClientIP:            fmt.Sprintf("%d.%d.%d.%d", a, b, i/250, i%250+2),
		}
		if withUser {
			c.Username = pool[g.rng.IntN(len(pool))]
			c.CommonName = c.Username + ".vpn.example.com"
		} else {
			c.CommonName = fmt.Sprintf("device-%04d.partners.example.net", g.rng.IntN(10000))
		}
		var dur time.Duration
		switch r := g.rng.IntN(100); {
		case r < 80:
			c.StatusCode, c.ConnectionEndTime = "active", "-"
			dur = g.between(time.Minute, 20*time.Hour)
			if g.rng.IntN(40) == 0 {
				dur = g.between(25*time.Hour, 80*time.Hour) // longer than a day
			}
			c.ConnectionEstablishedTime = g.ago(dur)
		case r < 92:
			c.StatusCode = "terminated"
			c.StatusMessage = endMessages[g.rng.IntN(len(endMessages))]
			end := g.between(time.Minute, 59*time.Minute)
			dur = g.between(2*time.Minute, 10*time.Hour)
			c.ConnectionEndTime = g.ago(end)
			c.ConnectionEstablishedTime = g.ago(end + dur)
		case r < 97:
			c.StatusCode, c.ConnectionEndTime = "terminating", "-"
			dur = g.between(time.Minute, 8*time.Hour)
			c.ConnectionEstablishedTime = g.ago(dur)
		default:
			c.StatusCode, c.ConnectionEndTime = "failed-to-terminate", "-"
			c.StatusMessage = "Failed to terminate the connection"
			dur = g.between(time.Minute, 8*time.Hour)
			c.ConnectionEstablishedTime = g.ago(dur)
		}
		secs := uint64(dur / time.Second)
		c.IngressBytes = secs * uint64(g.rng.IntN(60000)+500)
		c.EgressBytes = secs * uint64(g.rng.IntN(15000)+200)
		c.IngressPackets = c.IngressBytes / uint64(g.rng.IntN(900)+400)
		c.EgressPackets = c.EgressBytes / uint64(g.rng.IntN(900)+200)
		// A client connect handler may return several statuses; the
		// values are the handler's own (AWS fixes none), so the sample
		// mixes a verdict with extra tags, as real handlers do.
		switch g.rng.IntN(10) {
		case 0, 1, 2:
		case 3:
			c.PostureComplianceStatusSet = []string{"non-compliant"}
			if i%2 == 0 {
				c.PostureComplianceStatusSet = append(c.PostureComplianceStatusSet, "os-outdated")
			}
		case 4, 5:
			c.PostureComplianceStatusSet = []string{"compliant", "mdm-enrolled"}
		default:
			c.PostureComplianceStatusSet = []string{"compliant"}
		}
		e.Connections = append(e.Connections, c)
	}
}

// edgeCases fills the contractors endpoint with hand-written rows, one per
// case a query or renderer must get right.
func (g *sampleGen) edgeCases(e *Endpoint) {
	add := func(user, cn, ip, status, msg string, established, ended time.Duration, in, out uint64, posture ...string) {
		c := &Connection{
			ClientVpnEndpointID:        e.ID,
			Timestamp:                  g.ago(0),
			ConnectionID:               g.id("cvpn-connection-"),
			Username:                   user,
			ConnectionEstablishedTime:  g.ago(established),
			IngressBytes:               in,
			EgressBytes:                out,
			IngressPackets:             in/1200 + 1,
			EgressPackets:              out/700 + 1,
			ClientIP:                   ip,
			CommonName:                 cn,
			StatusCode:                 status,
			StatusMessage:              msg,
			ConnectionEndTime:          "-",
			PostureComplianceStatusSet: posture,
		}
		if ended > 0 {
			c.ConnectionEndTime = g.ago(ended)
		}
		e.Connections = append(e.Connections, c)
	}
	const h, m = time.Hour, time.Minute
	// Unicode names.
	add("zoë.ångström", "zoë.ångström@contractors.example", "10.120.0.2", "active", "", 3*h, 0, 73_400_320, 9_437_184, "compliant")
	add("李雷", "李雷", "10.120.0.3", "active", "", 47*m, 0, 12_582_912, 2_097_152)
	// XML-special characters in username and common name.
	add(`o'neil & "sons" <ltd>`, `CN=<dev> & "ops" 'box'`, "10.120.0.4", "active", "", 2*h, 0, 5_242_880, 1_048_576, "compliant")
	// Three concurrent active sessions of one user, one with counters > 2^32.
	add("dana.scully", "dana.scully.vpn.example.com", "10.120.0.5", "active", "", 9*h, 0, 6_442_450_944, 5_368_709_120, "compliant", "mdm-enrolled")
	add("dana.scully", "dana.scully.vpn.example.com", "10.120.0.6", "active", "", 4*h, 0, 901_775_360, 104_857_600, "compliant")
	add("dana.scully", "dana.scully.vpn.example.com", "10.120.0.7", "active", "", 25*m, 0, 31_457_280, 4_194_304, "non-compliant")
	// One certificate (common name) used from two client IPs at the same
	// time, certificate-only: no username.
	add("", "build-agent.ci.example.com", "10.120.0.8", "active", "", 5*h, 0, 2_147_483_648, 536_870_912)
	add("", "build-agent.ci.example.com", "10.120.0.9", "active", "", 5*h, 0, 1_073_741_824, 268_435_456)
	// A session older than a day with counters past 2^32.
	add("fox.mulder", "fox.mulder.vpn.example.com", "10.120.0.10", "active", "", 50*h, 0, 21_474_836_480, 4_294_967_297, "compliant", "mdm-enrolled", "disk-encrypted")
	// The other status codes; terminated ones ended within the last hour.
	// walter.skinner and john.doggett use one certificate: shared by two
	// people.
	add("walter.skinner", "helpdesk-laptop.vpn.example.com", "10.120.0.11", "terminated", "Client disconnected", 3*h, 12*m, 52_428_800, 10_485_760, "compliant")
	add("", "kiosk-07.lobby.example.com", "10.120.0.12", "terminated", "Session timeout", 26*h, 41*m, 4_404_019_200, 1_073_741_824)
	add("john.doggett", "helpdesk-laptop.vpn.example.com", "10.120.0.13", "terminating", "", 6*h, 0, 104_857_600, 20_971_520, "compliant")
	add("monica.reyes", "monica.reyes.vpn.example.com", "10.120.0.14", "failed-to-terminate", "Failed to terminate the connection", 8*h, 0, 209_715_200, 41_943_040, "non-compliant", "disk-unencrypted")
	add("alex.krycek", "alex.krycek.vpn.example.com", "10.120.0.15", "active", "", 90*m, 0, 0, 0, "non-compliant")
}

// scaledEpoch anchors ScaledDataset's times so its output never depends on
// the wall clock.
var scaledEpoch = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

// scaledRegions are real region names, used in order; beyond them
// ScaledDataset makes up names.
var scaledRegions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
	"eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "ap-southeast-1", "ap-southeast-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ca-central-1", "sa-east-1",
	"me-south-1", "af-south-1", "ap-east-1", "il-central-1"}

// ScaledDataset returns a large regular dataset for benchmarks and scale
// tests. Ids derive from the indexes (region r, endpoint e, connection c):
// cvpn-endpoint-RRRE…E and cvpn-connection-RRREEEEEECCCCCCCC in hex, so
// they are unique and predictable. Every 10th connection is terminated,
// every 50th terminating; user names cycle through user00000..user00999.
func ScaledDataset(regions, endpointsPerRegion, connectionsPerEndpoint int) *Dataset {
	ds := &Dataset{}
	for r := range regions {
		region := fmt.Sprintf("test-region-%d", r+1)
		if r < len(scaledRegions) {
			region = scaledRegions[r]
		}
		ds.Regions = append(ds.Regions, region)
		for e := range endpointsPerRegion {
			id := fmt.Sprintf("cvpn-endpoint-%03x%014x", r, e)
			ep := &Endpoint{
				Region:               region,
				ID:                   id,
				Description:          fmt.Sprintf("scaled endpoint %d/%d", r, e),
				StatusCode:           "available",
				CreationTime:         scaledEpoch.Add(-time.Duration(e+1) * 24 * time.Hour).Format("2006-01-02T15:04:05"),
				DNSName:              "*." + id + ".prod.clientvpn." + region + ".amazonaws.com",
				ClientCidrBlock:      fmt.Sprintf("10.%d.0.0/16", e%256),
				DNSServers:           []string{"10.0.0.2"},
				SplitTunnel:          e%2 == 0,
				VpnProtocol:          "openvpn",
				TransportProtocol:    []string{"udp", "tcp"}[e%2],
				VpnPort:              443,
				ServerCertificateArn: fmt.Sprintf("arn:aws:acm:%s:111122223333:certificate/%08x-0000-4000-8000-%012x", region, r, e),
				AuthenticationTypes:  []string{"certificate-authentication"},
				ConnectionLogEnabled: e%3 != 0,
				Tags:                 []Tag{{"Name", fmt.Sprintf("scaled-%d-%d", r, e)}},
				SecurityGroupIDs:     []string{fmt.Sprintf("sg-%03x%014x", r, e)},
				VpcID:                fmt.Sprintf("vpc-%03x%014x", r, e),
				SessionTimeoutHours:  24,
			}
			if ep.ConnectionLogEnabled {
				ep.CloudwatchLogGroup = "/aws/clientvpn/scaled"
				ep.CloudwatchLogStream = id
			}
			ep.Connections = make([]*Connection, connectionsPerEndpoint)
			for c := range connectionsPerEndpoint {
				ep.Connections[c] = scaledConnection(id, r, e, c)
			}
			ds.Endpoints = append(ds.Endpoints, ep)
		}
	}
	return ds
}

func scaledConnection(endpointID string, r, e, c int) *Connection {
	established := scaledEpoch.Add(-time.Duration(c%1440+1) * time.Minute)
	conn := &Connection{
		ClientVpnEndpointID:        endpointID,
		Timestamp:                  scaledEpoch.Format(timeLayout),
		ConnectionID:               fmt.Sprintf("cvpn-connection-%03x%06x%08x", r, e, c),
		Username:                   fmt.Sprintf("user%05d", c%1000),
		ConnectionEstablishedTime:  established.Format(timeLayout),
		IngressBytes:               uint64(c) * 1_000_003,
		EgressBytes:                uint64(c) * 250_001,
		IngressPackets:             uint64(c) * 1001,
		EgressPackets:              uint64(c) * 301,
		ClientIP:                   fmt.Sprintf("10.%d.%d.%d", e%256, c/250%256, c%250+2),
		CommonName:                 fmt.Sprintf("client-%d.scaled.example.com", c),
		StatusCode:                 "active",
		ConnectionEndTime:          "-",
		PostureComplianceStatusSet: []string{"compliant"},
	}
	switch {
	case c%10 == 9:
		conn.StatusCode, conn.StatusMessage = "terminated", "Client disconnected"
		conn.ConnectionEndTime = scaledEpoch.Add(-time.Duration(c%59+1) * time.Second).Format(timeLayout)
	case c%50 == 7:
		conn.StatusCode = "terminating"
	}
	return conn
}
