// Package accounts decides which AWS accounts a query covers and hands
// every other AWS package an aws.Config for an (account, region). It is the
// only package that talks to STS and Organizations.
//
// The scope is one of:
//   - the default: the standard configuration chain, one account. Its id
//     is asked of STS GetCallerIdentity (which needs no permission) only
//     when something needs it: an accountId value, a pushed-down accountId,
//     the vpnsql_accounts table. A plain query sends no STS request.
//   - named profiles: one account each, its id from GetCallerIdentity, once
//     per profile per process. Profiles resolving to the same account are
//     read once.
//   - an organization: Organizations ListAccounts (every page) with the
//     base credentials, then AssumeRole into arn:aws:iam::ID:role/ROLE of
//     each ACTIVE member, lazily, only for the accounts a query reads, with
//     stscreds and a credentials cache that refreshes before expiry. The
//     caller's own account is read with the base credentials.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/vpnsql/vpnsql/internal/awsid"
)

// Source says how an account came into scope.
type Source string

const (
	SourceDefault      Source = "default"
	SourceProfile      Source = "profile"
	SourceOrganization Source = "organization"
)

// Status is an account's state in scope: ok (readable, or not tried yet),
// error (its credentials failed), skipped (not read: not ACTIVE, or the
// same account as another profile).
type Status string

const (
	StatusOK      Status = "ok"
	StatusError   Status = "error"
	StatusSkipped Status = "skipped"
)

// Account is one account in scope, as the vpnsql_accounts table shows it.
type Account struct {
	ID      string // "" for the default account before its id was needed, or a profile that failed
	Name    string
	Source  Source
	Profile string
	RoleArn string
	Status  Status
	Message string
}

// Options say which accounts are in scope and how to reach AWS.
type Options struct {
	// Profile is the default chain's profile (like AWS_PROFILE), also the
	// base credentials of an organization scope.
	Profile string
	// Profiles puts these named profiles in scope, one account each.
	Profiles []string
	// OrgRole puts the organization's ACTIVE accounts in scope, read
	// through this role in each.
	OrgRole string
	// EndpointURL sends every service's requests there (EC2, STS,
	// Organizations, CloudWatch Logs).
	EndpointURL string
	// Credentials replace the configuration chain's when set.
	Credentials aws.CredentialsProvider
	// Isolated ignores the environment and the shared files entirely (the
	// demo): only Credentials, EndpointURL and the fields below count.
	Isolated bool
	// MaxAttempts per request, retries included; MaxBackoff caps the wait
	// between attempts; RequestTimeout bounds each attempt.
	MaxAttempts    int
	MaxBackoff     time.Duration
	RequestTimeout time.Duration
	// WrapHTTPClient, if set, wraps the HTTP client of every service client.
	WrapHTTPClient func(aws.HTTPClient) aws.HTTPClient
}

// connectTimeout bounds opening a TCP connection: a closed or filtered port
// fails fast instead of using up the attempt's whole RequestTimeout.
const connectTimeout = 5 * time.Second

// fallbackRegion signs STS and Organizations calls when no region is
// configured: Organizations lives there, and STS answers in every region.
const fallbackRegion = "us-east-1"

// orgPageSize is the most accounts ListAccounts returns per page.
const orgPageSize = 20

// roleName is what IAM accepts as a role name.
var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// CheckRoleName refuses a role name IAM would refuse.
func CheckRoleName(name string) error {
	if !roleName.MatchString(name) {
		return fmt.Errorf("%s is not an IAM role name (1 to 64 letters, digits and +=,.@_-)", awsid.Quote(name))
	}
	return nil
}

// Scope is the accounts a query covers. It loads configuration on first
// use, so creating one never fails or blocks.
type Scope struct {
	opts Options

	baseOnce sync.Once
	base     aws.Config
	baseErr  error

	mu      sync.Mutex
	members []*member // nil until listed
	caller  string    // the base credentials' account, in an organization scope
	configs map[string]aws.Config
}

// member is an account in scope and what signs for it.
type member struct {
	Account
	cfg aws.Config // credentials of the account (region unset)
	err error      // why the account cannot be read, with Status error
}

// New returns the scope opts describe.
func New(opts Options) *Scope {
	return &Scope{opts: opts, configs: map[string]aws.Config{}}
}

// Multi says whether more than one account can be in scope.
func (s *Scope) Multi() bool { return len(s.opts.Profiles) > 0 || s.opts.OrgRole != "" }

