package ec2fake

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the fake EC2 endpoint. It is safe for concurrent use; all
// knobs may be turned while requests are in flight.
type Server struct {
	mu       sync.RWMutex // guards ds, byID
	ds       *Dataset
	byID     map[string]*Endpoint
	byRegion map[string][]*Endpoint // endpoints of each account/region, dataset order
	issued   issuedKeys             // AssumeRole's temporary keys

	cfgMu        sync.Mutex // guards the injection knobs and the clock
	latency      time.Duration
	throttleK    int
	regionFaults map[string]string
	faults       []*Fault // see faults.go
	now          func() time.Time

	buckets buckets // EC2's request token buckets (throttle.go)

	logMu sync.Mutex
	log   []Request

	logs logStore // CloudWatch Logs (logs.go)

	counter     atomic.Int64 // requests received since the last SetThrottleEvery
	requestSeq  atomic.Int64 // for request ids
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// Request is one entry of the request log. The Authorization header and the
// credentials are deliberately never recorded.
type Request struct {
	// Service is the SigV4 signing service: ec2, sts, organizations or logs.
	Service string
	Action  string
	Region  string // from the SigV4 credential scope; "" if there was none
	// Account is the account the request was signed for (by its access
	// key); "" when the key is unknown or the request unsigned.
	Account string
	Params  url.Values // the form minus Action and Version
	// Status is the HTTP status answered, or 0 when the client went away
	// (context cancelled) before the fake answered.
	Status    int
	ErrorCode string // "" on success
}

// New returns a server for a deep copy of ds, so terminations never touch
// the caller's dataset.
func New(ds *Dataset) *Server {
	s := &Server{
		ds:           ds.Clone(),
		regionFaults: map[string]string{},
		now:          time.Now,
	}
	s.index()
	return s
}

func (s *Server) index() {
	s.byID = map[string]*Endpoint{}
	s.byRegion = map[string][]*Endpoint{}
	for _, e := range s.ds.Endpoints {
		s.byID[e.ID] = e
		key := accountRegion(s.ds.endpointAccount(e), e.Region)
		s.byRegion[key] = append(s.byRegion[key], e)
	}
}

// Dataset returns a deep copy of the current state, terminations included.
func (s *Server) Dataset() *Dataset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ds.Clone()
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		r.Params = cloneValues(r.Params)
		out[i] = r
	}
	return out
}

// ResetLog empties the request log and restarts MaxInFlight from the
// number of requests being handled right now.
func (s *Server) ResetLog() {
	s.logMu.Lock()
	s.log = nil
	s.logMu.Unlock()
	s.maxInFlight.Store(s.inFlight.Load())
}

// InFlight is the number of requests being handled right now (an
// abandoned one is logged before it stops counting).
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// MaxInFlight is the largest number of requests handled at the same time
// since the server was created or the log last reset.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

// SetLatency delays every answer by d. A request whose context is cancelled
// meanwhile is dropped without an answer, as a real server's response would
// go nowhere.
func (s *Server) SetLatency(d time.Duration) {
	s.cfgMu.Lock()
	s.latency = d
	s.cfgMu.Unlock()
}

// SetThrottleEvery makes every k-th request (counted across all actions and
// regions, from this call on) answer 503 RequestLimitExceeded. 0 turns it off.
func (s *Server) SetThrottleEvery(k int) {
	s.cfgMu.Lock()
	s.throttleK = k
	s.counter.Store(0)
	s.cfgMu.Unlock()
}

// SetRegionFault makes every request signed for region answer the EC2 error
// code (with its HTTP status, see StatusForCode); "" clears it. Use it for
// UnauthorizedOperation (403), OptInRequired, AuthFailure and the like.
func (s *Server) SetRegionFault(region, code string) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if code == "" {
		delete(s.regionFaults, region)
		return
	}
	s.regionFaults[region] = code
}

// SetClock replaces the clock used for termination times (default
// time.Now), so tests can assert exact ConnectionEndTime values.
func (s *Server) SetClock(now func() time.Time) {
	s.cfgMu.Lock()
	s.now = now
	s.cfgMu.Unlock()
}

func (s *Server) clock() time.Time {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.now()
}

// credentialScope matches a SigV4 Authorization header: "AWS4-HMAC-SHA256
// Credential=AKID/20240101/us-east-1/ec2/aws4_request, ...", capturing the
// access key, the region and the signing service.
var credentialScope = regexp.MustCompile(`^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/[0-9]{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request\s*,`)

// signature is what the fake reads of a request's signature.
type signature struct {
	key, region, service string
	signed               bool
}

