package ec2fake

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// FaultKind is a way the fake misbehaves, as servers and the networks in
// front of them sometimes do. Tests use faults to prove that vpnsql never
// returns a silently short, duplicated or endless result.
type FaultKind int

const (
	// ErrorAnswer answers the EC2 error Fault.Code (with its HTTP status,
	// see StatusForCode) and Fault.Message, which may be huge or span lines.
	ErrorAnswer FaultKind = iota + 1
	// ErrorDocument200 answers EC2's error document
	// (<Response><Errors>…) with HTTP status 200.
	ErrorDocument200
	// Truncated200 answers the first half of the real document, status 200.
	Truncated200
	// Garbage200 answers a body that is not XML, status 200.
	Garbage200
	// RepeatToken answers the real page with a nextToken that sends the
	// client back to page Fault.BackTo (2 or more): the token of the
	// request itself when BackTo is the faulted page, else an older one.
	RepeatToken
	// RepeatRows starts the page one row early, so the previous page's last
	// row comes again (every later page shifts by one row too).
	RepeatRows
)

// Fault spoils the answers that match it and would have succeeded.
type Fault struct {
	Kind FaultKind
	// Action limits the fault to one action; "" means every action.
	Action string
	// EndpointID limits it to requests for one endpoint
	// (ClientVpnEndpointId); "" means any.
	EndpointID string
	// Page limits it to one page of a listing (1 is the first, read from
	// NextToken and MaxResults); 0 means every page.
	Page int
	// Times is how many answers it spoils before it stops; 0 means no limit.
	Times int
	// Code and Message of an ErrorAnswer or an ErrorDocument200; empty
	// means InternalError and its usual message.
	Code, Message string
	// BackTo is the page a RepeatToken sends the client back to.
	BackTo int
}

// AddFault installs f (faults are checked in the order they were added;
// the first that matches a request applies).
func (s *Server) AddFault(f Fault) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if f.Code == "" {
		f.Code = "InternalError"
	}
	if f.Message == "" {
		f.Message = newError(f.Code, "").Message
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.cfgMu.Lock()
	s.faults = nil
	s.cfgMu.Unlock()
}

// activeFault is a fault matched to one request.
type activeFault struct {
	s     *Server
	f     *Fault
	page  int
	size  int
	token string // the request's NextToken
}

// pickFault returns the fault that applies to a request, or nil; and the
// parameters to answer it with (a RepeatRows fault moves NextToken one row
// back; the logged parameters stay the client's).
func (s *Server) pickFault(action string, p url.Values) (*activeFault, url.Values) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if len(s.faults) == 0 {
		return nil, p
	}
	size := defaultMaxResults
	if n, err := strconv.Atoi(p.Get("MaxResults")); err == nil && n > 0 {
		size = n
	}
	token := p.Get("NextToken")
	offset, hash, _ := decodeToken(token)
	page := (offset+size-1)/size + 1 // a RepeatRows shift keeps its page number
	for _, f := range s.faults {
		if f.Action != "" && f.Action != action || f.EndpointID != "" && f.EndpointID != p.Get("ClientVpnEndpointId") ||
			f.Page != 0 && f.Page != page || f.Times < 0 {
			continue
		}
		af := &activeFault{s: s, f: f, page: page, size: size, token: token}
		if f.Kind == RepeatRows && offset > 0 {
			p = cloneValues(p)
			p.Set("NextToken", encodeToken(offset-1, hash))
		}
		return af, p
	}
	return nil, p
}

// spoil turns a successful answer into the faulty one.
func (af *activeFault) spoil(body []byte, err *apiError) ([]byte, *apiError) {
	if af == nil || err != nil {
		return body, err
	}
	af.s.cfgMu.Lock()
	f := af.f
	if f.Times < 0 {
		af.s.cfgMu.Unlock()
		return body, err
	}
	if f.Times > 0 {
		if f.Times--; f.Times == 0 {
			f.Times = -1 // used up
		}
	}
	af.s.cfgMu.Unlock()
	switch f.Kind {
	case ErrorAnswer:
		return nil, &apiError{Code: f.Code, Status: StatusForCode(f.Code), Message: f.Message}
	case ErrorDocument200:
		return errorBody(&apiError{Code: f.Code, Message: f.Message}, "fault"), nil
	case Truncated200:
		return body[:len(body)/2], nil
	case Garbage200:
		return []byte("<html><body>502 Bad Gateway</body>"), nil
	case RepeatToken:
		_, hash, ok := decodeToken(af.token)
		if !ok || f.BackTo < 2 {
			return body, nil // page 1 has no token to repeat
		}
		back := encodeToken((f.BackTo-1)*af.size, hash)
		return nextTokenElement.ReplaceAll(body, []byte("<nextToken>"+back+"</nextToken>")), nil
	}
	return body, nil
}

var nextTokenElement = regexp.MustCompile(`<nextToken>[^<]*</nextToken>`)

// decodeToken reads a token made by encodeToken; ok is false for none.
func decodeToken(tok string) (offset int, hash string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, "", false
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "v1" {
		return 0, "", false
	}
	if offset, err = strconv.Atoi(parts[1]); err != nil {
		return 0, "", false
	}
	return offset, parts[2], true
}