// BaseEndpoint is the endpoint override for a service client's
// Options.BaseEndpoint: the --endpoint-url if one was given (it wins over
// AWS_ENDPOINT_URL_<SERVICE>), else nil for the SDK's own resolution.
func (s *Scope) BaseEndpoint() *string {
	if s.opts.EndpointURL == "" {
		return nil
	}
	return aws.String(s.opts.EndpointURL)
}

// Base returns the default chain's configuration: the default account's,
// and the base credentials of an organization scope.
func (s *Scope) Base(ctx context.Context) (aws.Config, error) {
	s.baseOnce.Do(func() { s.base, s.baseErr = s.load(ctx, s.opts.Profile) })
	return s.base, s.baseErr
}

// load builds the configuration of one profile ("" for the default chain).
func (s *Scope) load(ctx context.Context, profile string) (aws.Config, error) {
	client := awshttp.NewBuildableClient().
		WithTimeout(s.opts.RequestTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = connectTimeout })
	retryer := func() aws.Retryer {
		return timeoutBoundRetryer{retry.NewStandard(func(o *retry.StandardOptions) {
			if s.opts.MaxAttempts > 0 {
				o.MaxAttempts = s.opts.MaxAttempts
			}
			if s.opts.MaxBackoff > 0 {
				o.MaxBackoff = s.opts.MaxBackoff
			}
		})}
	}
	if s.opts.Isolated {
		return aws.Config{
			Credentials:  s.opts.Credentials,
			BaseEndpoint: s.BaseEndpoint(),
			HTTPClient:   s.wrap(client),
			Retryer:      retryer,
			Logger:       logging.Nop{},
		}, nil
	}
	if err := checkEndpointVariables(); err != nil {
		return aws.Config{}, err
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(retryer),
		config.WithHTTPClient(client),
		// The SDK logs to stderr by default; errors reach the user through SQL.
		config.WithLogger(logging.Nop{}),
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if s.opts.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(s.opts.Credentials))
	}
	if s.opts.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(s.opts.EndpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, SetupError(err, s.opts.EndpointURL)
	}
	// Wrapped only now: loading may customise the buildable client (a CA
	// bundle from AWS_CA_BUNDLE) and needs it unwrapped.
	cfg.HTTPClient = s.wrap(cfg.HTTPClient)
	return cfg, nil
}

// wrap adds WrapHTTPClient's and the error explanations to client.
func (s *Scope) wrap(client aws.HTTPClient) aws.HTTPClient {
	if s.opts.WrapHTTPClient != nil {
		client = s.opts.WrapHTTPClient(client)
	}
	return explainingClient{next: client, endpointURL: s.opts.EndpointURL}
}

// HomeRegion is the configured region: the default chain's, else (in a
// scope of profiles) the first profile's that names one; "" if none does.
func (s *Scope) HomeRegion(ctx context.Context) (string, error) {
	base, err := s.Base(ctx)
	if err == nil && base.Region != "" || len(s.opts.Profiles) == 0 {
		return base.Region, err
	}
	if err := s.list(ctx, false); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.members {
		if m.err == nil && m.cfg.Region != "" {
			return m.cfg.Region, nil
		}
	}
	return "", nil
}

// timeoutAttempts is how often a request that timed out is tried: a
// server that never answers costs 2 × RequestTimeout, not MaxAttempts ×.
const timeoutAttempts = 2

// timeoutBoundRetryer retries as the standard retryer does (throttling,
// 5xx, connection resets), except that a request that timed out is tried
// at most timeoutAttempts times.
type timeoutBoundRetryer struct{ aws.RetryerV2 }

func (r timeoutBoundRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	var ne net.Error
	if attempt >= timeoutAttempts && errors.As(err, &ne) && ne.Timeout() {
		return 0, err // the SDK gives up with err
	}
	return r.RetryerV2.RetryDelay(attempt, err)
}

// Accounts lists the accounts in scope (listing the organization, or
// resolving the profiles, on first use). The default account's ID is
// asked of STS only if withIDs is set.
func (s *Scope) Accounts(ctx context.Context, withIDs bool) ([]Account, error) {
	if err := s.list(ctx, withIDs); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Account, len(s.members))
	for i, m := range s.members {
		out[i] = m.Account
	}
	return out, nil
}

// Failure is an account that cannot be read, and why.
type Failure struct {
	Account Account
	Err     error
}

