package clientvpn

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TerminateRequest is one TerminateClientVpnConnections call: one
// connection by id, or (up to five of) a user's connections by username.
type TerminateRequest struct {
	Region       string
	EndpointID   string
	ConnectionID string // one of ConnectionID and Username
	Username     string
	// DryRun asks the API whether the call would succeed, changing nothing.
	DryRun bool
}

// TerminateResult is the API's answer to a terminate.
type TerminateResult struct {
	// WouldSucceed: the request was a dry run and the API answered
	// DryRunOperation ("Request would have succeeded, but DryRun flag is
	// set"), whose text is in DryRunMessage. Answer is nil then.
	WouldSucceed  bool
	DryRunMessage string
	// Answer is the API's answer to a real terminate, with the API's field
	// names when marshalled to JSON.
	Answer *TerminateAnswer
}

// TerminateAnswer is TerminateClientVpnConnections' response.
type TerminateAnswer struct {
	ClientVpnEndpointID string `json:"clientVpnEndpointId"`
	// Username is null for connections without a username
	// (certificate-only authentication).
	Username           *string            `json:"username"`
	ConnectionStatuses []ConnectionChange `json:"connectionStatuses"`
}

// ConnectionChange is one terminated connection's status before and after.
type ConnectionChange struct {
	ConnectionID   string           `json:"connectionId"`
	PreviousStatus ConnectionStatus `json:"previousStatus"`
	CurrentStatus  ConnectionStatus `json:"currentStatus"`
}

// ConnectionStatus is a connection's status: active, failed-to-terminate,
// terminating or terminated, and the API's message if it sent one.
type ConnectionStatus struct {
	Code    string  `json:"code"`
	Message *string `json:"message"`
}

// dryRunOperation is the code of the API's "would have succeeded" answer.
const dryRunOperation = "DryRunOperation"

// Terminate calls TerminateClientVpnConnections once (a throttled call,
// which changed nothing, is retried as every call is: accounts.Limiter).
// After a real terminate succeeds,
// the cached connections of that endpoint are dropped, so the next SELECT
// shows the new status. A failure is an *APIError carrying the AWS code.
//
// Terminate holds no lock while the request is in flight: table scans of
// the same Service run alongside it (a bulk terminate calls it once per row
// of a scan still streaming).
func (s *Service) Terminate(ctx context.Context, req TerminateRequest) (*TerminateResult, error) {
	const op = "TerminateClientVpnConnections"
	if req.Region == "" || req.EndpointID == "" || (req.ConnectionID == "") == (req.Username == "") {
		return nil, errors.New("internal error: a terminate needs a region, an endpoint, and a connection id or a username")
	}
	client, err := s.client(ctx, req.Region)
	if err != nil {
		return nil, err
	}
	in := &ec2.TerminateClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(req.EndpointID)}
	if req.ConnectionID != "" {
		in.ConnectionId = aws.String(req.ConnectionID)
	} else {
		in.Username = aws.String(req.Username)
	}
	if req.DryRun {
		in.DryRun = aws.Bool(true)
	}
	out, err := client.TerminateClientVpnConnections(ctx, in)
	if err != nil {
		e := apiError(req.Region, op, err)
		var ae *APIError
		if req.DryRun && errors.As(e, &ae) && ae.Code == dryRunOperation {
			return &TerminateResult{WouldSucceed: true, DryRunMessage: ae.Message}, nil
		}
		return nil, e
	}
	// A real answer; also when a dry run was not honoured, which would
	// have terminated for real: then the cache must go all the same.
	s.InvalidateEndpoint(req.Region, req.EndpointID)
	return &TerminateResult{Answer: terminateAnswer(req.EndpointID, out)}, nil
}

func terminateAnswer(endpointID string, out *ec2.TerminateClientVpnConnectionsOutput) *TerminateAnswer {
	a := &TerminateAnswer{
		ClientVpnEndpointID: aws.ToString(out.ClientVpnEndpointId),
		Username:            out.Username,
		ConnectionStatuses:  make([]ConnectionChange, 0, len(out.ConnectionStatuses)),
	}
	if a.ClientVpnEndpointID == "" {
		a.ClientVpnEndpointID = endpointID
	}
	for _, cs := range out.ConnectionStatuses {
		a.ConnectionStatuses = append(a.ConnectionStatuses, ConnectionChange{
			ConnectionID:   aws.ToString(cs.ConnectionId),
			PreviousStatus: connectionStatus(cs.PreviousStatus),
			CurrentStatus:  connectionStatus(cs.CurrentStatus),
		})
	}
	return a
}

func connectionStatus(s *types.ClientVpnConnectionStatus) ConnectionStatus {
	if s == nil {
		return ConnectionStatus{}
	}
	return ConnectionStatus{Code: string(s.Code), Message: s.Message}
}
