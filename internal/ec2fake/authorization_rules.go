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
	const action = "DescribeClientVpnAuthorizationRules"
	pg, err := listOfEndpoint(s, account, region, p, action, []string{"description", "destination-cidr", "group-id"},
		func(e *Endpoint) []*AuthorizationRule { return e.AuthorizationRules },
		func(r *AuthorizationRule, filter string) (string, bool) {
			switch filter {
			case "description":
				return r.Description, true
			case "destination-cidr":
				return r.DestinationCidr, true
			case "group-id":
				return r.GroupID, r.GroupID != ""
			}
			return "", false
		})
	if err != nil {
		return nil, err
	}
	w := newResponse(action, requestID)
	w.list("authorizationRule", pg.end-pg.start, func(i int) {
		r := pg.rows[pg.start+i]
		w.text("clientVpnEndpointId", pg.id)
		w.optText("description", r.Description)
		w.optText("groupId", r.GroupID)
		w.boolean("accessAll", r.AccessAll)
		w.text("destinationCidr", r.DestinationCidr)
		w.status("status", r.StatusCode, r.StatusMessage)
	})
	w.optText("nextToken", pg.next)
	return w.finish(action), nil
}
