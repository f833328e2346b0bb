package ec2fake_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// awsConfig signs with key against the fake, one attempt per call.
func awsConfig(run *ec2fake.Running, key string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(key, "secret", ""),
		BaseEndpoint:     aws.String(run.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       clientvpn.ReadOnlyBody(&http.Client{}),
	}
}

func TestSampleOrganizationOverTheWire(t *testing.T) {
	ds := ec2fake.SampleOrganization(fixedNow)
	run := start(t, ds)
	ctx := context.Background()
	mgmt := awsConfig(run, ec2fake.SampleAccessKey)

	id, err := sts.NewFromConfig(mgmt).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != ec2fake.SampleManagementAccount {
		t.Fatalf("GetCallerIdentity = %v, %v", id, err)
	}

	// Every page, at most 20 each; State and Status both sent.
	org := organizations.NewFromConfig(mgmt)
	var states []string
	pages := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{MaxResults: aws.Int32(3)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Accounts) > 3 {
			t.Errorf("page of %d, asked for 3", len(out.Accounts))
		}
		for _, a := range out.Accounts {
			states = append(states, aws.ToString(a.Id)+":"+string(a.State)+"/"+string(a.Status))
		}
	}
	if len(states) != 4 || states[3] != ec2fake.SampleSuspendedAccount+":SUSPENDED/SUSPENDED" {
		t.Errorf("accounts %q", states)
	}
	_, err = org.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
	if code, _, status := apiError(t, err); code != "InvalidInputException" || status != 400 {
		t.Errorf("MaxResults 21: %s %d", code, status)
	}

	// AssumeRole hands out keys that sign for the member only.
	role := "arn:aws:iam::" + ec2fake.SampleAcquiredAccount + ":role/" + ec2fake.DefaultOrgRole
	out, err := sts.NewFromConfig(mgmt).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Credentials.Expiration == nil || out.Credentials.SessionToken == nil {
		t.Errorf("credentials without expiry or token: %+v", out.Credentials)
	}
	member := awsConfig(run, aws.ToString(out.Credentials.AccessKeyId))
	eps, err := ec2.NewFromConfig(member).DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(eps.ClientVpnEndpoints) != 1 || aws.ToString(eps.ClientVpnEndpoints[0].Description) != "Acquired Co legacy VPN" {
		t.Errorf("the acquired account sees %d endpoints", len(eps.ClientVpnEndpoints))
	}
	if _, err := organizations.NewFromConfig(member).ListAccounts(ctx, &organizations.ListAccountsInput{}); err == nil {
		t.Error("a member listed the organization")
	} else if code, _, _ := apiError(t, err); code != "AccessDeniedException" {
		t.Errorf("member ListAccounts: %s", code)
	}

	// The suspended account and a wrong role name are refused.
	for _, arn := range []string{
		"arn:aws:iam::" + ec2fake.SampleSuspendedAccount + ":role/" + ec2fake.DefaultOrgRole,
		"arn:aws:iam::" + ec2fake.SampleAcquiredAccount + ":role/Other",
	} {
		_, err := sts.NewFromConfig(mgmt).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("t")})
		if code, _, status := apiError(t, err); code != "AccessDenied" || status != 403 {
			t.Errorf("AssumeRole %s: %s %d", arn, code, status)
		}
	}
	// Unknown keys: STS and EC2 refuse them.
	stranger := awsConfig(run, "AKIDSTRANGER")
	_, err = sts.NewFromConfig(stranger).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code, _, _ := apiError(t, err); code != "InvalidClientTokenId" {
		t.Errorf("unknown key, STS: %s", code)
	}
	_, err = ec2.NewFromConfig(stranger).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if code, _, _ := apiError(t, err); code != "AuthFailure" {
		t.Errorf("unknown key, EC2: %s", code)
	}
	// The log says who signed each request, by service.
	accounts := map[string]bool{}
	for _, r := range run.Server.Requests() {
		if r.Service == "ec2" && r.Action == "DescribeClientVpnEndpoints" {
			accounts[r.Account] = true
		}
	}
	if len(accounts) != 1 || !accounts[ec2fake.SampleAcquiredAccount] {
		t.Errorf("DescribeClientVpnEndpoints logged for accounts %v", accounts)
	}
}
