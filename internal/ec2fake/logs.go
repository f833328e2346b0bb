package ec2fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The fake's CloudWatch Logs: the JSON 1.1 protocol (POST, X-Amz-Target
// Logs_20140328.<Action>), FilterLogEvents only, over groups and streams
// filled with PutLogEvents (a Go method here, not the API). Requests are
// logged in the same request log as EC2's, with the action's JSON
// parameters flattened into Params (logStreamNames one value each).

// LogEvent is one event of a log stream.
type LogEvent struct {
	Timestamp int64 // ms since the epoch
	Message   string
}

// logStore holds the log groups; its zero value is empty and ready.
type logStore struct {
	mu       sync.Mutex
	groups   map[string]*logGroup // by region + "\x00" + name
	denied   map[string]bool      // same keys: AccessDeniedException
	throttle int                  // every k-th logs request is throttled
	burst    int                  // the next burst logs requests are throttled
	count    int
	pageSize int // events per page; 0 means CloudWatch's 10,000
	// repeatToken makes every page after the first answer the first
	// page's nextToken again, as a broken server might.
	repeatToken bool
}

// logGroup keeps all events of a group in FilterLogEvents order, so a page
// token is a position in it.
type logGroup struct {
	events []storedEvent
	sorted bool
}

type storedEvent struct {
	stream string
	seq    int // insertion order, CloudWatch's tie-break
	LogEvent
}

func logKey(region, group string) string { return region + "\x00" + group }

// PutLogEvents appends events to a stream of a group in region, creating
// both as needed.
func (s *Server) PutLogEvents(region, group, stream string, events ...LogEvent) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.groups == nil {
		st.groups = map[string]*logGroup{}
	}
	g := st.groups[logKey(region, group)]
	if g == nil {
		g = &logGroup{}
		st.groups[logKey(region, group)] = g
	}
	for _, e := range events {
		g.events = append(g.events, storedEvent{stream: stream, seq: len(g.events), LogEvent: e})
	}
	g.sorted = false
}

// LogEvents returns every event of a group, in FilterLogEvents order, with
// its stream; tests compute expected rows from it.
func (s *Server) LogEvents(region, group string) (streams []string, events []LogEvent) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.groups[logKey(region, group)]
	if g == nil {
		return nil, nil
	}
	g.sort()
	for _, e := range g.events {
		streams = append(streams, e.stream)
		events = append(events, e.LogEvent)
	}
	return streams, events
}

// SetLogGroupDenied makes FilterLogEvents on the group answer
// AccessDeniedException.
func (s *Server) SetLogGroupDenied(region, group string, denied bool) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.denied == nil {
		st.denied = map[string]bool{}
	}
	st.denied[logKey(region, group)] = denied
}

// SetLogsThrottleEvery makes every k-th CloudWatch Logs request (from this
// call on) answer ThrottlingException; 0 turns it off.
func (s *Server) SetLogsThrottleEvery(k int) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	st.throttle, st.count = k, 0
}

// ThrottleLogsNext makes the next n CloudWatch Logs requests answer
// ThrottlingException: a burst longer than the SDK's retries.
func (s *Server) ThrottleLogsNext(n int) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	st.burst = n
}

// SetLogsPageSize sets how many events a FilterLogEvents page holds at most
// (default 10,000, as CloudWatch).
func (s *Server) SetLogsPageSize(n int) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pageSize = n
}

// SetLogsRepeatToken makes FilterLogEvents hand out the same nextToken
// again and again (a server bug a client must not loop on).
func (s *Server) SetLogsRepeatToken(on bool) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	st.repeatToken = on
}

func (g *logGroup) sort() {
	if g.sorted {
		return
	}
	sort.SliceStable(g.events, func(i, j int) bool {
		a, b := g.events[i], g.events[j]
		if a.Timestamp != b.Timestamp {
			return a.Timestamp < b.Timestamp
		}
		return a.seq < b.seq
	})
	g.sorted = true
}

// logsScope matches the region in a SigV4 Authorization header signed for
// the logs service.
var logsScope = regexp.MustCompile(`^AWS4-HMAC-SHA256\s+Credential=[^/,\s]+/[0-9]{8}/([a-z0-9-]+)/logs/aws4_request\s*,`)

type logsError struct {
	code, message string
}

type filterLogEventsInput struct {
	LogGroupName       string   `json:"logGroupName"`
	LogGroupIdentifier string   `json:"logGroupIdentifier"`
	LogStreamNames     []string `json:"logStreamNames"`
	StartTime          *int64   `json:"startTime"`
	EndTime            *int64   `json:"endTime"`
	FilterPattern      string   `json:"filterPattern"`
	NextToken          string   `json:"nextToken"`
	Limit              int      `json:"limit"`
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// serveLogs answers one CloudWatch Logs request.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328.")
	body, _ := io.ReadAll(r.Body)
	entry := Request{Action: action, Params: url.Values{}}
	if m := logsScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		entry.Region = m[1]
	}
	// Log groups are not kept per account; the log says which account's
	// credentials asked.
	entry.Service = "logs"
	if sig := signatureOf(r); sig.signed {
		entry.Account, _ = s.accountOfKey(sig.key)
	}
	var in filterLogEventsInput
	jsonErr := json.Unmarshal(body, &in)
	if jsonErr == nil {
		entry.Params = in.params()
	}
	out, lerr := s.answerLogs(action, entry.Region, in, jsonErr)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", s.newRequestID())
	status := http.StatusOK
	if lerr != nil {
		status = http.StatusBadRequest
		entry.ErrorCode = lerr.code
		out, _ = json.Marshal(map[string]string{"__type": lerr.code, "message": lerr.message})
	}
	entry.Status = status
	s.record(entry)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func (in filterLogEventsInput) params() url.Values {
	p := url.Values{}
	set := func(k, v string) {
		if v != "" {
			p.Set(k, v)
		}
	}
	set("logGroupName", in.LogGroupName)
	set("logGroupIdentifier", in.LogGroupIdentifier)
	set("filterPattern", in.FilterPattern)
	set("nextToken", in.NextToken)
	if in.StartTime != nil {
		p.Set("startTime", strconv.FormatInt(*in.StartTime, 10))
	}
	if in.EndTime != nil {
		p.Set("endTime", strconv.FormatInt(*in.EndTime, 10))
	}
	if in.Limit > 0 {
		p.Set("limit", strconv.Itoa(in.Limit))
	}
	for _, n := range in.LogStreamNames {
		p.Add("logStreamNames", n)
	}
	return p
}

