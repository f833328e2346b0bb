package ec2fake_test

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

// TestXMLShape checks the raw wire format details a lenient decoder would
// not notice.
func TestXMLShape(t *testing.T) {
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)
	empty := endpointByDesc(t, ds, ec2fake.SampleEmptyEndpoint)
	noLog := endpointByDesc(t, ds, ec2fake.SampleNoLoggingEndpoint)

	status, hdr, body := rawPost(t, run, "us-east-1", form("Action", "DescribeClientVpnConnections", "ClientVpnEndpointId", small.ID))
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/xml") {
		t.Fatalf("%d %s", status, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`<DescribeClientVpnConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>`,
		`<username>zoë.ångström</username>`,
		`<username>o&#39;neil &amp; &#34;sons&#34; &lt;ltd&gt;</username>`,
		`<postureComplianceStatusSet><item>compliant</item></postureComplianceStatusSet>`,
		`<ingressBytes>21474836480</ingressBytes>`,
		`<status><code>terminated</code><message>Client disconnected</message></status>`,
		`<connectionEndTime>-</connectionEndTime>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s", want)
		}
	}
	// A connection with no posture set has no element (NULL in the table).
	if items, sets := strings.Count(body, "<connectionId>"), strings.Count(body, "<postureComplianceStatusSet"); sets >= items {
		t.Errorf("%d posture sets for %d connections: a nil set must be left out", sets, items)
	}
	if strings.Contains(body, "<nextToken>") {
		t.Error("a last page must not carry nextToken")
	}
	// Certificate-only rows carry no username element at all.
	for _, item := range strings.Split(body, "<item>")[1:] {
		if strings.Contains(item, "build-agent.ci.example.com") && strings.Contains(item, "<username>") {
			t.Errorf("certificate-only row has a username: %s", item)
		}
	}

	_, _, body = rawPost(t, run, "us-east-1", form("Action", "DescribeClientVpnConnections", "ClientVpnEndpointId", empty.ID))
	if !strings.Contains(body, "<connections/>") {
		t.Errorf("empty list must be <connections/>: %s", body)
	}

	_, _, body = rawPost(t, run, "eu-west-1", form("Action", "DescribeClientVpnEndpoints", "ClientVpnEndpointId.1", noLog.ID))
	for _, want := range []string{
		`<connectionLogOptions><Enabled>false</Enabled></connectionLogOptions>`,
		`<splitTunnel>true</splitTunnel>`, `<vpnPort>443</vpnPort>`, `<sessionTimeoutHours>24</sessionTimeoutHours>`,
		`<value>Zürich &amp; Genève &lt;HQ&gt;</value>`, `<dnsServer><item>10.0.0.2</item></dnsServer>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("endpoint body lacks %s", want)
		}
	}

	// The log never holds credentials.
	for _, r := range run.Server.Requests() {
		for k, vs := range r.Params {
			if strings.Contains(k+strings.Join(vs, ""), "AKIDTEST") {
				t.Errorf("credentials in the log: %v", r.Params)
			}
		}
	}
}

// TestAWSCLI drives the fake with the real aws CLI v1 (botocore), a second,
// independent client implementation of the same wire format.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	ds := ec2fake.SampleDataset(fixedNow)
	run := start(t, ds)
	big := endpointByDesc(t, ds, ec2fake.SampleBigEndpoint)
	small := endpointByDesc(t, ds, ec2fake.SampleContractorEndpoint)

	aws := func(args ...string) ([]byte, error) {
		cmd := exec.Command("aws", append([]string{"ec2"}, args...)...)
		// Only our dummy credentials and no config: nothing from the
		// environment running the tests may leak in.
		for _, kv := range cmd.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return []byte(stderr.String()), err
		}
		return out, nil
	}
	type cliConnection struct {
		ConnectionId string
		Username     string
		CommonName   string
		IngressBytes string
		Status       struct{ Code string }
	}
	var resp struct{ Connections []cliConnection }

	out, err := aws("describe-client-vpn-connections", "--endpoint-url", run.URL, "--region", "us-east-1",
		"--client-vpn-endpoint-id", big.ID, "--output", "json")
	if err != nil {
		t.Fatalf("aws: %v: %s", err, out)
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Connections) != ec2fake.SampleBigEndpointConnections {
		t.Errorf("aws CLI saw %d connections, want %d", len(resp.Connections), ec2fake.SampleBigEndpointConnections)
	}
	if n := len(run.Server.Requests()); n != 3 {
		t.Errorf("aws CLI paged in %d requests, want 3 (default pages of 1000)", n)
	}

	// The edge cases survive botocore's parser too.
	out, err = aws("describe-client-vpn-connections", "--endpoint-url", run.URL, "--region", "us-east-1",
		"--client-vpn-endpoint-id", small.ID, "--output", "json")
	if err != nil {
		t.Fatalf("aws: %v: %s", err, out)
	}
	resp.Connections = nil
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	var want []cliConnection
	for _, c := range small.Connections {
		w := cliConnection{ConnectionId: c.ConnectionID, Username: c.Username, CommonName: c.CommonName}
		w.IngressBytes = uintString(c.IngressBytes)
		w.Status.Code = c.StatusCode
		want = append(want, w)
	}
	if !reflect.DeepEqual(resp.Connections, want) {
		t.Errorf("aws CLI rows differ:\n got %+v\nwant %+v", resp.Connections, want)
	}

	// And errors.
	out, err = aws("describe-client-vpn-connections", "--endpoint-url", run.URL, "--region", "eu-west-1",
		"--client-vpn-endpoint-id", small.ID)
	if err == nil || !strings.Contains(string(out), "InvalidClientVpnEndpointId.NotFound") || !strings.Contains(string(out), small.ID) {
		t.Errorf("aws CLI error: %v %s", err, out)
	}
}

func uintString(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
