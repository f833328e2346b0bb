package ec2fake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SampleLogDays is how much history LoadSampleLogs writes.
const SampleLogDays = 7

// SampleBruteForceIP is the device IP of the sample's burst of failed
// logins (failed_logins finds it).
const SampleBruteForceIP = "203.0.113.66"

// sampleFailureReasons are failure reasons the sample uses; the record
// carries AWS's reason text as is.
var sampleFailureReasons = []string{"authentication-failed", "client-connect-failed", "authorization-policy-deny"}

// LoadSampleLogs writes SampleLogDays of connection logs ending at now for
// every endpoint of the dataset with connection logging on, into its group
// and stream (the endpoint id when it names none). Each live connection
// has its attempt record (and its reset once terminated); earlier sessions
// of the same users fill the week, with failed attempts, and the first
// endpoint with users gets a night of failed logins from SampleBruteForceIP.
// It is deterministic for a given dataset and now.
func (s *Server) LoadSampleLogs(now time.Time) {
	ds := s.Dataset()
	burst := true
	for _, e := range ds.Endpoints {
		if !e.ConnectionLogEnabled || e.CloudwatchLogGroup == "" {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(e.ID))
		lg := &logGen{rng: rand.New(rand.NewPCG(h.Sum64(), 11)), e: e, now: now.UTC().Truncate(time.Second)}
		lg.live()
		lg.history()
		if burst && lg.hasUsers() {
			lg.bruteForce()
			burst = false
		}
		stream := e.CloudwatchLogStream
		if stream == "" {
			stream = e.ID
		}
		sort.SliceStable(lg.events, func(i, j int) bool { return lg.events[i].Timestamp < lg.events[j].Timestamp })
		s.PutLogEvents(e.Region, e.CloudwatchLogGroup, stream, lg.events...)
	}
}

type logGen struct {
	rng    *rand.Rand
	e      *Endpoint
	now    time.Time
	events []LogEvent
}

// session is what a connection's records say about it.
type session struct {
	id, user, cn, clientIP, deviceIP, deviceType string
	port                                         int
	start, end                                   time.Time // end zero: still open
	in, out                                      uint64
}

func (g *logGen) hasUsers() bool {
	for _, c := range g.e.Connections {
		if c.Username != "" {
			return true
		}
	}
	return false
}

// people are the users (or certificate names) of the endpoint's live
// connections: history repeats them.
func (g *logGen) people() []*Connection {
	if len(g.e.Connections) > 0 {
		return g.e.Connections
	}
	return []*Connection{{Username: "sample.user", CommonName: "sample.user.vpn.example.com", ClientIP: "10.99.0.2"}}
}

func (g *logGen) deviceIP(user string) string {
	h := fnv.New32a()
	h.Write([]byte(user))
	v := h.Sum32()
	return fmt.Sprintf("198.51.%d.%d", v%200, v/200%250+2)
}

func (g *logGen) live() {
	for _, c := range g.e.Connections {
		start, err := time.Parse(timeLayout, c.ConnectionEstablishedTime)
		if err != nil || start.Before(g.now.Add(-SampleLogDays*24*time.Hour)) {
			continue
		}
		s := session{id: c.ConnectionID, user: c.Username, cn: c.CommonName, clientIP: c.ClientIP,
			deviceIP: g.deviceIP(c.Username + c.CommonName), deviceType: g.deviceType(), port: 40000 + g.rng.IntN(20000),
			start: start, in: c.IngressBytes, out: c.EgressBytes}
		if c.ConnectionEndTime != "-" && c.ConnectionEndTime != "" {
			s.end, _ = time.Parse(timeLayout, c.ConnectionEndTime)
		}
		g.sessionRecords(s)
	}
}

func (g *logGen) deviceType() string {
	return []string{"mac", "windows", "linux", "ios"}[g.rng.IntN(4)]
}