func (s *Server) answerLogs(action, region string, in filterLogEventsInput, jsonErr error) ([]byte, *logsError) {
	st := &s.logs
	st.mu.Lock()
	defer st.mu.Unlock()
	st.count++
	throttled := st.burst > 0
	if throttled {
		st.burst--
	}
	switch {
	case throttled || st.throttle > 0 && st.count%st.throttle == 0:
		return nil, &logsError{"ThrottlingException", "Rate exceeded"}
	case region == "":
		return nil, &logsError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	case action != "FilterLogEvents":
		return nil, &logsError{"UnknownOperationException", "The action " + action + " is not valid for this fake."}
	case jsonErr != nil:
		return nil, &logsError{"SerializationException", jsonErr.Error()}
	case in.LogGroupName == "":
		return nil, &logsError{"InvalidParameterException", "logGroupName is required by this fake"}
	}
	key := logKey(region, in.LogGroupName)
	if st.denied[key] {
		return nil, &logsError{"AccessDeniedException", fmt.Sprintf("User is not authorized to perform: logs:FilterLogEvents on resource: log-group:%s", in.LogGroupName)}
	}
	g := st.groups[key]
	if g == nil {
		return nil, &logsError{"ResourceNotFoundException", "The specified log group does not exist."}
	}
	match, err := compilePattern(in.FilterPattern)
	if err != nil {
		return nil, &logsError{"InvalidParameterException", err.Error()}
	}
	g.sort()
	pos := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "fake-logs-"))
		if err != nil || n < 0 || n > len(g.events) {
			return nil, &logsError{"InvalidParameterException", "The specified nextToken is invalid."}
		}
		pos = n
	} else if in.StartTime != nil {
		pos = sort.Search(len(g.events), func(i int) bool { return g.events[i].Timestamp >= *in.StartTime })
	}
	limit := st.pageSize
	if limit <= 0 {
		limit = 10000
	}
	if in.Limit > 0 && in.Limit < limit {
		limit = in.Limit
	}
	const maxBytes = 1 << 20 // a page holds at most 1 MB of events
	out := struct {
		Events    []filteredEvent `json:"events"`
		NextToken string          `json:"nextToken,omitempty"`
	}{Events: []filteredEvent{}}
	size := 0
	for ; pos < len(g.events); pos++ {
		e := g.events[pos]
		if in.EndTime != nil && e.Timestamp > *in.EndTime {
			pos = len(g.events)
			break
		}
		if len(out.Events) == limit || size+len(e.Message)+26 > maxBytes {
			break
		}
		if (in.StartTime != nil && e.Timestamp < *in.StartTime) ||
			(len(in.LogStreamNames) > 0 && !slices.Contains(in.LogStreamNames, e.stream)) || !match(e.Message) {
			continue
		}
		size += len(e.Message) + 26
		out.Events = append(out.Events, filteredEvent{LogStreamName: e.stream, Timestamp: e.Timestamp,
			Message: e.Message, IngestionTime: e.Timestamp + 500, EventID: fmt.Sprintf("%056d", e.seq)})
	}
	if pos < len(g.events) {
		out.NextToken = "fake-logs-" + strconv.Itoa(pos)
		if st.repeatToken && in.NextToken != "" {
			out.NextToken = in.NextToken
		}
	}
	b, _ := json.Marshal(out)
	return b, nil
}

// compilePattern supports the subset of CloudWatch's filter-pattern syntax
// vpnsql sends: empty (everything), or terms, each an exact phrase in double
// quotes or a bare word; all must appear, or any when they carry a "?"
// prefix. Anything else is refused, so a test notices a new pattern.
func compilePattern(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return func(string) bool { return true }, nil
	}
	var terms []string
	anyOf := false
	for rest := p; rest != ""; rest = strings.TrimLeft(rest, " ") {
		if rest[0] == '?' {
			anyOf = true
			rest = rest[1:]
		}
		var term string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("invalid filter pattern %q: unbalanced quote", p)
			}
			term, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexByte(rest, ' ')
			if end < 0 {
				end = len(rest)
			}
			term, rest = rest[:end], rest[end:]
			if strings.ContainsAny(term, `{}[]%$=<>!()`) {
				return nil, fmt.Errorf("filter pattern %q: only plain terms are supported by this fake", p)
			}
		}
		terms = append(terms, term)
	}
	return func(msg string) bool {
		for _, t := range terms {
			if strings.Contains(msg, t) == anyOf {
				return anyOf
			}
		}
		return !anyOf
	}, nil
}