func signatureOf(r *http.Request) signature {
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return signature{}
	}
	return signature{key: m[1], region: m[2], service: m[3], signed: true}
}

// ServeHTTP answers one request, routed by the service it is signed for
// (unsigned requests are EC2's, which refuses them).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328.") {
		s.serveLogs(w, r) // CloudWatch Logs, logs.go
		return
	}
	// A request counts as in flight until its answer is written: once the
	// client can have the answer, it may already be sending the next one.
	n := s.inFlight.Add(1)
	finished := sync.OnceFunc(func() { s.inFlight.Add(-1) })
	defer finished()
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	sig := signatureOf(r)
	entry := Request{Service: sig.service, Region: sig.region}
	if sig.signed {
		entry.Account, _ = s.accountOfKey(sig.key)
	}
	switch sig.service {
	case "sts":
		s.serveSTS(w, r, entry, finished)
	case "organizations":
		s.serveOrganizations(w, r, entry, finished)
	default:
		entry.Service = "ec2"
		s.serveEC2(w, r, sig, entry, finished)
	}
}

// serveEC2 answers one EC2 Query request; finished marks it answered.
func (s *Server) serveEC2(w http.ResponseWriter, r *http.Request, sig signature, entry Request, finished func()) {
	// Read the body before waiting: once it is consumed, net/http watches the
	// connection and cancels the context if the client goes away.
	parseErr := r.ParseForm()
	params := cloneValues(r.Form)
	action := params.Get("Action")
	delete(params, "Action")
	delete(params, "Version")
	entry.Action, entry.Params = action, params

	s.cfgMu.Lock()
	latency, throttleK, fault := s.latency, s.throttleK, s.regionFaults[sig.region]
	count := s.counter.Add(1) // under cfgMu, so SetThrottleEvery's reset is atomic with it
	s.cfgMu.Unlock()
	// A token is taken when the request arrives, as EC2 counts it.
	throttled := sig.signed && s.overRateLimit(sig, entry.Account, action, params)

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			s.record(entry)
			return
		case <-t.C:
		}
	}

	requestID := s.newRequestID()
	injected, answerParams := s.pickFault(action, params)
	var body []byte
	var err *apiError
	if throttled {
		err = errThrottled()
	} else {
		body, err = s.answer(parseErr, action, entry.Account, sig, answerParams, throttleK, count, fault, requestID)
	}
	body, err = injected.spoil(body, err)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("X-Amzn-Requestid", requestID)
	if err != nil {
		entry.Status, entry.ErrorCode = err.Status, err.Code
		body = errorBody(err, requestID)
	} else {
		entry.Status = http.StatusOK
	}
	s.reply(w, entry, body, finished)
}

// reply logs entry and writes the answer. It logs before answering: a
// client that has its answer must find its request in the log.
func (s *Server) reply(w http.ResponseWriter, entry Request, body []byte, finished func()) {
	s.record(entry)
	finished()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(entry.Status)
	_, _ = w.Write(body)
}

// answer applies the checks in the order EC2 does — throttling and
// authentication before anything about the action — and dispatches.
func (s *Server) answer(parseErr error, action, account string, sig signature, p url.Values,
	throttleK int, count int64, fault, requestID string) ([]byte, *apiError) {
	if throttleK > 0 && count%int64(throttleK) == 0 {
		return nil, errThrottled()
	}
	if !sig.signed || account == "" {
		return nil, errAuthFailure()
	}
	if fault != "" {
		return nil, newError(fault, "")
	}
	// The dataset's regions and accounts never change after New.
	if !s.ds.regionEnabled(account, sig.region) {
		return nil, errAuthFailure()
	}
	if parseErr != nil {
		return nil, errInvalidValue("The request body could not be parsed: %v", parseErr)
	}
	handler, ok := actions[action]
	switch {
	case action == "":
		return nil, newError("MissingAction", "The request must contain the parameter Action")
	case !ok:
		return nil, newError("InvalidAction", "The action %s is not valid for this web service.", action)
	}
	return handler(s, account, sig.region, p, requestID)
}

func (s *Server) record(e Request) {
	s.logMu.Lock()
	s.log = append(s.log, e)
	s.logMu.Unlock()
}

// newRequestID returns a UUID-shaped id, unique per server.
func (s *Server) newRequestID() string {
	n := s.requestSeq.Add(1)
	return fmt.Sprintf("%08x-ec2f-4a6e-8000-%012x", uint32(n>>48), n&0xffffffffffff)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
