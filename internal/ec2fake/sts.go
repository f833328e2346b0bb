package ec2fake

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The STS actions the fake answers (Query protocol, version 2011-06-15):
// GetCallerIdentity, which needs no permission, and AssumeRole into an
// account of the dataset's organization.

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// roleARN matches arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME.
var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)

// assumedDuration is how long AssumeRole's credentials last (the API's
// default DurationSeconds).
const assumedDuration = time.Hour

func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request, entry Request, finished func()) {
	parseErr := r.ParseForm()
	params := cloneValues(r.Form)
	entry.Action = params.Get("Action")
	delete(params, "Action")
	delete(params, "Version")
	entry.Params = params
	requestID := s.newRequestID()

	var body []byte
	var err *apiError
	switch {
	case parseErr != nil:
		err = &apiError{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: parseErr.Error()}
	case entry.Account == "":
		err = &apiError{Code: "InvalidClientTokenId", Status: http.StatusForbidden,
			Message: "The security token included in the request is invalid."}
	case entry.Action == "GetCallerIdentity":
		body = stsResponse("GetCallerIdentity", requestID,
			"<Arn>arn:aws:iam::"+entry.Account+":user/vpnsql</Arn><UserId>AIDAVPNSQL"+entry.Account+"</UserId><Account>"+entry.Account+"</Account>")
	case entry.Action == "AssumeRole":
		body, err = s.assumeRole(entry.Account, params.Get("RoleArn"), params.Get("RoleSessionName"), requestID)
	default:
		err = &apiError{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version 2011-06-15", entry.Action)}
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	entry.Status = http.StatusOK
	if err != nil {
		entry.Status, entry.ErrorCode = err.Status, err.Code
		body = stsErrorBody(err, requestID)
	}
	s.reply(w, entry, body, finished)
}

// assumeRole hands out keys of the role's account when the organization
// lets the caller in: the role must be the organization's role name and
// the account an ACTIVE member that does not refuse it.
func (s *Server) assumeRole(caller, arn, session, requestID string) ([]byte, *apiError) {
	if arn == "" || session == "" {
		return nil, &apiError{Code: "ValidationError", Status: http.StatusBadRequest,
			Message: "1 validation error detected: RoleArn and RoleSessionName must not be null"}
	}
	m := roleARN.FindStringSubmatch(arn)
	denied := &apiError{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: fmt.Sprintf("User: arn:aws:iam::%s:user/vpnsql is not authorized to perform: sts:AssumeRole on resource: %s", caller, arn)}
	if m == nil {
		return nil, &apiError{Code: "ValidationError", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("%s is invalid", arn)}
	}
	org := s.ds.Organization
	target := s.ds.account(m[1])
	role := DefaultOrgRole
	if org != nil && org.RoleName != "" {
		role = org.RoleName
	}
	if org == nil || target == nil || target.RefuseRole || m[2] != role || !accountActive(target) {
		return nil, denied
	}
	key := s.issued.issue(target.ID)
	expires := s.clock().UTC().Add(assumedDuration).Format(time.RFC3339)
	name := m[2]
	return stsResponse("AssumeRole", requestID,
		"<AssumedRoleUser><Arn>arn:aws:sts::"+target.ID+":assumed-role/"+name+"/"+xmlEscape(session)+"</Arn>"+
			"<AssumedRoleId>AROAVPNSQL:"+xmlEscape(session)+"</AssumedRoleId></AssumedRoleUser>"+
			"<Credentials><AccessKeyId>"+key+"</AccessKeyId><SecretAccessKey>fake-secret-"+key+"</SecretAccessKey>"+
			"<SessionToken>fake-token-"+key+"</SessionToken><Expiration>"+expires+"</Expiration></Credentials>"), nil
}

func accountActive(a *Account) bool {
	if a.State != "" {
		return a.State == "ACTIVE"
	}
	return a.Status == "ACTIVE"
}

func stsResponse(action, requestID, result string) []byte {
	return []byte(xml.Header + "<" + action + "Response xmlns=\"" + stsNamespace + "\"><" + action + "Result>" + result +
		"</" + action + "Result><ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata></" + action + "Response>")
}

// stsErrorBody is the Query protocol's error document as STS sends it.
func stsErrorBody(err *apiError, requestID string) []byte {
	kind := "Sender"
	if err.Status >= 500 {
		kind = "Receiver"
	}
	return []byte(xml.Header + "<ErrorResponse xmlns=\"" + stsNamespace + "\"><Error><Type>" + kind + "</Type><Code>" +
		xmlEscape(err.Code) + "</Code><Message>" + xmlEscape(err.Message) + "</Message></Error><RequestId>" +
		requestID + "</RequestId></ErrorResponse>")
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}
