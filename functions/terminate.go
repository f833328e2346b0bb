package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/vpnsql/vpnsql/internal/audit"
	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// The terminate functions (see docs/terminate.md):
//
//	client_vpn_connections_terminate(endpoint_id, region, connection_id [, dry_run])
//	client_vpn_connections_terminate_user(endpoint_id, region, username [, dry_run])
//
// each make one TerminateClientVpnConnections call and return the API's
// answer as JSON text with the API's field names:
//
//	{"clientVpnEndpointId":…,"username":…,"connectionStatuses":[{"connectionId":…,
//	 "previousStatus":{"code":…,"message":…},"currentStatus":{"code":…,"message":…}}]}
//
// With dry_run TRUE nothing changes: the function checks the permission
// (the request with DryRun=true) and the targets (a describe), and answers
//
//	{"dryRun":true,"wouldSucceed":…,"clientVpnEndpointId":…,"connectionId"|"username":…,
//	 "permission":{"allowed":…,"code":…,"message":…},
//	 "targets":{"ok":…,"activeConnections":[…],"problem":…}}
//
// (see dryrun.go).
//
// Safety: both are registered DirectOnly: nothing stored in a database
// file (a view, trigger, CHECK, DEFAULT, generated column or index) can call
// them, in any host (SQLite's own check, plus the binding's, see
// sqlite.DirectOnly). They are not deterministic (SQLite calls them once
// per row, never folds or reuses a result). Each door keeps them off unless
// its user turns them on; a call while off fails, with how to turn them
// on, and sends nothing. Arguments are checked before any request. Every
// call, refused ones included, is recorded in the audit log, and a sent
// call's intent is on disk before its request leaves (write-ahead): if it
// cannot be written, nothing is sent.
const (
	terminateName     = "client_vpn_connections_terminate"
	terminateUserName = "client_vpn_connections_terminate_user"
)

// The doors, as the audit log names them.
const (
	DoorCLI       = "cli"
	DoorExtension = "extension"
	DoorGo        = "go"
)

// enableHints say how each door turns terminating on.
var enableHints = map[string]string{
	DoorCLI:       "run vpnsql with --allow-terminate",
	DoorExtension: "set VPNSQL_ALLOW_TERMINATE=1 in the environment before .load",
	DoorGo:        "register with vpnsql.Options{AllowTerminate: true}",
}

// TerminatePolicy is a door's decision about the terminate functions. The
// zero value keeps them off. It is fixed when the door installs the
// engine: no SQL can change it.
type TerminatePolicy struct {
	// Allow turns the functions on.
	Allow bool
	// Door names the front end in the audit log: DoorCLI, DoorExtension,
	// DoorGo.
	Door string
	// EnableHint tells the user how to turn the functions on in this door;
	// default: the door's usual switch.
	EnableHint string
	// AuditLog is the audit file; "" means audit.DefaultPath
	// ($XDG_STATE_HOME/vpnsql/audit.jsonl, else
	// ~/.local/state/vpnsql/audit.jsonl).
	AuditLog string
}

// Terminator serves the terminate functions of one engine, on every
// connection (see Register).
type Terminator struct {
	svc    *clientvpn.Service
	policy TerminatePolicy
	log    *audit.Log
	logErr error // a bad AuditLog path: every call fails with it
}

// NewTerminator prepares the terminate functions of svc under policy. A
// door calls it once, when it installs the engine.
func NewTerminator(svc *clientvpn.Service, policy TerminatePolicy) *Terminator {
	if policy.Door == "" {
		policy.Door = DoorGo
	}
	if policy.EnableHint == "" {
		policy.EnableHint = enableHints[policy.Door]
	}
	t := &Terminator{svc: svc, policy: policy}
	t.log, t.logErr = audit.New(policy.AuditLog)
	return t
}

