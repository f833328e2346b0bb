package clientvpn

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// AWSConfig returns the configuration of accountID ("" for the default
// account) in region, for the other AWS services vpnsql reads (CloudWatch
// Logs): the scope's credentials for that account, checked, without the
// EC2 limits. Config.EndpointURL, when set, becomes its BaseEndpoint, so
// --endpoint-url and --demo cover every service; the SDK still lets a
// service-specific variable such as AWS_ENDPOINT_URL_CLOUDWATCH_LOGS take
// precedence for its service, and reads AWS_ENDPOINT_URL itself when
// nothing else is set.
func (s *Service) AWSConfig(ctx context.Context, accountID, region string) (aws.Config, error) {
	cfg, err := s.Scope().Config(ctx, accountID, region)
	if err != nil {
		return aws.Config{}, err
	}
	cfg = cfg.Copy()
	cfg.Region = region
	if s.cfg.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(s.cfg.EndpointURL)
	}
	return cfg, nil
}

// Warn records a failure another AWS service's scan survived (a log group
// that could not be read) with the warnings of this Service, so that
// vpnsql_warnings and the CLI show it with the others. where names what is
// missing ("log group /aws/clientvpn/x"); operation is the failed call.
func (s *Service) Warn(accountID, region, operation, where string, err error) {
	w := newWarning(accountID, region, "", err)
	w.Operation = operation
	var ae smithy.APIError
	if errors.As(err, &ae) {
		w.Code, w.Message = ae.ErrorCode(), ae.ErrorMessage()
	}
	w.Message = where + ": " + w.Message
	s.warnings.add(w)
}

// AddTasks, TaskDone and AddRows let another service's scans count in the
// progress display (a log group is one task, like an endpoint).
func (p *Progress) AddTasks(n int) { p.addEndpoints(n) }

// TaskDone counts one task finished.
func (p *Progress) TaskDone() { p.addDone(1) }

// AddRows counts rows fetched.
func (p *Progress) AddRows(n int) { p.addRows(n) }
