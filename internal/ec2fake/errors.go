package ec2fake

import (
	"fmt"
	"net/http"
)

// apiError is an EC2 error answer: a code, its HTTP status and a message.
type apiError struct {
	Code    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// statusForCode maps the error codes the fake can emit (or be told to emit by
// SetRegionFault) to the HTTP status EC2 answers them with. Codes not listed
// are client errors (400), which is what EC2 does for its long tail of
// Invalid*/Missing* codes.
var statusForCode = map[string]int{
	"AuthFailure":           http.StatusUnauthorized,
	"OptInRequired":         http.StatusUnauthorized,
	"UnauthorizedOperation": http.StatusForbidden,
	"Blocked":               http.StatusForbidden,
	"DryRunOperation":       http.StatusPreconditionFailed,
	"RequestLimitExceeded":  http.StatusServiceUnavailable,
	"Unavailable":           http.StatusServiceUnavailable,
	"ServiceUnavailable":    http.StatusServiceUnavailable,
	"InternalError":         http.StatusInternalServerError,
	"InternalFailure":       http.StatusInternalServerError,
}

// defaultMessages are used when an error is injected by code only.
var defaultMessages = map[string]string{
	"AuthFailure":           "AWS was not able to validate the provided access credentials",
	"OptInRequired":         "You are not subscribed to this service. Please go to http://aws.amazon.com to subscribe.",
	"UnauthorizedOperation": "You are not authorized to perform this operation.",
	"DryRunOperation":       "Request would have succeeded, but DryRun flag is set.",
	"RequestLimitExceeded":  "Request limit exceeded.",
	"Unavailable":           "The service is unavailable. Please try again shortly.",
	"InternalError":         "An internal error has occurred",
}

// StatusForCode returns the HTTP status the fake answers the given EC2 error
// code with.
func StatusForCode(code string) int {
	if s, ok := statusForCode[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

func newError(code, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	if msg == "" {
		msg = defaultMessages[code]
		if msg == "" {
			msg = code
		}
	}
	return &apiError{Code: code, Status: StatusForCode(code), Message: msg}
}

func errAuthFailure() *apiError { return newError("AuthFailure", "") }

func errDryRun() *apiError { return newError("DryRunOperation", "") }

func errThrottled() *apiError { return newError("RequestLimitExceeded", "") }

func errEndpointNotFound(id string) *apiError {
	return newError("InvalidClientVpnEndpointId.NotFound", "The ClientVpnEndpointId '%s' does not exist", id)
}

func errMissing(param string) *apiError {
	return newError("MissingParameter", "The request must contain the parameter %s", param)
}

func errInvalidValue(format string, args ...any) *apiError {
	return newError("InvalidParameterValue", format, args...)
}