// register declares the two functions, with and without dry_run.
func (t *Terminator) register(conn *sqlite.Conn) error {
	for _, byUser := range []bool{false, true} {
		name := terminateName
		if byUser {
			name = terminateUserName
		}
		fn := func(args []any) (any, error) { return t.call(name, byUser, args) }
		for _, nArg := range []int{3, 4} {
			// DirectOnly, and deliberately not Deterministic.
			if err := conn.CreateFunction(name, nArg, sqlite.DirectOnly, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// call is one call of either function. A call refused before sending
// (off, bad arguments) is recorded and fails; an allowed one opens the
// audit log, sends, and records its outcome.
func (t *Terminator) call(name string, byUser bool, args []any) (any, error) {
	rec := audit.Record{
		Door:       t.policy.Door,
		Function:   name,
		EndpointID: auditValue(args[0]),
		Region:     auditValue(args[1]),
	}
	target := auditValue(args[2])
	if target == nil {
		target = json.RawMessage("null") // shown, where nil would be left out
	}
	if byUser {
		rec.Username = target
	} else {
		rec.ConnectionID = target
	}
	req, argErr := terminateArgs(byUser, args)
	rec.DryRun = req.DryRun

	// Refused before sending: off, or a bad argument. The record is
	// written all the same; an audit failure is added to the error.
	var refusal error
	switch {
	case !t.policy.Allow:
		rec.Outcome = audit.Refused
		hint := t.policy.EnableHint
		if hint == "" {
			hint = "see docs/terminate.md"
		}
		refusal = fmt.Errorf("%s: terminating connections is turned off; to turn it on, %s (nothing was sent)", name, hint)
	case argErr != nil:
		rec.Outcome = audit.Invalid
		refusal = fmt.Errorf("%s: %w (nothing was sent)", name, argErr)
	case t.logErr != nil:
		return nil, fmt.Errorf("%s: %w (nothing was sent)", name, t.logErr)
	}
	if refusal != nil {
		rec.Error = refusal.Error()
		if err := t.appendRecord(rec); err != nil {
			return nil, fmt.Errorf("%w; the audit record could not be written either: %v", refusal, err)
		}
		return nil, refusal
	}

	// The account that signs, known before the intent is written so that
	// the intent names it too. Not knowing it sends nothing.
	owner, err := t.svc.EndpointOwner(context.Background(), req.Region, req.EndpointID)
	if err != nil {
		callErr := fmt.Errorf("%s: %w", name, err)
		rec.Outcome, rec.Error = audit.Failed, callErr.Error()
		if err := t.appendRecord(rec); err != nil {
			return nil, fmt.Errorf("%w; the audit record could not be written either: %v", callErr, err)
		}
		return nil, callErr
	}
	req.AccountID, rec.AccountID = owner, owner

	// Write-ahead: the intent must be on disk before anything is sent.
	pending, err := t.log.Begin(rec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was sent (every terminate call is recorded, so none is made without the audit log)", name, err)
	}
	// No lock is held here: the scan feeding a bulk terminate keeps
	// streaming while the request is in flight.
	var (
		res     *clientvpn.TerminateResult
		dry     dryRunAnswer
		callErr error
	)
	if req.DryRun {
		dry, res, callErr = t.dryRun(context.Background(), req)
	} else {
		res, callErr = t.svc.Terminate(context.Background(), req)
	}
	var answer string
	switch {
	case callErr != nil:
		rec.Outcome = audit.Failed
		var ae *clientvpn.APIError
		if errors.As(callErr, &ae) {
			rec.ErrorCode = ae.Code
		}
		callErr = fmt.Errorf("%s: %w", name, callErr)
		rec.Error = callErr.Error()
	case res == nil: // a dry run, checked
		rec.Outcome = audit.WouldFail
		if dry.WouldSucceed {
			rec.Outcome = audit.WouldSucceed
		}
		answer = marshal(dry)
		rec.Result = json.RawMessage(answer)
	default: // a real terminate, also one the API made of a dry run
		rec.Outcome = audit.Succeeded
		answer = marshal(res.Answer)
		rec.Result = json.RawMessage(answer)
	}
	if err := pending.Commit(rec); err != nil {
		if callErr != nil {
			return nil, fmt.Errorf("%w; the audit record could not be written either: %v", callErr, err)
		}
		return nil, fmt.Errorf("%s: the request was sent and answered %s, but its outcome could not be added to the audit log (its intent is there): %v", name, answer, err)
	}
	if callErr != nil {
		return nil, callErr
	}
	return answer, nil
}

// appendRecord writes the record of a call refused before sending.
func (t *Terminator) appendRecord(rec audit.Record) error {
	if t.logErr != nil {
		return t.logErr
	}
	return t.log.Append(rec)
}

// terminateArgs checks the arguments, in order, before anything is sent.
// The dry-run flag is read even when another argument is wrong, for the
// audit record.
func terminateArgs(byUser bool, args []any) (clientvpn.TerminateRequest, error) {
	var req clientvpn.TerminateRequest
	var dryErr error
	if len(args) == 4 {
		req.DryRun, dryErr = dryRunArg(args[3])
	}
	var err error
	if req.EndpointID, err = textArg("endpoint_id", args[0]); err != nil {
		return req, err
	}
	if err := awsid.CheckEndpointID("endpoint_id", req.EndpointID); err != nil {
		return req, err
	}
	if req.Region, err = textArg("region", args[1]); err != nil {
		return req, err
	}
	if err := awsid.CheckRegion("region", req.Region); err != nil {
		return req, err
	}
	if byUser {
		if req.Username, err = textArg("username", args[2]); err != nil {
			return req, err
		}
		if err := awsid.CheckUsername("username", req.Username); err != nil {
			return req, err
		}
	} else {
		if req.ConnectionID, err = textArg("connection_id", args[2]); err != nil {
			return req, err
		}
		if err := awsid.CheckConnectionID("connection_id", req.ConnectionID); err != nil {
			return req, err
		}
	}
	return req, dryErr
}

// textArg accepts SQL text only: a NULL, a number or a blob is refused
// rather than converted.
func textArg(name string, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case nil:
		return "", fmt.Errorf("%s is NULL", name)
	case int64:
		return "", fmt.Errorf("%s must be text, not the integer %d", name, v)
	case float64:
		return "", fmt.Errorf("%s must be text, not the number %g", name, v)
	case []byte:
		return "", fmt.Errorf("%s must be text, not a blob", name)
	}
	return "", fmt.Errorf("%s must be text, not %T", name, v)
}

// dryRunArg accepts TRUE or FALSE (1 or 0, as integers or reals, since
// SQLite holds 1.0 = 1 true) only: a typo must not send a real terminate.
func dryRunArg(v any) (bool, error) {
	switch v {
	case int64(1), float64(1):
		return true, nil
	case int64(0), float64(0):
		return false, nil
	}
	shown := "NULL"
	switch v := v.(type) {
	case string:
		shown = awsid.Quote(v)
	case []byte:
		shown = "a blob"
	case int64, float64:
		shown = fmt.Sprint(v)
	}
	return false, fmt.Errorf("dry_run must be TRUE or FALSE (1 or 0), not %s", shown)
}

// marshal is v as compact JSON text, with <, > and & left as they are.
func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only plain structs of strings reach here.
		panic(fmt.Sprintf("vpnsql: encoding %T: %v", v, err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// maxAuditText bounds how much of one argument the audit log keeps.
const maxAuditText = 2048

// auditValue is an argument as the audit log shows it: text as text
// (shortened if huge), numbers as numbers, NULL as null, a blob as a note.
func auditValue(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > maxAuditText {
			return strings.ToValidUTF8(v[:maxAuditText], "") + fmt.Sprintf("… (%d bytes)", len(v))
		}
		if !utf8.ValidString(v) {
			return strings.ToValidUTF8(v, "\uFFFD")
		}
		return v
	case []byte:
		return fmt.Sprintf("(blob of %d bytes)", len(v))
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Sprint(v) // JSON has no infinities
		}
	}
	return v
}
