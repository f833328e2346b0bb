package ec2fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Organizations ListAccounts (JSON 1.1 protocol, X-Amz-Target
// AWSOrganizationsV20161128.ListAccounts): the management account lists
// the dataset's accounts, at most 20 per page, with Status and State.

const (
	organizationsTarget = "AWSOrganizationsV20161128."
	maxAccountsPerPage  = 20
)

type listAccountsInput struct {
	MaxResults *int
	NextToken  *string
}

type orgAccount struct {
	Id              string
	Arn             string
	Email           string
	Name            string
	Status          string `json:",omitempty"`
	State           string `json:",omitempty"`
	JoinedMethod    string
	JoinedTimestamp float64
}

type listAccountsOutput struct {
	Accounts  []orgAccount
	NextToken *string `json:",omitempty"`
}

func (s *Server) serveOrganizations(w http.ResponseWriter, r *http.Request, entry Request, finished func()) {
	raw, readErr := io.ReadAll(r.Body)
	entry.Action = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), organizationsTarget)
	requestID := s.newRequestID()
	var body []byte
	var err *apiError
	switch {
	case readErr != nil:
		err = orgError("InvalidInputException", "%v", readErr)
	case entry.Account == "":
		err = &apiError{Code: "UnrecognizedClientException", Status: http.StatusBadRequest,
			Message: "The security token included in the request is invalid."}
	case entry.Action == "ListAccounts":
		body, err = s.listAccounts(entry.Account, raw)
	default:
		err = orgError("UnknownOperationException", "")
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", requestID)
	entry.Status = http.StatusOK
	if err != nil {
		entry.Status, entry.ErrorCode = err.Status, err.Code
		w.Header().Set("X-Amzn-Errortype", err.Code)
		body, _ = json.Marshal(map[string]string{"__type": err.Code, "Message": err.Message})
	}
	s.reply(w, entry, body, finished)
}

func orgError(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// listAccounts answers one page. NextToken is the index of the page's
// first account, which is all the fake needs to be opaque enough.
func (s *Server) listAccounts(caller string, raw []byte) ([]byte, *apiError) {
	var in listAccountsInput
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, orgError("InvalidInputException", "The request body is not valid JSON: %v", err)
		}
	}
	org := s.ds.Organization
	switch {
	case org == nil:
		return nil, orgError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	case caller != org.ManagementAccount:
		return nil, orgError("AccessDeniedException", "You don't have permissions to access this resource.")
	}
	size := maxAccountsPerPage
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxAccountsPerPage {
			return nil, orgError("InvalidInputException", "You provided a value that does not match the required pattern: MaxResults must be between 1 and 20.")
		}
		size = *in.MaxResults
	}
	start := 0
	if in.NextToken != nil {
		n, err := strconv.Atoi(strings.TrimPrefix(*in.NextToken, "accounts-"))
		if err != nil || n <= 0 || n >= len(s.ds.Accounts) {
			return nil, orgError("InvalidInputException", "You specified an invalid value for nextToken.")
		}
		start = n
	}
	end := min(start+size, len(s.ds.Accounts))
	out := listAccountsOutput{Accounts: []orgAccount{}}
	for _, a := range s.ds.Accounts[start:end] {
		method := "INVITED"
		if a.ID == org.ManagementAccount {
			method = "CREATED"
		}
		out.Accounts = append(out.Accounts, orgAccount{
			Id: a.ID, Arn: "arn:aws:organizations::" + org.ManagementAccount + ":account/o-vpnsqlfake/" + a.ID,
			Email: a.Email, Name: a.Name, Status: a.Status, State: a.State,
			JoinedMethod: method, JoinedTimestamp: 1.7e9,
		})
	}
	if end < len(s.ds.Accounts) {
		next := "accounts-" + strconv.Itoa(end)
		out.NextToken = &next
	}
	body, _ := json.Marshal(out) // plain structs always marshal
	return body, nil
}
