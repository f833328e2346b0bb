package clientvpn

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// AuthorizationRuleQuery selects the authorization rules of one endpoint in
// one region, optionally narrowed by the API's own filters.
type AuthorizationRuleQuery struct {
	AccountID        string // "" for the default account
	Region           string
	EndpointID       string
	Descriptions     []string // the description filter
	DestinationCidrs []string // the destination-cidr filter
	GroupIDs         []string // the group-id filter
}

// AuthorizationRules calls page with each page of
// DescribeClientVpnAuthorizationRules, in order, until the last page, an
// error, or page returns an error.
func (s *Service) AuthorizationRules(ctx context.Context, q AuthorizationRuleQuery, page func([]types.AuthorizationRule) error) error {
	return cached(s, ctx, q.cacheKey(), page, func(page func(p []types.AuthorizationRule, last bool) error) error {
		return s.fetchAuthorizationRules(ctx, q, page)
	})
}

func (s *Service) fetchAuthorizationRules(ctx context.Context, q AuthorizationRuleQuery, page func(p []types.AuthorizationRule, last bool) error) error {
	const op = "DescribeClientVpnAuthorizationRules"
	client, err := s.client(ctx, q.AccountID, q.Region)
	if err != nil {
		return err
	}
	in := &ec2.DescribeClientVpnAuthorizationRulesInput{
		ClientVpnEndpointId: aws.String(q.EndpointID),
		MaxResults:          aws.Int32(pageSize),
	}
	for _, f := range []struct {
		name   string
		values []string
	}{{"description", q.Descriptions}, {"destination-cidr", q.DestinationCidrs}, {"group-id", q.GroupIDs}} {
		if len(f.values) > 0 {
			in.Filters = append(in.Filters, types.Filter{Name: aws.String(f.name), Values: f.values})
		}
	}
	return listPages(q.Region, op,
		func(token *string) (*ec2.DescribeClientVpnAuthorizationRulesOutput, *string, error) {
			in.NextToken = token
			out, err := client.DescribeClientVpnAuthorizationRules(ctx, in)
			if err != nil {
				return nil, nil, apiError(q.Region, op, err)
			}
			return out, out.NextToken, nil
		},
		func(out *ec2.DescribeClientVpnAuthorizationRulesOutput, last bool) error {
			return page(out.AuthorizationRules, last)
		})
}

func (q AuthorizationRuleQuery) cacheKey() string {
	return fmt.Sprintf("authorization-rules\x00%s\x00%s\x00%s\x00%q\x00%q\x00%q", q.AccountID, q.Region, q.EndpointID, q.Descriptions, q.DestinationCidrs, q.GroupIDs)
}

// RuleSource pages through endpoints and their authorization rules.
// *Service is the AWS source.
type RuleSource interface {
	Endpoints(ctx context.Context, q EndpointQuery, page func([]types.ClientVpnEndpoint) error) error
	AuthorizationRules(ctx context.Context, q AuthorizationRuleQuery, page func([]types.AuthorizationRule) error) error
}

// AuthorizationRuleScan is what one scan of client_vpn_authorization_rules
// fetches.
type AuthorizationRuleScan struct {
	// Accounts and WithAccountIDs as in ConnectionScan.
	Accounts       []string
	WithAccountIDs bool
	Regions        []string
	// EndpointIDs to read; empty means every endpoint of each region
	// (listed with DescribeClientVpnEndpoints first).
	EndpointIDs      []string
	Descriptions     []string
	DestinationCidrs []string
	GroupIDs         []string
}

// ScanAuthorizationRules fetches the rules of scan from src, concurrently,
// with the tolerance rules of ScanConnections.
func ScanAuthorizationRules(ctx context.Context, src RuleSource, scan AuthorizationRuleScan, opts ScanOptions) *Stream[types.AuthorizationRule] {
	return scanPerEndpoint(ctx, src, scan.Accounts, scan.Regions, scan.EndpointIDs, opts, perEndpoint[types.AuthorizationRule]{
		op: "DescribeClientVpnAuthorizationRules", what: "rule",
		fetch: func(ctx context.Context, at target, endpoint string, page func([]types.AuthorizationRule) error) error {
			return src.AuthorizationRules(ctx, AuthorizationRuleQuery{
				AccountID: at.account, Region: at.region, EndpointID: endpoint,
				Descriptions: scan.Descriptions, DestinationCidrs: scan.DestinationCidrs, GroupIDs: scan.GroupIDs,
			}, page)
		},
	})
}

// ScanAuthorizationRules runs ScanAuthorizationRules over this Service with
// its settings, accounts and regions resolved, and warnings recorded.
func (s *Service) ScanAuthorizationRules(ctx context.Context, scan AuthorizationRuleScan) (*Stream[types.AuthorizationRule], error) {
	opts, err := s.resolve(ctx, &scan.Accounts, &scan.Regions, scan.WithAccountIDs)
	if err != nil {
		return nil, err
	}
	opts.Concurrency = s.scanTasks(len(scan.Accounts) * len(scan.Regions))
	return ScanAuthorizationRules(ctx, s, scan, opts), nil
}
