package clientvpn_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// TestAWSConfigEndpoints: CloudWatch Logs requests made with AWSConfig go
// to Config.EndpointURL (--endpoint-url, --demo), and otherwise where
// AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or AWS_ENDPOINT_URL say, as the SDK
// resolves them.
func TestAWSConfigEndpoints(t *testing.T) {
	srv := ec2fake.New(&ec2fake.Dataset{Regions: []string{"us-east-1"}})
	srv.PutLogEvents("eu-west-1", "/g", "s", ec2fake.LogEvent{Timestamp: 1, Message: "{}"})
	run, err := ec2fake.Start(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	for _, tc := range []struct {
		name, env, flag string
	}{
		{"--endpoint-url", "", run.URL},
		{"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", ""},
		{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "")
			t.Setenv("AWS_ENDPOINT_URL", "")
			if tc.env != "" {
				t.Setenv(tc.env, run.URL)
			}
			srv.ResetLog()
			svc := clientvpn.New(clientvpn.Config{EndpointURL: tc.flag, Credentials: clientvpn.DummyCredentials()})
			cfg, err := svc.AWSConfig(context.Background(), "", "eu-west-1")
			if err != nil {
				t.Fatal(err)
			}
			out, err := cloudwatchlogs.NewFromConfig(cfg).FilterLogEvents(context.Background(),
				&cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/g")})
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(out.Events) != 1 || len(reqs) != 1 || reqs[0].Action != "FilterLogEvents" || reqs[0].Region != "eu-west-1" {
				t.Errorf("%d events, requests %+v", len(out.Events), reqs)
			}
		})
	}
}