// history writes earlier sessions: a few per person per day, office hours
// mostly, some failing.
func (g *logGen) history() {
	people := g.people()
	perDay := min(40, max(4, len(people)/3))
	for day := SampleLogDays; day >= 1; day-- {
		base := g.now.Add(-time.Duration(day) * 24 * time.Hour)
		for range perDay {
			p := people[g.rng.IntN(len(people))]
			start := base.Add(time.Duration(7+g.rng.IntN(12))*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
			if start.After(g.now) {
				continue
			}
			s := session{id: g.newID(), user: p.Username, cn: p.CommonName, clientIP: p.ClientIP,
				deviceIP: g.deviceIP(p.Username + p.CommonName), deviceType: g.deviceType(), port: 40000 + g.rng.IntN(20000), start: start}
			if g.rng.IntN(12) == 0 {
				g.attempt(s, "failed", sampleFailureReasons[g.rng.IntN(len(sampleFailureReasons))])
				continue
			}
			dur := time.Duration(5+g.rng.IntN(9*60)) * time.Minute
			s.end = start.Add(dur)
			if s.end.After(g.now) {
				s.end = time.Time{}
			}
			secs := uint64(dur / time.Second)
			s.in, s.out = secs*uint64(g.rng.IntN(40000)+500), secs*uint64(g.rng.IntN(9000)+200)
			if g.rng.IntN(15) == 0 {
				s.deviceIP = fmt.Sprintf("192.0.2.%d", g.rng.IntN(250)+2) // travelling: a new device IP
			}
			g.sessionRecords(s)
		}
	}
}

// bruteForce writes 40 failed attempts for one user from one device IP in
// the small hours two nights ago.
func (g *logGen) bruteForce() {
	var user *Connection
	for _, c := range g.e.Connections {
		if c.Username != "" {
			user = c
			break
		}
	}
	// Within the last 24 hours, so the failed_logins control (a daily window) sees it.
	night := g.now.Add(-12 * time.Hour).Truncate(time.Hour)
	for i := range 40 {
		s := session{id: g.newID(), user: user.Username, cn: "NA", clientIP: "", deviceIP: SampleBruteForceIP,
			deviceType: "linux", port: 50000 + i, start: night.Add(time.Duration(i*37) * time.Second)}
		g.attempt(s, "failed", "authentication-failed")
	}
}

func (g *logGen) newID() string {
	return fmt.Sprintf("cvpn-connection-0%016x", g.rng.Uint64())
}

// sessionRecords writes a successful attempt at the start and, once the
// session ended, a reset carrying its duration and bytes.
func (g *logGen) sessionRecords(s session) {
	g.attempt(s, "successful", "NA")
	if s.end.IsZero() {
		return
	}
	r := g.record(s, "connection-reset")
	r["connection-reset-status"] = "NA"
	r["connection-last-update-time"] = s.end.Format(timeLayout)
	r["connection-end-time"] = s.end.Format(timeLayout)
	r["ingress-bytes"] = strconv.FormatUint(s.in, 10)
	r["egress-bytes"] = strconv.FormatUint(s.out, 10)
	r["ingress-packets"] = strconv.FormatUint(s.in/1100+1, 10)
	r["egress-packets"] = strconv.FormatUint(s.out/700+1, 10)
	r["connection-duration-seconds"] = strconv.FormatInt(int64(s.end.Sub(s.start)/time.Second), 10)
	g.emit(s.end.Add(time.Duration(g.rng.IntN(900))*time.Millisecond), r)
}

func (g *logGen) attempt(s session, status, reason string) {
	r := g.record(s, "connection-attempt")
	r["connection-attempt-status"] = status
	r["connection-attempt-failure-reason"] = reason
	if status != "successful" {
		r["client-ip"] = "NA"
	}
	g.emit(s.start.Add(time.Duration(g.rng.IntN(900))*time.Millisecond), r)
}

func (g *logGen) record(s session, typ string) map[string]string {
	na := func(v string) string {
		if v == "" {
			return "NA"
		}
		return v
	}
	return map[string]string{
		"connection-log-type":               typ,
		"connection-attempt-status":         "NA",
		"connection-reset-status":           "NA",
		"connection-attempt-failure-reason": "NA",
		"connection-id":                     s.id,
		"client-vpn-endpoint-id":            g.e.ID,
		"transport-protocol":                g.e.TransportProtocol,
		"connection-start-time":             s.start.Format(timeLayout),
		"connection-last-update-time":       s.start.Format(timeLayout),
		"client-ip":                         na(s.clientIP),
		"client-ipv6":                       "NA",
		"common-name":                       na(s.cn),
		"device-type":                       s.deviceType,
		"device-ip":                         s.deviceIP,
		"port":                              strconv.Itoa(s.port),
		"ingress-bytes":                     "0",
		"egress-bytes":                      "0",
		"ingress-packets":                   "0",
		"egress-packets":                    "0",
		"connection-end-time":               "NA",
		"posture-compliance-statuses":       "NA",
		"username":                          na(s.user),
		"connection-duration-seconds":       "0",
	}
}

// logKeyOrder is the order AWS's example record lists the keys in.
var logKeyOrder = []string{"connection-log-type", "connection-attempt-status", "connection-reset-status",
	"connection-attempt-failure-reason", "connection-id", "client-vpn-endpoint-id", "transport-protocol",
	"connection-start-time", "connection-last-update-time", "client-ip", "client-ipv6", "common-name",
	"device-type", "device-ip", "port", "ingress-bytes", "egress-bytes", "ingress-packets", "egress-packets",
	"connection-end-time", "posture-compliance-statuses", "username", "connection-duration-seconds"}

func (g *logGen) emit(at time.Time, r map[string]string) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range logKeyOrder {
		if i > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		vj, _ := json.Marshal(r[k])
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	b.WriteByte('}')
	g.events = append(g.events, LogEvent{Timestamp: at.UnixMilli(), Message: b.String()})
}
