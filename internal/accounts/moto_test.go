package accounts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
	"github.com/vpnsql/vpnsql/internal/vpntest"
)

// scopeShape is what a scope reports of its accounts, ids left out (each
// fake numbers accounts its own way).
func scopeShape(t *testing.T, s *accounts.Scope) []string {
	t.Helper()
	ctx := context.Background()
	list, err := s.Accounts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var shape []string
	for _, a := range list {
		if a.Status == accounts.StatusOK && a.RoleArn != "" {
			if _, err := s.Config(ctx, a.ID, "us-east-1"); err != nil {
				t.Errorf("assuming %s: %v", a.RoleArn, err)
			}
		}
		after, _ := s.Accounts(ctx, true)
		for _, b := range after {
			if b.ID == a.ID {
				a = b
			}
		}
		role := ""
		if a.RoleArn != "" {
			role = strings.Replace(a.RoleArn, a.ID, "ID", 1)
		}
		shape = append(shape, fmt.Sprintf("%s %s %s %q", a.Source, a.Status, role, a.Message))
	}
	return shape
}

// TestOrganizationAgainstMoto runs the organization scope against moto
// and against the project's fake, set up alike (a management account and
// two ACTIVE members), and expects the same account list and the same
// AssumeRole outcome from both.
func TestOrganizationAgainstMoto(t *testing.T) {
	url := vpntest.StartMoto(t, "STS and Organizations")
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("AKIDMOTO", "secret", "")
	org := organizations.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(url)})
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Production", "Acquired Co"} {
		email := strings.ReplaceAll(strings.ToLower(name), " ", "") + "@example.com"
		if _, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(email)}); err != nil {
			t.Fatal(err)
		}
	}
	role := ec2fake.DefaultOrgRole
	moto := accounts.New(accounts.Options{OrgRole: role, EndpointURL: url, Credentials: creds, Isolated: true})

	ds := ec2fake.SampleOrganization(time.Now())
	ds.Accounts = ds.Accounts[:3] // no SUSPENDED one: moto's accounts are all ACTIVE
	run, err := ec2fake.Start(ec2fake.New(ds))
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	ours := accounts.New(accounts.Options{OrgRole: role, EndpointURL: run.URL, Isolated: true,
		Credentials: credentials.NewStaticCredentialsProvider(ec2fake.SampleAccessKey, "secret", "")})

	got, want := scopeShape(t, ours), scopeShape(t, moto)
	t.Logf("both:\n%s", strings.Join(want, "\n"))
	if len(want) != 3 {
		t.Errorf("moto lists %d accounts, want 3", len(want))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the fake's organization:\n%s\nmoto's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