// Readable returns the ids of the accounts a query reads ("" for the
// default account whose id was not needed), narrowed to bound if any, and
// the accounts whose credentials already failed (profiles that could not
// be loaded). An id in bound that is not in scope is an error naming the
// accounts in scope.
func (s *Scope) Readable(ctx context.Context, bound []string, withIDs bool) ([]string, []Failure, error) {
	if err := s.list(ctx, withIDs || len(bound) > 0); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var inScope, skipped []string
	for _, m := range s.members {
		switch {
		case m.ID == "":
		case m.Status == StatusSkipped:
			skipped = append(skipped, m.ID)
		case !slices.Contains(inScope, m.ID):
			inScope = append(inScope, m.ID)
		}
	}
	for _, id := range bound {
		// A skipped account (not ACTIVE, or a duplicate profile) is known:
		// it gives no rows, as vpnsql_accounts says, rather than an error,
		// so a join with vpnsql_accounts works.
		if !slices.Contains(inScope, id) && !slices.Contains(skipped, id) {
			return nil, nil, fmt.Errorf("accountId %s is not in scope (accounts in scope: %s)", id, strings.Join(inScope, ", "))
		}
	}
	var ids []string
	var failed []Failure
	for _, m := range s.members {
		switch {
		case len(bound) > 0 && !slices.Contains(bound, m.ID):
		case m.Status == StatusSkipped:
		case m.err != nil && m.ID == "":
			failed = append(failed, Failure{Account: m.Account, Err: m.err})
		default:
			ids = append(ids, m.ID)
		}
	}
	return ids, failed, nil
}

// list fills s.members once. A listing cut short by ctx is not kept.
func (s *Scope) list(ctx context.Context, withIDs bool) error {
	s.mu.Lock()
	listed := s.members != nil
	needID := withIDs && len(s.members) == 1 && s.members[0].Source == SourceDefault && s.members[0].ID == ""
	s.mu.Unlock()
	if listed && !needID {
		return nil
	}
	base, err := s.Base(ctx)
	if err != nil && (s.opts.OrgRole != "" || len(s.opts.Profiles) == 0) {
		return err
	}
	var members []*member
	switch {
	case s.opts.OrgRole != "":
		members, err = s.listOrganization(ctx, base)
	case len(s.opts.Profiles) > 0:
		members = s.listProfiles(ctx)
	default:
		m := &member{Account: Account{Source: SourceDefault, Profile: s.opts.Profile, Status: StatusOK}, cfg: base}
		if withIDs {
			if m.ID, _, err = s.callerIdentity(ctx, base); err != nil {
				err = fmt.Errorf("asking STS which account the credentials belong to: %w", err)
			}
		}
		members = []*member{m}
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil || needID {
		s.members = members
	}
	return nil
}

// listProfiles loads each profile and asks STS for its account. Failures
// stay with the profile; a profile of an account already in scope is
// skipped.
func (s *Scope) listProfiles(ctx context.Context) []*member {
	var members []*member
	byID := map[string]string{} // account -> first profile
	for _, p := range s.opts.Profiles {
		m := &member{Account: Account{Source: SourceProfile, Profile: p, Status: StatusOK}}
		m.cfg, m.err = s.load(ctx, p)
		if m.err == nil {
			m.ID, _, m.err = s.callerIdentity(ctx, m.cfg)
		}
		switch first, dup := byID[m.ID]; {
		case m.err != nil:
			m.Status, m.Message = StatusError, m.err.Error()
		case dup:
			m.Status = StatusSkipped
			m.Message = fmt.Sprintf("same account as profile %s: read once", first)
		default:
			byID[m.ID] = p
		}
		members = append(members, m)
	}
	return members
}

// listOrganization lists the organization's accounts with the base
// credentials.
func (s *Scope) listOrganization(ctx context.Context, base aws.Config) ([]*member, error) {
	caller, partition, err := s.callerIdentity(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("asking STS which account the credentials belong to: %w", err)
	}
	client := organizations.NewFromConfig(base, func(o *organizations.Options) {
		if o.Region == "" {
			o.Region = fallbackRegion
		}
		if e := s.BaseEndpoint(); e != nil {
			o.BaseEndpoint = e
		}
	})
	stsClient := s.stsClient(base)
	var members []*member
	pages := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{MaxResults: aws.Int32(orgPageSize)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, orgListError(caller, err)
		}
		for _, a := range out.Accounts {
			m := &member{Account: Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Source: SourceOrganization, Status: StatusOK}}
			state := accountState(a)
			switch {
			case state != "ACTIVE":
				m.Status, m.Message = StatusSkipped, state+": not read"
			case m.ID == caller:
				m.cfg = base
				m.Message = "the caller's own account: read with the base credentials"
			default:
				m.RoleArn = arn.ARN{Partition: partition, Service: "iam", AccountID: m.ID, Resource: "role/" + s.opts.OrgRole}.String()
				m.cfg = base.Copy()
				// The provider assumes the role on first use only, and the
				// cache refreshes the credentials before they expire.
				m.cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, m.RoleArn,
					func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "vpnsql" }))
			}
			members = append(members, m)
		}
	}
	s.mu.Lock()
	s.caller = caller
	s.mu.Unlock()
	return members, nil
}

