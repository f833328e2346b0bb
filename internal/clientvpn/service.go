// Package clientvpn is vpnsql's access to the AWS Client VPN API through
// aws-sdk-go-v2. It knows nothing of SQLite: it resolves regions, keeps one
// EC2 client per (account, region) of the accounts package's scope, pages
// through the API and fans requests out over accounts, regions and
// endpoints.
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
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/vpnsql/vpnsql/internal/accounts"
)

// Config says how to reach AWS and how queries behave. The zero value
// means: the standard AWS configuration chain (environment, shared config
// and credentials files, SSO, web identity, IMDS) and the defaults below.
type Config struct {
	Settings
	// Profile selects a shared-config profile (like AWS_PROFILE).
	Profile string
	// EndpointURL sends every request (EC2, STS, Organizations) there
	// instead of AWS; AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> do
	// the same per service.
	EndpointURL string
	// Credentials, when set, replace the configuration chain's (the demo
	// uses dummy keys).
	Credentials aws.CredentialsProvider
	// Isolated ignores every AWS setting of the environment and the shared
	// files (the demo).
	Isolated bool
	// MaxAttempts per request, retries included, for failures other than
	// throttling (default 5; a request that timed out is tried twice).
	// Throttling (RequestLimitExceeded) is retried with backoff until
	// Settings.StallTimeout passes without progress.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts (default 20s).
	MaxBackoff time.Duration
	// RequestTimeout bounds each HTTP attempt (default 20s; connecting
	// alone is bounded at 5s).
	RequestTimeout time.Duration
	// Limiter, when set, is shared with other Services (the limits are per
	// account+region and process-wide); default: one of this Service's own.
	Limiter *accounts.Limiter
	// AccountID keys the default account's share of the Limiter ("": the
	// configuration's own account), so that Services of different default
	// accounts sharing a Limiter are limited per account+region (the bench
	// does). The accounts of a scope of profiles or an organization are
	// keyed by their own ids.
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
	// Strict makes a failing account, region or endpoint fail the query
	// instead of being reported as a warning.
	Strict bool
	// Profiles puts several named profiles (one account each) in scope.
	Profiles []string
	// OrgRole puts every ACTIVE account of the organization in scope, read
	// through this role (see package accounts). It wins over Profiles.
	OrgRole string
}

// Defaults of Config and Settings; the CLI shows them in --help.
const (
	DefaultMaxAttempts       = accounts.DefaultMaxAttempts
	DefaultConcurrency       = accounts.DefaultConcurrency
	DefaultRegionConcurrency = accounts.DefaultRegionConcurrency
	DefaultStallTimeout      = accounts.DefaultStallTimeout
	DefaultCacheTTL          = 30 * time.Second
	defaultRequestTimeout    = 20 * time.Second
	// pageSize is the largest MaxResults the API accepts.
	pageSize = 1000
)

// Service answers Client VPN questions for one AWS configuration. It loads
// that configuration on first use, so creating one never fails or blocks.
type Service struct {
	cfg   Config
	scope *accounts.Scope

	mu       sync.Mutex
	clients  map[string]*ec2.Client
	owners   map[string]string // region/endpoint -> owning account, in a scope of several
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
	s := &Service{cfg: cfg, clients: map[string]*ec2.Client{}, owners: map[string]string{}, limiter: cfg.Limiter}
	if s.limiter == nil {
		s.limiter = accounts.NewLimiter(accounts.Limits{})
	}
	s.scope = s.newScope(cfg.Settings)
	s.UpdateSettings(func(set *Settings) { *set = cfg.Settings })
	return s
}

func (s *Service) newScope(set Settings) *accounts.Scope {
	return accounts.New(accounts.Options{
		Profile:        s.cfg.Profile,
		Profiles:       set.Profiles,
		OrgRole:        set.OrgRole,
		EndpointURL:    s.cfg.EndpointURL,
		Credentials:    s.cfg.Credentials,
		Isolated:       s.cfg.Isolated,
		MaxAttempts:    s.cfg.MaxAttempts,
		MaxBackoff:     s.cfg.MaxBackoff,
		RequestTimeout: s.cfg.RequestTimeout,
		WrapHTTPClient: ReadOnlyBody,
	})
}

// Scope returns the accounts the scans starting now cover.
func (s *Service) Scope() *accounts.Scope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scope
}

