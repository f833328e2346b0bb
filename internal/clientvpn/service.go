// Package clientvpn is vpnsql's access to the AWS Client VPN API through
// aws-sdk-go-v2. It knows nothing of SQLite: it resolves configuration and
// regions, keeps one EC2 client per region, pages through the API and fans
// requests out concurrently.
package clientvpn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/vpnsql/vpnsql/internal/accounts"
)

// Config says how to reach AWS and how queries behave. The zero value
// means: the standard AWS configuration chain (environment, shared config
// and credentials files, SSO, web identity, IMDS) and the defaults below.
type Config struct {
	Settings
	// Profile selects a shared-config profile (like AWS_PROFILE).
	Profile string
	// EndpointURL sends every EC2 request there instead of the AWS
	// endpoint; AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL do the same.
	EndpointURL string
	// Credentials, when set, replace the configuration chain's (the demo
	// uses dummy keys).
	Credentials aws.CredentialsProvider
	// MaxAttempts per request, retries included, for failures other than
	// throttling (default 5). Throttling (RequestLimitExceeded) is retried
	// with backoff until Settings.StallTimeout passes without progress.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts (default 20s).
	MaxBackoff time.Duration
	// RequestTimeout bounds each HTTP attempt (default 60s).
	RequestTimeout time.Duration
	// Limiter, when set, is shared with other Services (the limits are per
	// account+region and process-wide); default: one of this Service's own.
	Limiter *accounts.Limiter
	// AccountID keys this Service's share of the Limiter ("": the
	// configuration's own account), so that Services of different
	// accounts sharing a Limiter are limited per account+region.
	AccountID string
}

// Settings can change while the process runs (the vpnsql_config SQL
// function); each scan reads them when it starts.
type Settings struct {
	// Regions a query covers when it binds none. Empty: the AWS
	// configuration's region. "*": every region enabled for the account.
	Regions []string
	// Concurrency bounds the requests in flight in the whole process
	// (default 64). A scan also runs at most this many tasks.
	Concurrency int
	// RegionConcurrency bounds the requests in flight to one account in one
	// region (default 8; EC2's request-rate limits are per account and
	// region, so more mostly buys throttling). A scan runs at most this
	// many tasks per region in scope.
	RegionConcurrency int
	// StallTimeout: a request throttled for this long, while its account
	// and region answered nothing but throttles, fails (default 5m).
	StallTimeout time.Duration
	// CacheTTL keeps identical fetches this long (default 30s; 0: off).
	CacheTTL time.Duration
	// Strict makes a failing region or endpoint fail the query instead of
	// being reported as a warning.
	Strict bool
}

// Defaults of Config and Settings; the CLI shows them in --help.
const (
	DefaultMaxAttempts       = accounts.DefaultMaxAttempts
	DefaultConcurrency       = accounts.DefaultConcurrency
	DefaultRegionConcurrency = accounts.DefaultRegionConcurrency
	DefaultStallTimeout      = accounts.DefaultStallTimeout
	DefaultCacheTTL          = 30 * time.Second
	defaultRequestTimeout    = 60 * time.Second
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

	mu       sync.Mutex
	clients  map[string]*ec2.Client
	settings Settings
	limiter  *accounts.Limiter

	cache    cache
	warnings warnings
	progress Progress
}

// New returns a Service for cfg. A negative CacheTTL turns the cache off;
// zero means the default.
func New(cfg Config) *Service {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	switch {
	case cfg.CacheTTL == 0:
		cfg.CacheTTL = DefaultCacheTTL
	case cfg.CacheTTL < 0:
		cfg.CacheTTL = 0
	}
	s := &Service{cfg: cfg, clients: map[string]*ec2.Client{}, limiter: cfg.Limiter}
	if s.limiter == nil {
		s.limiter = accounts.NewLimiter(accounts.Limits{})
	}
	s.UpdateSettings(func(set *Settings) { *set = cfg.Settings })
	return s
}