// accountState reads State, which replaces Status, falling back to Status.
func accountState(a orgtypes.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	return string(a.Status)
}

func (s *Scope) stsClient(cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if o.Region == "" {
			o.Region = fallbackRegion
		}
		if e := s.BaseEndpoint(); e != nil {
			o.BaseEndpoint = e
		}
	})
}

// callerIdentity asks STS whose credentials cfg holds: the account id and
// the partition of the caller's ARN.
func (s *Scope) callerIdentity(ctx context.Context, cfg aws.Config) (account, partition string, err error) {
	out, err := s.stsClient(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", SetupError(err, s.opts.EndpointURL)
	}
	partition = "aws"
	if a, err := arn.Parse(aws.ToString(out.Arn)); err == nil {
		partition = a.Partition
	}
	return aws.ToString(out.Account), partition, nil
}

// Config returns the configuration that reads accountID ("" for the
// default account) in region: its credentials, checked (an organization
// member's role is assumed here, on first use). The caller applies the
// limits (Limiter.Apply), to the clients that need them. A failure is an
// *Error and marks the account's status.
func (s *Scope) Config(ctx context.Context, accountID, region string) (aws.Config, error) {
	if err := s.list(ctx, false); err != nil {
		return aws.Config{}, err
	}
	s.mu.Lock()
	m := s.member(accountID)
	var acct Account
	var memberErr error
	key := accountID + "/" + region
	cfg, ok := s.configs[key]
	if m != nil {
		acct, memberErr = m.Account, m.err
		if !ok && m.err == nil && m.Status != StatusSkipped {
			cfg = m.cfg.Copy()
			cfg.Region = region
			s.configs[key] = cfg
		}
	}
	s.mu.Unlock()
	switch {
	case m == nil:
		return aws.Config{}, fmt.Errorf("internal error: account %q is not in scope", accountID)
	case memberErr != nil:
		return aws.Config{}, &Error{Account: acct, Err: memberErr}
	case acct.Status == StatusSkipped:
		return aws.Config{}, &Error{Account: acct, Err: errors.New(acct.Message)}
	}
	if cfg.Credentials == nil {
		return cfg, nil // anonymous: nothing to check
	}
	// Retrieve assumes a member's role the first time and is served from
	// the cache afterwards; checking here keeps a refused role from ever
	// signing a request, and names the account.
	_, err := cfg.Credentials.Retrieve(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return aws.Config{}, ctx.Err()
	case err != nil && acct.RoleArn != "":
		var ae smithy.APIError
		if errors.As(err, &ae) {
			err = fmt.Errorf("cannot assume %s: %s: %s", acct.RoleArn, ae.ErrorCode(), ae.ErrorMessage())
		} else {
			err = fmt.Errorf("cannot assume %s: %w", acct.RoleArn, SetupError(err, s.opts.EndpointURL))
		}
		acct = s.setStatus(accountID, StatusError, err.Error())
		return aws.Config{}, &Error{Account: acct, Err: err}
	case err != nil && acct.Source == SourceDefault:
		return aws.Config{}, SetupError(err, s.opts.EndpointURL)
	case err != nil:
		return aws.Config{}, &Error{Account: acct, Err: SetupError(err, s.opts.EndpointURL)}
	}
	s.setStatus(accountID, StatusOK, "")
	return cfg, nil
}

// member finds accountID; s.mu must be held. "" is the default account.
func (s *Scope) member(accountID string) *member {
	for _, m := range s.members {
		if m.ID == accountID || (accountID == "" && m.Source == SourceDefault) {
			return m
		}
	}
	return nil
}

// setStatus records how assuming a member's role went, and returns the
// member as it is now.
func (s *Scope) setStatus(accountID string, st Status, msg string) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.member(accountID)
	if m == nil {
		return Account{}
	}
	if m.RoleArn != "" {
		m.Status, m.Message = st, msg
	}
	return m.Account
}

// Error is an account that could not be read.
type Error struct {
	Account Account
	Err     error
}

func (e *Error) Error() string {
	who := e.Account.ID
	if who == "" {
		who = "profile " + e.Account.Profile
	} else if e.Account.Name != "" {
		who += " (" + e.Account.Name + ")"
	}
	return "account " + who + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
