package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/accounts"
)

// TerminateRequest is one TerminateClientVpnConnections call: one
// connection by id, or (up to five of) a user's connections by username.
type TerminateRequest struct {
	// AccountID signs the request; "" lets Terminate find the account in
	// scope that owns the endpoint (with several accounts in scope).
	AccountID    string
	Region       string
	EndpointID   string
	ConnectionID string // one of ConnectionID and Username
	Username     string
	// DryRun asks the API whether the call would succeed, changing nothing.
	DryRun bool
}

// TerminateResult is the API's answer to a terminate.
type TerminateResult struct {
	// AccountID is the account the request was signed for ("" for the
	// default account when its id was not needed).
	AccountID string
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
// which changed nothing, is retried as every call is: accounts.Limiter),
// signed by the account that owns the endpoint: with several accounts in
// scope, each is asked (DescribeClientVpnEndpoints for that id in that
// region) and only the one owner may sign; no owner or several is an error
// and nothing is sent. After a real terminate succeeds,
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
	if req.AccountID == "" {
		owner, err := s.EndpointOwner(ctx, req.Region, req.EndpointID)
		if err != nil {
			return nil, err
		}
		req.AccountID = owner
	}
	client, err := s.client(ctx, req.AccountID, req.Region)
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
			return &TerminateResult{AccountID: req.AccountID, WouldSucceed: true, DryRunMessage: ae.Message}, nil
		}
		return nil, e
	}
	// A real answer; also when a dry run was not honoured, which would
	// have terminated for real: then the cache must go all the same.
	s.InvalidateEndpoint(req.AccountID, req.Region, req.EndpointID)
	return &TerminateResult{AccountID: req.AccountID, Answer: terminateAnswer(req.EndpointID, out)}, nil
}

// EndpointOwner finds the one account in scope that has endpointID in
// region ("" with one account in scope: the default one, asked nothing).
// Any account that cannot answer makes ownership unknown: an error, so
// that nothing is sent on a guess. Callers that record a terminate before
// sending it ask first, so that the record names the account.
//
// Endpoint ids are unique across AWS, so an owner found is kept for the
// life of the scope: a bulk terminate asks once per endpoint, not once per
// row.
func (s *Service) EndpointOwner(ctx context.Context, region, endpointID string) (string, error) {
	scope := s.Scope()
	if !scope.Multi() {
		return "", nil
	}
	key := region + "/" + endpointID
	s.mu.Lock()
	owner, known := s.owners[key]
	s.mu.Unlock()
	if known {
		return owner, nil
	}
	owner, err := s.findOwner(ctx, scope, region, endpointID)
	if err == nil {
		s.mu.Lock()
		if scope == s.scope {
			s.owners[key] = owner
		}
		s.mu.Unlock()
	}
	return owner, err
}

func (s *Service) findOwner(ctx context.Context, scope *accounts.Scope, region, endpointID string) (string, error) {
	ids, failed, err := scope.Readable(ctx, nil, true)
	if err != nil {
		return "", err
	}
	if len(failed) > 0 {
		return "", fmt.Errorf("cannot tell which account owns %s: %w", endpointID, &accounts.Error{Account: failed[0].Account, Err: failed[0].Err})
	}
	var owners []string
	for _, id := range ids {
		err := s.fetchEndpoints(ctx, EndpointQuery{AccountID: id, Region: region, EndpointIDs: []string{endpointID}},
			func([]types.ClientVpnEndpoint, bool) error { return nil })
		switch {
		case err == nil:
			owners = append(owners, id)
		case !isEndpointNotFound(err):
			return "", fmt.Errorf("cannot tell which account owns %s: %w", endpointID, inAccount(id, err))
		}
	}
	switch len(owners) {
	case 0:
		return "", fmt.Errorf("%s is in none of the accounts in scope (%s) in %s: nothing was sent", endpointID, strings.Join(ids, ", "), region)
	case 1:
		return owners[0], nil
	}
	return "", fmt.Errorf("%s exists in several accounts in scope (%s) in %s: nothing was sent", endpointID, strings.Join(owners, ", "), region)
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
