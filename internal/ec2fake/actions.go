package ec2fake

import (
	"net/url"
	"slices"
	"strings"
)

// actionFunc handles one action for a request already authenticated for
// account and region. It validates everything first and honours DryRun
// last, so a dry run answers DryRunOperation only when the real call would
// have succeeded; except TerminateClientVpnConnections, whose DryRun
// checks the permission only, as EC2 documents.
type actionFunc func(s *Server, account, region string, p url.Values, requestID string) ([]byte, *apiError)

var actions = map[string]actionFunc{
	"DescribeClientVpnConnections":        (*Server).describeConnections,
	"DescribeClientVpnEndpoints":          (*Server).describeEndpoints,
	"DescribeClientVpnAuthorizationRules": (*Server).describeAuthorizationRules,
	"TerminateClientVpnConnections":       (*Server).terminateConnections,
	"DescribeRegions":                     (*Server).describeRegions,
}

const timeLayout = "2006-01-02 15:04:05"

// endpointIn returns the endpoint if account has it in region. An endpoint
// of another region or account, an unknown id and a malformed id all answer
// NotFound: each region of each account is a separate service and knows
// nothing of the others.
func (s *Server) endpointIn(account, region, id string) (*Endpoint, *apiError) {
	e := s.byID[id]
	if e == nil || e.Region != region || s.ds.endpointAccount(e) != account {
		return nil, errEndpointNotFound(id)
	}
	return e, nil
}

// endpointPage is one page of a listing of one endpoint's items: rows[start:end], and
// the nextToken of the page after it ("" on the last).
type endpointPage[T any] struct {
	id         string
	rows       []T
	start, end int
	next       string
}

