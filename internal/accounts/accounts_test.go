package accounts_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// sampleOrg serves the sample organization, with static keys for the
// production member too.
func sampleOrg(t *testing.T) *ec2fake.Running {
	t.Helper()
	ds := ec2fake.SampleOrganization(time.Now())
	ds.Accounts[1].AccessKey = "AKIDPRODUSER"
	run, err := ec2fake.Start(ec2fake.New(ds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	return run
}

// TestEndpointVariables: without --endpoint-url the SDK's own
// AWS_ENDPOINT_URL (and per-service variables) decide where STS and
// Organizations are.
func TestEndpointVariables(t *testing.T) {
	run := sampleOrg(t)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // wrong for everything…
	t.Setenv("AWS_ENDPOINT_URL_STS", run.URL)          // …but these two
	t.Setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", run.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", ec2fake.SampleAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	if err := os.WriteFile(filepath.Join(dir, "config"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := accounts.New(accounts.Options{OrgRole: ec2fake.DefaultOrgRole, MaxAttempts: 1})
	list, err := s.Accounts(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Errorf("accounts %+v, want the sample's 4", list)
	}
	var sts, orgs int
	for _, r := range run.Server.Requests() {
		switch r.Service {
		case "sts":
			sts++
		case "organizations":
			orgs++
		}
	}
	if sts != 1 || orgs != 1 {
		t.Errorf("requests: %d STS, %d Organizations; want 1 and 1", sts, orgs)
	}
}

func TestOrgRoleFromAMember(t *testing.T) {
	run := sampleOrg(t)
	s := accounts.New(accounts.Options{OrgRole: ec2fake.DefaultOrgRole, EndpointURL: run.URL, Isolated: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDPRODUSER", "secret", "")})
	_, err := s.Accounts(context.Background(), true)
	if err == nil {
		t.Fatal("a member listed the organization")
	}
	for _, want := range []string{"account " + ec2fake.SampleProductionAccount, "only the management account or a delegated administrator", "AccessDeniedException"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

// TestSlowServerTriedTwice: a server that never answers in time costs two
// attempts, not MaxAttempts.
func TestSlowServerTriedTwice(t *testing.T) {
	run := sampleOrg(t)
	run.Server.SetLatency(time.Minute)
	s := accounts.New(accounts.Options{EndpointURL: run.URL, Isolated: true, MaxAttempts: 5, MaxBackoff: 10 * time.Millisecond,
		RequestTimeout: 500 * time.Millisecond, Credentials: credentials.NewStaticCredentialsProvider(ec2fake.SampleAccessKey, "secret", "")})
	cfg, err := s.Config(context.Background(), "", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ec2.NewFromConfig(cfg).DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{})
	if err == nil || !strings.Contains(err.Error(), "no answer from") {
		t.Fatalf("error %v, want a timeout explained", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s; two attempts of 0.5 s should take about 1 s", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(run.Server.Requests()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(run.Server.Requests()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}
