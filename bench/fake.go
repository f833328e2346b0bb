package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// fake is the fake EC2 endpoint serving one dataset on 127.0.0.1, either
// directly or behind a replayer.
type fake struct {
	*ec2fake.Server
	URL    string
	replay *replayer // nil: every request reaches the fake
	srv    *http.Server
	done   chan struct{}
}

// startFake serves ds on a loopback port. With replay, identical requests
// after the first are answered from memory (see replayer).
func startFake(ds *ec2fake.Dataset, replay bool) (*fake, error) {
	f := &fake{Server: ec2fake.New(ds), done: make(chan struct{})}
	var h http.Handler = f.Server
	if replay {
		f.replay = &replayer{next: f.Server, bodies: map[string][]byte{}}
		h = f.replay
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.URL = "http://" + ln.Addr().String()
	f.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(f.done)
		_ = f.srv.Serve(ln)
	}()
	return f, nil
}

// SetLatency delays every answer by d, replayed ones included.
func (f *fake) SetLatency(d time.Duration) {
	f.Server.SetLatency(d)
	if f.replay != nil {
		f.replay.latency.Store(int64(d))
	}
}

// Close stops the server and gives its dataset's memory back, so that the
// next contest starts from a small harness.
func (f *fake) Close() {
	_ = f.srv.Close()
	<-f.done
	f.Server, f.replay = nil, nil
	runtime.GC()
	debug.FreeOSMemory()
}

// resetCounts starts counting requests afresh.
func (f *fake) resetCounts() {
	f.ResetLog()
	if f.replay != nil {
		f.replay.calls.Store(0)
		f.replay.maxInFlight.Store(0)
	}
}

// counts returns the requests received since resetCounts, replayed ones
// included, and the most that were in flight at once.
func (f *fake) counts() (calls, maxInFlight int) {
	if f.replay != nil {
		return int(f.replay.calls.Load()), int(f.replay.maxInFlight.Load())
	}
	return len(f.Requests()), f.MaxInFlight()
}

// calls counts the logged requests of one action ("" = all).
func (f *fake) calls(action string) int {
	n := 0
	for _, r := range f.Requests() {
		if action == "" || r.Action == action {
			n++
		}
	}
	return n
}

// replayer answers a request it has answered before (same region, same
// parameters) from memory, after the same latency, instead of having the
// fake build the XML again. The fake runs on the machine being measured,
// AWS does not: with two CPUs, the fake building 96 pages of 1000
// connections takes CPU from the client it is timing. Misses go to the
// fake, which logs them and applies its own latency. Only 200 answers are
// kept. The fake's page tokens are deterministic, so a replayed page
// carries the same nextToken the fake would send.
type replayer struct {
	next    *ec2fake.Server
	latency atomic.Int64 // time.Duration

	mu     sync.Mutex
	bodies map[string][]byte

	calls, inFlight, maxInFlight atomic.Int64
}

var reScopeRegion = regexp.MustCompile(`Credential=[^/,\s]+/[0-9]{8}/([a-z0-9-]+)/ec2/aws4_request`)

func (p *replayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	n := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for m := p.maxInFlight.Load(); n > m && !p.maxInFlight.CompareAndSwap(m, n); m = p.maxInFlight.Load() {
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		form = url.Values{"unparsable": {string(body)}}
	}
	for k, v := range r.URL.Query() {
		form[k] = append(form[k], v...)
	}
	region := ""
	if m := reScopeRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region = m[1]
	}
	key := region + "\x00" + form.Encode() // Encode sorts by key
	p.mu.Lock()
	cached, ok := p.bodies[key]
	p.mu.Unlock()
	if ok {
		t := time.NewTimer(time.Duration(p.latency.Load()))
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(cached)))
		_, _ = w.Write(cached)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	p.next.ServeHTTP(rec, r)
	if rec.status == http.StatusOK {
		p.mu.Lock()
		p.bodies[key] = rec.body.Bytes()
		p.mu.Unlock()
	}
}

// recorder passes a response through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// fleet is a dataset of one region (us-east-1) with endpoints x perEndpoint
// connections, built to be cheap at a million connections: every endpoint
// repeats the rows of one template endpoint, whose strings are shared.
// ec2fake.ScaledDataset formats every field of every row, which at that
// size costs the harness several hundred MB more and seconds of start-up.
// With shareRows the endpoints even share the template's row structs, so
// the harness holds only the fake's own copy; the rows then carry the
// template endpoint's id and repeat connection ids from one endpoint to the
// next, which vpnsql never looks at (its clientVpnEndpointId column is the
// endpoint it asked for). Without it each endpoint has rows of its own with
// its id and unique connection ids, as the aws CLI prints them.
func fleet(endpoints, perEndpoint int, shareRows bool) *ec2fake.Dataset {
	template := ec2fake.ScaledDataset(1, 1, perEndpoint).Endpoints[0]
	ds := &ec2fake.Dataset{Regions: []string{"us-east-1"}}
	for e := range endpoints {
		ep := *template
		ep.ID = fmt.Sprintf("cvpn-endpoint-%03x%014x", 0, e)
		ep.Description = fmt.Sprintf("bench endpoint %d", e)
		ep.DNSName = "*." + ep.ID + ".prod.clientvpn.us-east-1.amazonaws.com"
		if !shareRows {
			rows := make([]ec2fake.Connection, perEndpoint) // one allocation per endpoint
			ep.Connections = make([]*ec2fake.Connection, perEndpoint)
			for c := range rows {
				rows[c] = *template.Connections[c]
				rows[c].ClientVpnEndpointID = ep.ID
				rows[c].ConnectionID = fmt.Sprintf("cvpn-connection-%03x%06x%08x", 0, e, c)
				ep.Connections[c] = &rows[c]
			}
		}
		ds.Endpoints = append(ds.Endpoints, &ep)
	}
	return ds
}

func endpointIDs(ds *ec2fake.Dataset) []string {
	ids := make([]string, len(ds.Endpoints))
	for i, e := range ds.Endpoints {
		ids[i] = e.ID
	}
	return ids
}

// vmHWM reads the peak resident set size (kB) of a running process.
func vmHWM(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// sqlList renders ids as an SQL list: ('a', 'b').
func sqlList(ids []string) string {
	return "('" + strings.Join(ids, "', '") + "')"
}
