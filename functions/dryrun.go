package functions

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

// A dry run checks what the real call needs, and reports each check on its
// own (docs/terminate.md):
//
//   - permission: TerminateClientVpnConnections with DryRun=true. EC2
//     documents DryRun as a permission check only: DryRunOperation means
//     permitted, UnauthorizedOperation means not. It does not promise to
//     look at the ids or their state.
//   - targets: DescribeClientVpnConnections of the endpoint, uncached: the
//     connection exists there and is active; or the user has at least one
//     and at most 5 active connections there (terminating by username ends
//     at most 5, AWS refuses more).
//
// wouldSucceed is true only when both pass.
type dryRunAnswer struct {
	DryRun       bool        `json:"dryRun"`
	WouldSucceed bool        `json:"wouldSucceed"`
	EndpointID   string      `json:"clientVpnEndpointId"`
	ConnectionID string      `json:"connectionId,omitempty"`
	Username     string      `json:"username,omitempty"`
	Permission   permission  `json:"permission"`
	Targets      targetCheck `json:"targets"`
}

type permission struct {
	// Allowed is true (DryRunOperation), false (UnauthorizedOperation), or
	// null when the API answered something else, which Code and Message
	// then show.
	Allowed *bool  `json:"allowed"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type targetCheck struct {
	OK bool `json:"ok"`
	// Active lists the active connections the call would end.
	Active []string `json:"activeConnections"`
	// Problem says why OK is false.
	Problem string `json:"problem,omitempty"`
}

// maxTerminateByUser is how many connections AWS ends by username; a user
// with more cannot be terminated that way.
const maxTerminateByUser = 5

// dryRun runs both checks. It fails only when a check could not get an
// answer at all (the network, the SDK's retries ran out); an answer from
// the API, even an error, is reported. real is set, and the answer is the
// API's, when the API ignored DryRun and terminated.
func (t *Terminator) dryRun(ctx context.Context, req clientvpn.TerminateRequest) (answer dryRunAnswer, real *clientvpn.TerminateResult, err error) {
	answer = dryRunAnswer{DryRun: true, EndpointID: req.EndpointID, ConnectionID: req.ConnectionID, Username: req.Username}
	res, err := t.svc.Terminate(ctx, req)
	var ae *clientvpn.APIError
	switch {
	case err == nil && !res.WouldSucceed:
		return answer, res, nil
	case err == nil:
		answer.Permission = permission{Allowed: aws.Bool(true), Code: "DryRunOperation", Message: res.DryRunMessage}
	case errors.As(err, &ae) && ae.Code != "":
		answer.Permission = permission{Code: ae.Code, Message: ae.Message}
		if ae.Code == "UnauthorizedOperation" {
			answer.Permission.Allowed = aws.Bool(false)
		}
	default:
		return answer, nil, err
	}
	if answer.Targets, err = t.checkTargets(ctx, req); err != nil {
		return answer, nil, err
	}
	answer.WouldSucceed = answer.Permission.Allowed != nil && *answer.Permission.Allowed && answer.Targets.OK
	return answer, nil, nil
}

// checkTargets describes the connection, or the user's connections, on the
// endpoint as they are now.
func (t *Terminator) checkTargets(ctx context.Context, req clientvpn.TerminateRequest) (targetCheck, error) {
	q := clientvpn.ConnectionQuery{AccountID: req.AccountID, Region: req.Region, EndpointID: req.EndpointID}
	if req.ConnectionID != "" {
		q.ConnectionIDs = []string{req.ConnectionID}
	} else {
		q.Usernames = []string{req.Username}
	}
	var found []types.ClientVpnConnection
	err := t.svc.ConnectionsNow(ctx, q, func(page []types.ClientVpnConnection) error {
		for _, c := range page {
			// The API filters; compare again rather than trust it.
			if (req.ConnectionID != "" && aws.ToString(c.ConnectionId) == req.ConnectionID) ||
				(req.Username != "" && aws.ToString(c.Username) == req.Username) {
				found = append(found, c)
			}
		}
		return nil
	})
	var ae *clientvpn.APIError
	if err != nil {
		if errors.As(err, &ae) && ae.Code != "" {
			return targetCheck{Active: []string{}, Problem: err.Error()}, nil
		}
		return targetCheck{}, err
	}
	check := targetCheck{Active: []string{}}
	for _, c := range found {
		if c.Status != nil && c.Status.Code == types.ClientVpnConnectionStatusCodeActive {
			check.Active = append(check.Active, aws.ToString(c.ConnectionId))
		}
	}
	where := fmt.Sprintf("on endpoint %s in %s", req.EndpointID, req.Region)
	switch {
	case req.ConnectionID != "" && len(found) == 0:
		check.Problem = fmt.Sprintf("connection %s does not exist %s", req.ConnectionID, where)
	case req.ConnectionID != "" && len(check.Active) == 0:
		check.Problem = fmt.Sprintf("connection %s is %s, not active", req.ConnectionID, statusCode(found[0]))
	case req.Username != "" && len(check.Active) == 0:
		check.Problem = fmt.Sprintf("user %s has no active connection %s", req.Username, where)
	case len(check.Active) > maxTerminateByUser:
		check.Problem = fmt.Sprintf("user %s has %d active connections %s; terminating by username ends at most %d: terminate them by connection id",
			req.Username, len(check.Active), where, maxTerminateByUser)
	default:
		check.OK = true
	}
	return check, nil
}

func statusCode(c types.ClientVpnConnection) string {
	if c.Status == nil || c.Status.Code == "" {
		return "of unknown status"
	}
	return string(c.Status.Code)
}
