package ec2fake_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/vpnsql/vpnsql/internal/ec2fake"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

// fixedNow anchors SampleDataset in tests.
var fixedNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

var testCreds = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")

// start serves ds on loopback for the duration of the test.
func start(t *testing.T, ds *ec2fake.Dataset) *ec2fake.Running {
	t.Helper()
	run, err := ec2fake.Start(ec2fake.New(ds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	return run
}

// client is a real SDK client for region, without retries unless the
// caller installs a retryer, so every request the log shows is one call.
// It uses clientvpn.ReadOnlyBody (see there for why).
func client(run *ec2fake.Running, region string, optFns ...func(*aws.Config)) *ec2.Client {
	cfg := aws.Config{
		Region:           region,
		Credentials:      testCreds,
		BaseEndpoint:     aws.String(run.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       clientvpn.ReadOnlyBody(&http.Client{}),
	}
	for _, fn := range optFns {
		fn(&cfg)
	}
	return ec2.NewFromConfig(cfg)
}

// apiError unpacks an SDK error into the EC2 code, message and HTTP status.
func apiError(t *testing.T, err error) (code, msg string, status int) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got success")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("no HTTP response in error: %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage(), re.HTTPStatusCode()
}

// rawPost sends a form the SDK would refuse to send (missing required
// parameters, unknown actions), SigV4-signed for region unless region is "".
func rawPost(t *testing.T, run *ec2fake.Running, region string, form url.Values) (int, http.Header, string) {
	t.Helper()
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, run.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if region != "" {
		creds, _ := testCreds.Retrieve(context.Background())
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ec2", region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func form(kv ...string) url.Values {
	v := url.Values{"Version": {"2016-11-15"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func endpointByDesc(t *testing.T, ds *ec2fake.Dataset, desc string) *ec2fake.Endpoint {
	t.Helper()
	for _, e := range ds.Endpoints {
		if e.Description == desc {
			return e
		}
	}
	t.Fatalf("no endpoint %q in dataset", desc)
	return nil
}

// fromSDK converts what the SDK decoded back into the dataset's type, so a
// whole round trip compares with reflect.DeepEqual.
func fromSDK(t *testing.T, c types.ClientVpnConnection) *ec2fake.Connection {
	t.Helper()
	num := func(p *string) uint64 {
		n, err := strconv.ParseUint(aws.ToString(p), 10, 64)
		if err != nil {
			t.Fatalf("counter %q: %v", aws.ToString(p), err)
		}
		return n
	}
	out := &ec2fake.Connection{
		ClientVpnEndpointID:       aws.ToString(c.ClientVpnEndpointId),
		Timestamp:                 aws.ToString(c.Timestamp),
		ConnectionID:              aws.ToString(c.ConnectionId),
		Username:                  aws.ToString(c.Username),
		ConnectionEstablishedTime: aws.ToString(c.ConnectionEstablishedTime),
		IngressBytes:              num(c.IngressBytes),
		EgressBytes:               num(c.EgressBytes),
		IngressPackets:            num(c.IngressPackets),
		EgressPackets:             num(c.EgressPackets),
		ClientIP:                  aws.ToString(c.ClientIp),
		CommonName:                aws.ToString(c.CommonName),
		ConnectionEndTime:         aws.ToString(c.ConnectionEndTime),
	}
	if c.Status != nil {
		out.StatusCode = string(c.Status.Code)
		out.StatusMessage = aws.ToString(c.Status.Message)
	}
	if len(c.PostureComplianceStatuses) > 0 {
		out.PostureComplianceStatusSet = c.PostureComplianceStatuses
	}
	return out
}

func normalize(cs []*ec2fake.Connection) []*ec2fake.Connection {
	out := make([]*ec2fake.Connection, len(cs))
	for i, c := range cs {
		cc := *c
		if len(cc.PostureComplianceStatusSet) == 0 {
			cc.PostureComplianceStatusSet = nil
		}
		out[i] = &cc
	}
	return out
}

// describeAll pages through an endpoint's connections with the SDK
// paginator.
func describeAll(t *testing.T, c *ec2.Client, in *ec2.DescribeClientVpnConnectionsInput) []*ec2fake.Connection {
	t.Helper()
	var out []*ec2fake.Connection
	p := ec2.NewDescribeClientVpnConnectionsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Connections {
			out = append(out, fromSDK(t, c))
		}
	}
	return out
}
