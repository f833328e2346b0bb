package ec2fake_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// rulesOf pages through DescribeClientVpnAuthorizationRules with the SDK's
// paginator and converts the rows back into the dataset's type.
func rulesOf(t *testing.T, c *ec2.Client, in *ec2.DescribeClientVpnAuthorizationRulesInput) ([]*ec2fake.AuthorizationRule, int) {
	t.Helper()
	var out []*ec2fake.AuthorizationRule
	pages := 0
	p := ec2.NewDescribeClientVpnAuthorizationRulesPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range page.AuthorizationRules {
			if aws.ToString(r.ClientVpnEndpointId) != aws.ToString(in.ClientVpnEndpointId) {
				t.Errorf("rule of endpoint %s in the answer for %s", aws.ToString(r.ClientVpnEndpointId), aws.ToString(in.ClientVpnEndpointId))
			}
			out = append(out, &ec2fake.AuthorizationRule{
				Description: aws.ToString(r.Description), GroupID: aws.ToString(r.GroupId), AccessAll: aws.ToBool(r.AccessAll),
				DestinationCidr: aws.ToString(r.DestinationCidr), StatusCode: string(r.Status.Code), StatusMessage: aws.ToString(r.Status.Message),
			})
		}
	}
	return out, pages
}

func TestAuthorizationRules(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	hq := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	c := client(run, "us-east-1")

	// Seven rules in pages of five: two pages, every rule once, in order.
	got, pages := rulesOf(t, c, &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(hq.ID), MaxResults: aws.Int32(5)})
	if pages != 2 || !reflect.DeepEqual(got, hq.AuthorizationRules) {
		t.Fatalf("%d pages, rules %+v, want 2 pages of %+v", pages, got, hq.AuthorizationRules)
	}

	contractors := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)
	for name, tc := range map[string]struct {
		filter types.Filter
		want   []*ec2fake.AuthorizationRule
	}{
		"destination-cidr": {types.Filter{Name: aws.String("destination-cidr"), Values: []string{"10.20.0.0/16"}}, contractors.AuthorizationRules[1:]},
		"group-id":         {types.Filter{Name: aws.String("group-id"), Values: []string{"contractors", "nobody"}}, contractors.AuthorizationRules[:1]},
		"description":      {types.Filter{Name: aws.String("description"), Values: []string{`Jump hosts <legacy> & "temporary"`}}, contractors.AuthorizationRules[1:]},
		"no match":         {types.Filter{Name: aws.String("group-id"), Values: []string{"nobody"}}, nil},
	} {
		got, _ := rulesOf(t, c, &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(contractors.ID), Filters: []types.Filter{tc.filter}})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", name, got, tc.want)
		}
	}

	for name, tc := range map[string]struct {
		region string
		in     *ec2.DescribeClientVpnAuthorizationRulesInput
		code   string
		status int
	}{
		"other region":  {"eu-west-1", &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(hq.ID)}, "InvalidClientVpnEndpointId.NotFound", 400},
		"bad filter":    {"us-east-1", &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(hq.ID), Filters: []types.Filter{{Name: aws.String("access-all"), Values: []string{"true"}}}}, "InvalidParameterValue", 400},
		"max results":   {"us-east-1", &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(hq.ID), MaxResults: aws.Int32(4)}, "InvalidParameterValue", 400},
		"dry run":       {"us-east-1", &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(hq.ID), DryRun: aws.Bool(true)}, "DryRunOperation", 412},
		"foreign token": {"us-east-1", &ec2.DescribeClientVpnAuthorizationRulesInput{ClientVpnEndpointId: aws.String(contractors.ID), NextToken: aws.String("djE6NTphYmM=")}, "InvalidPaginationToken", 400},
	} {
		_, err := client(run, tc.region).DescribeClientVpnAuthorizationRules(context.Background(), tc.in)
		if code, _, status := apiError(t, err); code != tc.code || status != tc.status {
			t.Errorf("%s: %s %d, want %s %d", name, code, status, tc.code, tc.status)
		}
	}

	// The SDK refuses to send a request without the endpoint; EC2 would
	// answer MissingParameter, and so does the fake.
	status, _, body := rawPost(t, run, "us-east-1", url.Values{"Action": {"DescribeClientVpnAuthorizationRules"}, "Version": {"2016-11-15"}})
	if status != 400 || !strings.Contains(body, "<Code>MissingParameter</Code>") {
		t.Errorf("no endpoint id: %d %s", status, body)
	}
}