// Settings returns the current settings.
func (s *Service) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}

// UpdateSettings changes settings for scans that start afterwards.
func (s *Service) UpdateSettings(change func(*Settings)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.settings)
	if s.settings.Concurrency <= 0 {
		s.settings.Concurrency = DefaultConcurrency
	}
	if s.settings.RegionConcurrency <= 0 {
		s.settings.RegionConcurrency = DefaultRegionConcurrency
	}
	if s.settings.StallTimeout <= 0 {
		s.settings.StallTimeout = DefaultStallTimeout
	}
	if s.settings.CacheTTL < 0 {
		s.settings.CacheTTL = 0
	}
	s.limiter.SetLimits(accounts.Limits{
		RegionConcurrency: s.settings.RegionConcurrency,
		Concurrency:       s.settings.Concurrency,
		StallTimeout:      s.settings.StallTimeout,
		MaxAttempts:       s.cfg.MaxAttempts,
		MaxBackoff:        s.cfg.MaxBackoff,
	})
}

// Progress counts endpoints and rows of every scan of this Service.
func (s *Service) Progress() *Progress { return &s.progress }

func (s *Service) load(ctx context.Context) (aws.Config, error) {
	s.loadOnce.Do(func() {
		var opts []func(*config.LoadOptions) error
		if s.cfg.Profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(s.cfg.Profile))
		}
		if s.cfg.Credentials != nil {
			opts = append(opts, config.WithCredentialsProvider(s.cfg.Credentials))
		}
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

// Regions resolves the regions a query covers: the bound ones if any,
// else the configured ones ("*" expanded with DescribeRegions), else the
// AWS configuration's region.
func (s *Service) Regions(ctx context.Context, bound []string) ([]string, error) {
	if len(bound) > 0 {
		return bound, nil
	}
	if configured := s.Settings().Regions; len(configured) > 0 {
		if slices.Contains(configured, "*") {
			return s.EnabledRegions(ctx)
		}
		return configured, nil
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

// ScanConnections runs ScanConnections over this Service with its settings,
// regions resolved, and warnings recorded.
func (s *Service) ScanConnections(ctx context.Context, scan ConnectionScan) (*Stream[types.ClientVpnConnection], error) {
	regions, err := s.Regions(ctx, scan.Regions)
	if err != nil {
		return nil, err
	}
	scan.Regions = regions
	return ScanConnections(ctx, s, scan, s.scanOptions(len(regions))), nil
}

// ScanEndpoints runs ScanEndpoints over this Service likewise.
func (s *Service) ScanEndpoints(ctx context.Context, scan EndpointScan) (*Stream[types.ClientVpnEndpoint], error) {
	regions, err := s.Regions(ctx, scan.Regions)
	if err != nil {
		return nil, err
	}
	scan.Regions = regions
	return ScanEndpoints(ctx, s, scan, s.scanOptions(len(regions))), nil
}

// scanOptions bounds a scan of regions to RegionConcurrency tasks per
// region and Concurrency in all: more would only wait for the limiter's
// slots, each holding a page in memory.
func (s *Service) scanOptions(regions int) ScanOptions {
	set := s.Settings()
	tasks := min(set.Concurrency, set.RegionConcurrency*max(1, regions))
	return ScanOptions{Concurrency: tasks, Strict: set.Strict, Warn: s.warnings.add, Progress: &s.progress}
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
	// Retries, throttling and concurrency per account+region.
	cfg = cfg.Copy()
	s.limiter.Apply(&cfg, s.cfg.AccountID, region)
	c := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.Region = region
		o.HTTPClient = ReadOnlyBody(o.HTTPClient)
		UseFastDecoders(o)
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
	Message   string // one line of at most maxMessage bytes
	Status    int    // HTTP status, 0 when no response arrived
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
	// A server's message can be a megabyte or span lines; users get one
	// line, and the warnings table a bounded one.
	e.Message = shorten(e.Message)
	return e
}
