// Package clientvpn is vpnsql's access to the AWS Client VPN API through
// aws-sdk-go-v2. It knows nothing of SQLite: it resolves configuration and
// regions, keeps one EC2 client per region, pages through the API and fans
// requests out concurrently.
package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// Config says how to reach AWS. The zero value means: the standard AWS
// configuration chain (environment, shared config and credentials files,
// SSO, web identity, IMDS) and the defaults below.
type Config struct {
	// Regions are the regions in scope when a query names none. Empty: the
	// region of the AWS configuration.
	Regions []string
	// Profile selects a shared-config profile (like AWS_PROFILE).
	Profile string
	// EndpointURL sends every EC2 request there instead of the AWS
	// endpoint; AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL do the same.
	EndpointURL string
	// Credentials, when set, replace the configuration chain's (the demo
	// uses dummy keys).
	Credentials aws.CredentialsProvider
	// MaxAttempts per request, retries included (default 5). Throttling
	// (RequestLimitExceeded) is retried with exponential backoff.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts (default 20s).
	MaxBackoff time.Duration
	// RequestTimeout bounds each HTTP attempt (default 60s).
	RequestTimeout time.Duration
	// Concurrency bounds requests in flight for one query (default 8).
	Concurrency int
}

const (
	defaultMaxAttempts    = 5
	defaultRequestTimeout = 60 * time.Second
	defaultConcurrency    = 8
	// pageSize is the largest MaxResults the API accepts.
	pageSize = 1000
)

// Service answers Client VPN questions for one AWS configuration. It loads
// that configuration on first use, so creating one never fails or blocks.
type Service struct {
	cfg Config

	loadOnce sync.Once
	aws      aws.Config
	loadErr  error

	mu      sync.Mutex
	clients map[string]*ec2.Client
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = defaultMaxAttempts
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency
	}
	return &Service{cfg: cfg, clients: map[string]*ec2.Client{}}
}

// Concurrency is the bound on requests in flight for one query.
func (s *Service) Concurrency() int { return s.cfg.Concurrency }

func (s *Service) load(ctx context.Context) (aws.Config, error) {
	s.loadOnce.Do(func() {
		var opts []func(*config.LoadOptions) error
		if s.cfg.Profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(s.cfg.Profile))
		}
		if s.cfg.Credentials != nil {
			opts = append(opts, config.WithCredentialsProvider(s.cfg.Credentials))
		}
		opts = append(opts, config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = s.cfg.MaxAttempts
				if s.cfg.MaxBackoff > 0 {
					o.MaxBackoff = s.cfg.MaxBackoff
				}
			})
		}))
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(s.cfg.RequestTimeout)))
		// The SDK logs to stderr by default; errors reach the user through SQL.
		opts = append(opts, config.WithLogger(logging.Nop{}))
		s.aws, s.loadErr = config.LoadDefaultConfig(ctx, opts...)
		if s.loadErr != nil {
			s.loadErr = fmt.Errorf("loading AWS configuration: %w", s.loadErr)
		}
	})
	return s.aws, s.loadErr
}

// DefaultRegions are the regions a query covers when it names none.
func (s *Service) DefaultRegions(ctx context.Context) ([]string, error) {
	if len(s.cfg.Regions) > 0 {
		return s.cfg.Regions, nil
	}
	cfg, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region configured: set AWS_REGION (or --region in the CLI, VPNSQL_REGION for the extension), or add region = 'us-east-1' to the query")
	}
	return []string{cfg.Region}, nil
}

// client returns the EC2 client of region, creating it on first use.
func (s *Service) client(ctx context.Context, region string) (*ec2.Client, error) {
	cfg, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[region]; ok {
		return c, nil
	}
	c := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.Region = region
		o.HTTPClient = bufferedBodyClient{next: o.HTTPClient}
		if s.cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(s.cfg.EndpointURL)
		}
	})
	s.clients[region] = c
	return c, nil
}

// DummyCredentials are static keys for talking to a local fake endpoint.
func DummyCredentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKIDVPNSQLDEMO", "vpnsql-demo-secret", "")
}

// APIError is a failed AWS call, reduced to what a user needs on one line.
type APIError struct {
	Region    string
	Operation string
	Code      string // the AWS error code, e.g. InvalidClientVpnEndpointId.NotFound
	Message   string
	Status    int // HTTP status, 0 when no response arrived
	Err       error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s: ", e.Operation, e.Region)
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	default:
		b.WriteString(e.Message)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// apiError turns an SDK error into an *APIError (context errors pass through).
func apiError(region, op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &APIError{Region: region, Operation: op, Err: err, Message: err.Error()}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	if e.Code == "" {
		// A transport error: the SDK's text names the operation already;
		// keep its last, most specific part.
		var oe *smithy.OperationError
		if errors.As(err, &oe) {
			e.Message = oe.Err.Error()
		}
	}
	return e
}