// listOfEndpoint answers the shared part of a Describe call that lists one
// endpoint's items (connections, authorization rules): the parameters
// ClientVpnEndpointId, Filter.N (named filterNames, matched by field),
// MaxResults, NextToken and DryRun, and the page asked for.
func listOfEndpoint[T any](s *Server, account, region string, p url.Values, action string,
	filterNames []string, items func(*Endpoint) []T, field func(T, string) (string, bool),
) (endpointPage[T], *apiError) {
	var pg endpointPage[T]
	if err := checkParams(p, []string{"ClientVpnEndpointId", "MaxResults", "NextToken", "DryRun"}, nil, true); err != nil {
		return pg, err
	}
	dryRun, err := parseBool(p, "DryRun")
	if err != nil {
		return pg, err
	}
	pg.id = p.Get("ClientVpnEndpointId")
	if pg.id == "" {
		return pg, errMissing("ClientVpnEndpointId")
	}
	filters, err := parseFilters(p, filterNames)
	if err != nil {
		return pg, err
	}
	size, err := parseMaxResults(p)
	if err != nil {
		return pg, err
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := s.endpointIn(account, region, pg.id)
	if err != nil {
		return pg, err
	}
	for _, item := range items(e) {
		if matchAll(filters, func(name string) (string, bool) { return field(item, name) }) {
			pg.rows = append(pg.rows, item)
		}
	}
	hash := queryHash(action, region, pg.id, filtersKey(filters))
	if pg.start, err = pageStart(p, hash, len(pg.rows)); err != nil {
		return pg, err
	}
	if dryRun {
		return pg, errDryRun()
	}
	pg.end, pg.next = page(pg.start, size, len(pg.rows), hash)
	return pg, nil
}

func (s *Server) describeConnections(account, region string, p url.Values, requestID string) ([]byte, *apiError) {
	const action = "DescribeClientVpnConnections"
	pg, err := listOfEndpoint(s, account, region, p, action, []string{"connection-id", "username"},
		func(e *Endpoint) []*Connection { return e.Connections },
		func(c *Connection, filter string) (string, bool) {
			switch filter {
			case "connection-id":
				return c.ConnectionID, true
			case "username":
				return c.Username, c.Username != ""
			}
			return "", false
		})
	if err != nil {
		return nil, err
	}
	w := newResponse(action, requestID)
	w.list("connections", pg.end-pg.start, func(i int) { w.connection(pg.rows[pg.start+i]) })
	w.optText("nextToken", pg.next)
	return w.finish(action), nil
}

func (s *Server) describeEndpoints(account, region string, p url.Values, requestID string) ([]byte, *apiError) {
	if err := checkParams(p, []string{"MaxResults", "NextToken", "DryRun"}, []string{"ClientVpnEndpointId"}, true); err != nil {
		return nil, err
	}
	dryRun, err := parseBool(p, "DryRun")
	if err != nil {
		return nil, err
	}
	ids := listValues(p, "ClientVpnEndpointId")
	filters, err := parseFilters(p, []string{"endpoint-id", "transport-protocol"})
	if err != nil {
		return nil, err
	}
	size, err := parseMaxResults(p)
	if err != nil {
		return nil, err
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range ids {
		if _, err := s.endpointIn(account, region, id); err != nil {
			return nil, err
		}
	}
	var rows []*Endpoint
	for _, e := range s.byRegion[accountRegion(account, region)] {
		if len(ids) > 0 && !slices.Contains(ids, e.ID) {
			continue
		}
		if matchAll(filters, func(name string) (string, bool) {
			switch name {
			case "endpoint-id":
				return e.ID, true
			case "transport-protocol":
				return e.TransportProtocol, true
			}
			return "", false
		}) {
			rows = append(rows, e)
		}
	}
	hash := queryHash("DescribeClientVpnEndpoints", region, strings.Join(ids, ","), filtersKey(filters))
	start, err := pageStart(p, hash, len(rows))
	if err != nil {
		return nil, err
	}
	if dryRun {
		return nil, errDryRun()
	}
	end, next := page(start, size, len(rows), hash)

	w := newResponse("DescribeClientVpnEndpoints", requestID)
	w.list("clientVpnEndpoint", end-start, func(i int) { w.endpoint(rows[start+i]) })
	w.optText("nextToken", next)
	return w.finish("DescribeClientVpnEndpoints"), nil
}

// maxTerminateByUser is how many of a user's connections one
// TerminateClientVpnConnections by Username ends.
const maxTerminateByUser = 5

// terminable reports whether a connection can still be ended.
func terminable(c *Connection) bool {
	return c.StatusCode == "active" || c.StatusCode == "failed-to-terminate"
}

func (s *Server) terminateConnections(account, region string, p url.Values, requestID string) ([]byte, *apiError) {
	if err := checkParams(p, []string{"ClientVpnEndpointId", "ConnectionId", "Username", "DryRun"}, nil, false); err != nil {
		return nil, err
	}
	dryRun, err := parseBool(p, "DryRun")
	if err != nil {
		return nil, err
	}
	id := p.Get("ClientVpnEndpointId")
	if id == "" {
		return nil, errMissing("ClientVpnEndpointId")
	}
	connID, user := p.Get("ConnectionId"), p.Get("Username")
	if connID == "" && user == "" {
		return nil, newError("MissingParameter", "The request must contain the parameter ConnectionId or Username")
	}
	// EC2 documents DryRun as a permission check only ("Checks whether you
	// have the required permissions for the action, without actually making
	// the request"): the fake answers it before looking at any id, so that
	// nothing comes to rely on a dry run validating them.
	if dryRun {
		return nil, errDryRun()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.endpointIn(account, region, id)
	if err != nil {
		return nil, err
	}
	var targets []*Connection
	if connID != "" {
		// With both given, the connection must belong to that user.
		for _, c := range e.Connections {
			if c.ConnectionID == connID && (user == "" || c.Username == user) {
				targets = append(targets, c)
				break
			}
		}
		if len(targets) == 0 {
			return nil, newError("InvalidClientVpnConnection.IdNotFound", "The connection ID '%s' does not exist", connID)
		}
	} else {
		for _, c := range e.Connections {
			if c.Username == user && terminable(c) && len(targets) < maxTerminateByUser {
				targets = append(targets, c)
			}
		}
		if len(targets) == 0 {
			return nil, newError("InvalidClientVpnConnection.UserNotFound", "The user '%s' does not have any active connections", user)
		}
	}

	now := s.clock().UTC().Format(timeLayout)
	type change struct{ id, prevCode, prevMsg, curCode, curMsg string }
	changes := make([]change, 0, len(targets))
	for _, c := range targets {
		ch := change{id: c.ConnectionID, prevCode: c.StatusCode, prevMsg: c.StatusMessage}
		if terminable(c) {
			// EC2 reports "terminating" and finishes asynchronously; the
			// fake finishes at once so the next Describe shows "terminated".
			ch.curCode, ch.curMsg = "terminating", ""
			c.StatusCode, c.StatusMessage = "terminated", "Terminated by API request"
			c.ConnectionEndTime, c.Timestamp = now, now
		} else {
			// Already ending or ended: nothing to do, report it unchanged.
			ch.curCode, ch.curMsg = c.StatusCode, c.StatusMessage
		}
		changes = append(changes, ch)
	}
	if user == "" {
		user = targets[0].Username
	}

	w := newResponse("TerminateClientVpnConnections", requestID)
	w.text("clientVpnEndpointId", id)
	w.optText("username", user)
	w.list("connectionStatuses", len(changes), func(i int) {
		ch := changes[i]
		w.text("connectionId", ch.id)
		w.status("previousStatus", ch.prevCode, ch.prevMsg)
		w.status("currentStatus", ch.curCode, ch.curMsg)
	})
	return w.finish("TerminateClientVpnConnections"), nil
}

func (s *Server) describeRegions(account, region string, p url.Values, requestID string) ([]byte, *apiError) {
	if err := checkParams(p, []string{"AllRegions", "DryRun"}, []string{"RegionName"}, true); err != nil {
		return nil, err
	}
	dryRun, err := parseBool(p, "DryRun")
	if err != nil {
		return nil, err
	}
	// AllRegions would add the disabled regions; the dataset only knows the
	// enabled ones, so it changes nothing here.
	if _, err := parseBool(p, "AllRegions"); err != nil {
		return nil, err
	}
	names := listValues(p, "RegionName")
	filters, err := parseFilters(p, []string{"region-name", "opt-in-status", "endpoint"})
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if !s.ds.regionEnabled(account, n) {
			return nil, errInvalidValue("Invalid region: %s", n)
		}
	}
	if dryRun {
		return nil, errDryRun()
	}
	var rows []string
	for _, r := range s.ds.enabledRegions(account) { // regions never change after New
		if len(names) > 0 && !slices.Contains(names, r) {
			continue
		}
		if matchAll(filters, func(name string) (string, bool) {
			switch name {
			case "region-name":
				return r, true
			case "opt-in-status":
				return "opt-in-not-required", true
			case "endpoint":
				return regionEndpoint(r), true
			}
			return "", false
		}) {
			rows = append(rows, r)
		}
	}
	w := newResponse("DescribeRegions", requestID)
	w.list("regionInfo", len(rows), func(i int) {
		w.text("regionName", rows[i])
		w.text("regionEndpoint", regionEndpoint(rows[i]))
		w.text("optInStatus", "opt-in-not-required")
	})
	return w.finish("DescribeRegions"), nil
}

func regionEndpoint(r string) string { return "ec2." + r + ".amazonaws.com" }