// Accounts lists the accounts in scope with their ids and status, for the
// vpnsql_accounts table.
func (s *Service) Accounts(ctx context.Context) ([]accounts.Account, error) {
	return s.Scope().Accounts(ctx, true)
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
	before := s.settings
	change(&s.settings)
	if before.OrgRole != s.settings.OrgRole || !slices.Equal(before.Profiles, s.settings.Profiles) {
		// Another set of accounts: new credentials, clients and cache.
		s.scope = s.newScope(s.settings)
		s.clients = map[string]*ec2.Client{}
		s.owners = map[string]string{}
		s.ClearCache()
	}
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

// Regions resolves the regions a query covers in the given accounts: the
// bound ones if any, else the configured ones ("*": every region enabled in
// any of the accounts, from DescribeRegions), else the AWS configuration's
// region.
func (s *Service) Regions(ctx context.Context, accountIDs, bound []string) ([]string, error) {
	if len(bound) > 0 {
		return bound, nil
	}
	if configured := s.Settings().Regions; len(configured) > 0 {
		if slices.Contains(configured, "*") {
			return s.enabledRegions(ctx, accountIDs)
		}
		return configured, nil
	}
	home, err := s.Scope().HomeRegion(ctx)
	if err != nil {
		return nil, err
	}
	if home == "" {
		return nil, errors.New("no AWS region configured: set AWS_REGION (or --region in the CLI, VPNSQL_REGION for the extension), or add region = 'us-east-1' to the query")
	}
	return []string{home}, nil
}

// ScanConnections runs ScanConnections over this Service with its settings,
// accounts and regions resolved, and warnings recorded.
func (s *Service) ScanConnections(ctx context.Context, scan ConnectionScan) (*Stream[types.ClientVpnConnection], error) {
	opts, err := s.resolve(ctx, &scan.Accounts, &scan.Regions, scan.WithAccountIDs)
	if err != nil {
		return nil, err
	}
	opts.Concurrency = s.scanTasks(len(scan.Accounts) * len(scan.Regions))
	return ScanConnections(ctx, s, scan, opts), nil
}

// ScanEndpoints runs ScanEndpoints over this Service likewise.
func (s *Service) ScanEndpoints(ctx context.Context, scan EndpointScan) (*Stream[types.ClientVpnEndpoint], error) {
	opts, err := s.resolve(ctx, &scan.Accounts, &scan.Regions, scan.WithAccountIDs)
	if err != nil {
		return nil, err
	}
	opts.Concurrency = s.scanTasks(len(scan.Accounts) * len(scan.Regions))
	return ScanEndpoints(ctx, s, scan, opts), nil
}

// scanTasks bounds a scan of that many (account, region) pairs to
// RegionConcurrency tasks per pair and Concurrency in all: more would only
// wait for the limiter's slots, each holding a page in memory.
func (s *Service) scanTasks(pairs int) int {
	set := s.Settings()
	return min(set.Concurrency, set.RegionConcurrency*max(1, pairs))
}

// resolve replaces the bound accounts and regions of a scan (empty: all in
// scope, the configured ones) with the ones to read, and returns the
// scan's options, with the accounts already known to fail.
func (s *Service) resolve(ctx context.Context, accountIDs, regions *[]string, withIDs bool) (ScanOptions, error) {
	ids, failed, err := s.Scope().Readable(ctx, *accountIDs, withIDs)
	if err != nil {
		return ScanOptions{}, err
	}
	if len(ids) == 0 && len(failed) == 0 && len(*accountIDs) > 0 {
		// Only skipped accounts were asked for: nothing to read, no rows.
		*accountIDs = nil
		set := s.Settings()
		return ScanOptions{Concurrency: set.Concurrency, Warn: s.warnings.add, Progress: &s.progress}, nil
	}
	if len(ids) == 0 { // only in a scope of profiles or an organization
		errs := make([]error, 0, len(failed))
		for _, f := range failed {
			errs = append(errs, &accounts.Error{Account: f.Account, Err: f.Err})
		}
		if len(errs) == 0 {
			return ScanOptions{}, errors.New("no account in scope can be read (see the vpnsql_accounts table)")
		}
		return ScanOptions{}, joinFailures(errs)
	}
	if *regions, err = s.Regions(ctx, ids, *regions); err != nil {
		return ScanOptions{}, err
	}
	*accountIDs = ids
	if !s.Scope().Multi() && len(*regions) > 0 {
		// One account: credentials that cannot be had (none configured,
		// an expired SSO session) are the query's one error, not a
		// warning per region.
		if _, err := s.Scope().Config(ctx, ids[0], (*regions)[0]); err != nil {
			return ScanOptions{}, err
		}
	}
	set := s.Settings()
	opts := ScanOptions{Concurrency: set.Concurrency, Strict: set.Strict, Warn: s.warnings.add, Progress: &s.progress}
	for _, f := range failed {
		opts.Unreadable = append(opts.Unreadable, &accounts.Error{Account: f.Account, Err: f.Err})
	}
	return opts, nil
}

// client returns the EC2 client of accountID ("" for the default account)
// in region, creating it on first use.
func (s *Service) client(ctx context.Context, accountID, region string) (*ec2.Client, error) {
	scope := s.Scope()
	cfg, err := scope.Config(ctx, accountID, region)
	if err != nil {
		return nil, err
	}
	key := accountID + "/" + region
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok && scope == s.scope {
		return c, nil
	}
	// Retries, throttling and concurrency per account+region.
	cfg = cfg.Copy()
	limitKey := accountID
	if limitKey == "" {
		limitKey = s.cfg.AccountID
	}
	s.limiter.Apply(&cfg, limitKey, region)
	c := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		UseFastDecoders(o)
		if e := scope.BaseEndpoint(); e != nil {
			o.BaseEndpoint = e
		}
	})
	if scope == s.scope {
		s.clients[key] = c
	}
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
	var setup *accounts.SetupProblem
	if errors.As(err, &setup) {
		e.Message = setup.Text
		return e
	}
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
