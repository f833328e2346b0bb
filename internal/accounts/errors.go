package accounts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
)

// SetupError turns the SDK's text for a broken AWS setup (no credentials,
// an unknown profile, an expired SSO session, an endpoint that does not
// answer) into one line saying what is wrong and how to fix it. Other
// errors come back unchanged. endpointURL is the --endpoint-url in effect.
func SetupError(err error, endpointURL string) error {
	if err == nil {
		return nil
	}
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		return &SetupProblem{Err: err, Text: fmt.Sprintf("AWS profile %q not found in %s: add it there (aws configure --profile %s) or fix the name",
			missing.Profile, strings.Join(missing.Filename, ", "), missing.Profile)}
	}
	text := err.Error()
	switch {
	case strings.Contains(text, "ec2imds") || strings.Contains(text, "no EC2 IMDS role found") ||
		strings.Contains(text, "failed to retrieve credentials") && strings.Contains(text, "no valid credential"):
		return &SetupProblem{Err: err, Text: "no AWS credentials found: set AWS_PROFILE (or --profile), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws configure / aws sso login"}
	case strings.Contains(text, "SSO") && (strings.Contains(text, "expired") || strings.Contains(text, "InvalidGrant") || strings.Contains(text, "UnauthorizedException")):
		return &SetupProblem{Err: err, Text: "the AWS SSO session has expired: run aws sso login (with --profile NAME for a named profile)"}
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	where := endpointSource(endpointURL)
	var oe *net.OpError
	switch {
	case strings.Contains(ue.Err.Error(), "unsupported protocol scheme"):
		return &SetupProblem{Err: err, Text: fmt.Sprintf("the endpoint %s%s has no http:// or https:// scheme: write it as a full URL", ue.URL, where)}
	case ue.Timeout():
		return &SetupProblem{Err: err, Text: fmt.Sprintf("no answer from %s%s in time: check the address and the network", host(ue.URL), where)}
	case errors.As(err, &oe) && oe.Op == "dial":
		scheme := "https"
		if u, perr := url.Parse(ue.URL); perr == nil {
			scheme = u.Scheme
		}
		return &SetupProblem{Err: err, Text: fmt.Sprintf("cannot connect to %s://%s%s: %v; check that the server runs there and that the scheme (http:// or https://) is right",
			scheme, host(ue.URL), where, oe.Err)}
	}
	return err
}

// explainingClient returns transport errors explained by SetupError, so
// that every service client's failures name the endpoint override in
// effect. The retryer still sees the underlying network error.
type explainingClient struct {
	next        aws.HTTPClient
	endpointURL string
}

func (c explainingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil {
		err = SetupError(err, c.endpointURL)
	}
	return resp, err
}

// checkEndpointVariables refuses an AWS_ENDPOINT_URL* variable the SDK
// would fail on with "Failed to parse uri".
func checkEndpointVariables() error {
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ORGANIZATIONS", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"} {
		value := os.Getenv(v)
		if value == "" {
			continue
		}
		if u, err := url.Parse(value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &SetupProblem{Text: fmt.Sprintf("%s=%s is not a URL: write it with its scheme, like http://%s or https://%s", v, value, strings.TrimPrefix(value, "//"), strings.TrimPrefix(value, "//"))}
		}
	}
	return nil
}

// SetupProblem is a broken AWS setup, explained on one line.
type SetupProblem struct {
	Text string
	Err  error
}

func (e *SetupProblem) Error() string { return e.Text }
func (e *SetupProblem) Unwrap() error { return e.Err }

// endpointSource names the endpoint override in effect, if any.
func endpointSource(flag string) string {
	if flag != "" {
		return " (set by --endpoint-url)"
	}
	var set []string
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ORGANIZATIONS"} {
		if os.Getenv(v) != "" {
			set = append(set, v)
		}
	}
	if len(set) == 0 {
		return ""
	}
	return " (set by " + strings.Join(set, ", ") + ")"
}

func host(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// orgListError explains why ListAccounts failed.
func orgListError(caller string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDeniedException":
			return fmt.Errorf("--org-role: account %s cannot list the organization's accounts: only the management account or a delegated administrator may call Organizations ListAccounts (%s: %s)",
				caller, ae.ErrorCode(), ae.ErrorMessage())
		case "AWSOrganizationsNotInUseException":
			return fmt.Errorf("--org-role: account %s is not in an organization (%s)", caller, ae.ErrorMessage())
		}
	}
	return fmt.Errorf("listing the organization's accounts: %w", SetupError(err, ""))
}

// CheckProfiles reports the first named profile ("" names none) that the
// shared config and credentials files do not define, naming the files
// read (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE as the SDK reads
// them), before any query runs.
func CheckProfiles(names []string) error {
	configFiles := []string{config.DefaultSharedConfigFilename()}
	credentialsFiles := []string{config.DefaultSharedCredentialsFilename()}
	if f := os.Getenv("AWS_CONFIG_FILE"); f != "" {
		configFiles = []string{f}
	}
	if f := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		credentialsFiles = []string{f}
	}
	for _, name := range names {
		if name == "" {
			continue
		}
		_, err := config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
			o.ConfigFiles, o.CredentialsFiles = configFiles, credentialsFiles
		})
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			return fmt.Errorf("AWS profile %q not found in %s or %s: add it (aws configure --profile %s) or fix the name",
				name, strings.Join(configFiles, ", "), strings.Join(credentialsFiles, ", "), name)
		}
	}
	return nil
}
