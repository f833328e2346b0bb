package ec2fake

import "net/url"

// AuthorizationRule is one authorization rule of an endpoint, as
// DescribeClientVpnAuthorizationRules reports it. A rule either lets every
// client reach DestinationCidr (AccessAll) or only members of GroupID.
type AuthorizationRule struct {
	Description     string
	GroupID         string // "" = absent on the wire (AccessAll rules)
	AccessAll       bool
	DestinationCidr string
	StatusCode      string // authorizing, active, failed, revoking
	StatusMessage   string
}

func (s *Server) describeAuthorizationRules(account, region string, p url.Values, requestID string) ([]byte, *apiError) {
	if err := checkParams(p, []string{"ClientVpnEndpointId", "MaxResults", "NextToken", "DryRun"}, nil, true); err != nil {
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
	filters, err := parseFilters(p, []string{"description", "destination-cidr", "group-id"})
	if err != nil {
		return nil, err
	}
	size, err := parseMaxResults(p)
	if err != nil {
		return nil, err
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := s.endpointIn(account, region, id)
	if err != nil {
		return nil, err
	}
	var rows []*AuthorizationRule
	for _, r := range e.AuthorizationRules {
		if matchAll(filters, func(name string) (string, bool) {
			switch name {
			case "description":
				return r.Description, true
			case "destination-cidr":
				return r.DestinationCidr, true
			case "group-id":
				return r.GroupID, r.GroupID != ""
			}
			return "", false
		}) {
			rows = append(rows, r)
		}
	}
	hash := queryHash("DescribeClientVpnAuthorizationRules", region, id, filtersKey(filters))
	start, err := pageStart(p, hash, len(rows))
	if err != nil {
		return nil, err
	}
	if dryRun {
		return nil, errDryRun()
	}
	end, next := page(start, size, len(rows), hash)

	w := newResponse("DescribeClientVpnAuthorizationRules", requestID)
	w.list("authorizationRule", end-start, func(i int) {
		r := rows[start+i]
		w.text("clientVpnEndpointId", id)
		w.optText("description", r.Description)
		w.optText("groupId", r.GroupID)
		w.boolean("accessAll", r.AccessAll)
		w.text("destinationCidr", r.DestinationCidr)
		w.status("status", r.StatusCode, r.StatusMessage)
	})
	w.optText("nextToken", next)
	return w.finish("DescribeClientVpnAuthorizationRules"), nil
}
