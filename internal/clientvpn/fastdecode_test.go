package clientvpn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/vpnsql/vpnsql/internal/ec2fake"
)

const (
	opConnections = "DescribeClientVpnConnections"
	opEndpoints   = "DescribeClientVpnEndpoints"
)

var (
	testNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	bothOps = []string{opConnections, opEndpoints}
)

// sdkDeserializers are the SDK's own OperationDeserializer middlewares of
// the two operations, taken from the stacks of a client that never sends.
var sdkDeserializers = sync.OnceValue(func() map[string]middleware.DeserializeMiddleware {
	found := map[string]middleware.DeserializeMiddleware{}
	errTaken := errors.New("taken")
	take := func(o *ec2.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			found[s.ID()], _ = s.Deserialize.Get("OperationDeserializer")
			return errTaken
		})
	}
	c := ec2.New(ec2.Options{Region: "us-east-1", Credentials: DummyCredentials(), BaseEndpoint: aws.String("http://127.0.0.1:1")})
	_, _ = c.DescribeClientVpnConnections(context.Background(), &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String("x")}, take)
	_, _ = c.DescribeClientVpnEndpoints(context.Background(), &ec2.DescribeClientVpnEndpointsInput{}, take)
	return found
})

// sdkDecode decodes a 200 answer of op with the SDK's deserializer.
func sdkDecode(op string, body []byte) (any, error) {
	m := sdkDeserializers()[op]
	if _, ok := m.(*fastDeserializer); ok || m == nil {
		panic("not the SDK's deserializer")
	}
	resp := &smithyhttp.Response{Response: &http.Response{StatusCode: 200, Header: http.Header{},
		Body: io.NopCloser(bytes.NewReader(body))}}
	out, _, err := m.HandleDeserialize(context.Background(), middleware.DeserializeInput{},
		replay(middleware.DeserializeOutput{RawResponse: resp}, middleware.Metadata{}, nil))
	if err != nil {
		return nil, err
	}
	return out.Result, nil
}

// fastDecode decodes a 200 answer of op with the fast decoder.
func fastDecode(op string, body []byte) (any, error) {
	switch op {
	case opConnections:
		out, err := decodeConnectionsOutput(body)
		if err != nil {
			return nil, err
		}
		return out, nil
	case opEndpoints:
		out, err := decodeEndpointsOutput(body)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	panic(op)
}

// sameOutput reports how a and b differ ("" if they are deeply equal).
func sameOutput(a, b any) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d of the JSON: %q vs %q", i+1, x, y)
		}
	}
	return fmt.Sprintf("differ beyond JSON (nil versus empty?):\n%#v\n%#v", a, b)
}

// checkAgainstSDK decodes body with both decoders. If the fast one accepts
// it, the SDK's must too, with the same result. It returns the fast
// decoder's error.
func checkAgainstSDK(t testing.TB, op string, body []byte) error {
	t.Helper()
	fast, fastErr := fastDecode(op, body)
	if fastErr != nil {
		if !errors.Is(fastErr, errFallback) {
			t.Fatalf("%s: fast decoder error is not a fallback: %v", op, fastErr)
		}
		return fastErr
	}
	sdk, sdkErr := sdkDecode(op, body)
	if sdkErr != nil {
		t.Fatalf("%s: the fast decoder accepts what the SDK refuses (%v):\n%.2000q", op, sdkErr, body)
	}
	if diff := sameOutput(fast, sdk); diff != "" {
		t.Fatalf("%s: fast decoder and SDK differ: %s\nbody: %.2000q", op, diff, body)
	}
	return nil
}

// recorder is an HTTP client that keeps the body of every 200 answer, by
// action.
type recorder struct {
	next  aws.HTTPClient
	mu    sync.Mutex
	pages map[string][][]byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	reqBody, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	form, _ := url.ParseQuery(string(reqBody))
	resp, err := r.next.Do(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if resp.StatusCode == http.StatusOK {
		r.mu.Lock()
		r.pages[form.Get("Action")] = append(r.pages[form.Get("Action")], body)
		r.mu.Unlock()
	}
	return resp, nil
}

func startFake(t testing.TB, ds *ec2fake.Dataset) *ec2fake.Running {
	t.Helper()
	run, err := ec2fake.Start(ec2fake.New(ds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	return run
}

// plainClient is an SDK client of the fake without the fast decoders.
func plainClient(run *ec2fake.Running, region string, http aws.HTTPClient, optFns ...func(*ec2.Options)) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       region,
		Credentials:  DummyCredentials(),
		BaseEndpoint: aws.String(run.URL),
		HTTPClient:   http,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		}),
	}, optFns...)
}

// fakePages returns every answer the fake gives for ds to the queries
// vpnsql makes (pages of 1000 and of 5, filters), by action.
func fakePages(t testing.TB, ds *ec2fake.Dataset) map[string][][]byte {
	t.Helper()
	run := startFake(t, ds)
	rec := &recorder{next: ec2fake.HTTPClient(), pages: map[string][][]byte{}}
	ctx := context.Background()
	for _, region := range ds.Regions {
		c := plainClient(run, region, rec)
		for _, size := range []int32{1000, 5} {
			p := ec2.NewDescribeClientVpnEndpointsPaginator(c, &ec2.DescribeClientVpnEndpointsInput{MaxResults: aws.Int32(size)})
			for p.HasMorePages() {
				if _, err := p.NextPage(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, e := range ds.Endpoints {
		c := plainClient(run, e.Region, rec)
		sizes := []int32{1000}
		if len(e.Connections) <= 100 {
			sizes = append(sizes, 5)
		}
		for _, size := range sizes {
			p := ec2.NewDescribeClientVpnConnectionsPaginator(c, &ec2.DescribeClientVpnConnectionsInput{
				ClientVpnEndpointId: aws.String(e.ID), MaxResults: aws.Int32(size)})
			for p.HasMorePages() {
				if _, err := p.NextPage(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(e.Connections) > 0 {
			in := &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(e.ID),
				Filters: []types.Filter{{Name: aws.String("connection-id"), Values: []string{e.Connections[0].ConnectionID}}}}
			if _, err := c.DescribeClientVpnConnections(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		in := &ec2.DescribeClientVpnEndpointsInput{ClientVpnEndpointIds: []string{e.ID}}
		if _, err := c.DescribeClientVpnEndpoints(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	return rec.pages
}

func testDatasets() map[string]*ec2fake.Dataset {
	return map[string]*ec2fake.Dataset{
		"sample": ec2fake.SampleDataset(testNow),
		"scaled": ec2fake.ScaledDataset(2, 2, 1500),
	}
}

// TestFastDecodeFakePages decodes every page the fake serves with both
// decoders: the fast one must take each of them and agree with the SDK.
func TestFastDecodeFakePages(t *testing.T) {
	for name, ds := range testDatasets() {
		t.Run(name, func(t *testing.T) {
			pages := fakePages(t, ds)
			rows := 0
			for _, op := range bothOps {
				if len(pages[op]) == 0 {
					t.Fatalf("no %s pages", op)
				}
				for _, body := range pages[op] {
					if err := checkAgainstSDK(t, op, body); err != nil {
						t.Fatalf("%s: the fast decoder does not take a page of the fake: %v", op, err)
					}
					rows += bytes.Count(body, []byte("<item>"))
				}
			}
			t.Logf("%d pages of connections, %d of endpoints, %d items", len(pages[opConnections]), len(pages[opEndpoints]), rows)
		})
	}
}

const (
	xmlHeader       = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	connectionsOpen = xmlHeader + `<DescribeClientVpnConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>`
	connectionsEnd  = `</DescribeClientVpnConnectionsResponse>`
	endpointsOpen   = xmlHeader + `<DescribeClientVpnEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>`
	endpointsEnd    = `</DescribeClientVpnEndpointsResponse>`
)

func conns(items string) string { return connectionsOpen + items + connectionsEnd }

func connItems(items ...string) string {
	return conns("<connections><item>" + strings.Join(items, "</item><item>") + "</item></connections>")
}

func endpoints(items ...string) string {
	return endpointsOpen + "<clientVpnEndpoint><item>" + strings.Join(items, "</item><item>") + "</item></clientVpnEndpoint>" + endpointsEnd
}

// fullConnection has every member of types.ClientVpnConnection.
const fullConnection = `<clientVpnEndpointId>cvpn-endpoint-0123456789abcdef0</clientVpnEndpointId>
<timestamp>2025-03-14 15:09:26</timestamp><connectionId>cvpn-connection-0123456789abcdef0</connectionId>
<username>zoë &amp; &lt;李雷&gt;</username><connectionEstablishedTime>2025-03-14 12:00:00</connectionEstablishedTime>
<ingressBytes>6442450944</ingressBytes><egressBytes>5368709120</egressBytes><ingressPackets>12</ingressPackets>
<egressPackets>7</egressPackets><clientIp>10.0.0.2</clientIp><clientIpv6Address>2001:db8::2</clientIpv6Address>
<commonName>CN=&quot;dev&quot; &apos;box&apos;</commonName><status><code>terminated</code><message>Client disconnected</message></status>
<connectionEndTime>2025-03-14 15:00:00</connectionEndTime>
<postureComplianceStatusSet><item>compliant</item><item>non-compliant</item></postureComplianceStatusSet>
<authorizationPolicyLastEvaluatedTime>2025-03-14 15:01:00</authorizationPolicyLastEvaluatedTime>`

// fullEndpoint has every member of types.ClientVpnEndpoint, nested ones
// included.
const fullEndpoint = `<clientVpnEndpointId>cvpn-endpoint-0123456789abcdef0</clientVpnEndpointId>
<description>Corporate VPN &amp; more</description><status><code>available</code><message>ok</message></status>
<creationTime>2018-12-11T13:14:10</creationTime><deletionTime>2030-01-01T00:00:00</deletionTime>
<dnsName>*.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.us-east-1.amazonaws.com</dnsName>
<clientCidrBlock>10.0.0.0/16</clientCidrBlock><dnsServer><item>10.0.0.2</item><item>10.0.0.3</item></dnsServer>
<splitTunnel>true</splitTunnel><vpnProtocol>openvpn</vpnProtocol><transportProtocol>udp</transportProtocol>
<vpnPort>443</vpnPort><associatedTargetNetwork><item><networkId>vpc-1</networkId><networkType>vpc</networkType></item></associatedTargetNetwork>
<serverCertificateArn>arn:aws:acm:us-east-1:123456789012:certificate/server</serverCertificateArn>
<authenticationOptions>
  <item><type>certificate-authentication</type><mutualAuthentication><clientRootCertificateChain>arn:aws:acm:chain</clientRootCertificateChain></mutualAuthentication></item>
  <item><type>directory-service-authentication</type><activeDirectory><directoryId>d-1234567890</directoryId></activeDirectory></item>
  <item><type>federated-authentication</type><federatedAuthentication><samlProviderArn>arn:aws:iam::1:saml-provider/a</samlProviderArn><selfServiceSamlProviderArn>arn:aws:iam::1:saml-provider/b</selfServiceSamlProviderArn></federatedAuthentication></item>
</authenticationOptions>
<connectionLogOptions><Enabled>true</Enabled><CloudwatchLogGroup>/aws/clientvpn</CloudwatchLogGroup><CloudwatchLogStream>stream</CloudwatchLogStream><IncludeAuthorizationPolicyContext>false</IncludeAuthorizationPolicyContext></connectionLogOptions>
<tagSet><item><key>Name</key><value>HQ</value></item><item><key>env</key><value>prod</value></item></tagSet>
<securityGroupIdSet><item>sg-1</item></securityGroupIdSet><vpcId>vpc-1</vpcId>
<selfServicePortalUrl>https://self-service.clientvpn.amazonaws.com/endpoints/cvpn-endpoint-0123456789abcdef0</selfServicePortalUrl>
<clientConnectOptions><enabled>false</enabled><lambdaFunctionArn>arn:aws:lambda:f</lambdaFunctionArn><status><code>applied</code><message>fine</message></status></clientConnectOptions>
<sessionTimeoutHours>24</sessionTimeoutHours>
<clientLoginBannerOptions><enabled>true</enabled><bannerText>Welcome &#x1F600;</bannerText></clientLoginBannerOptions>
<clientRouteEnforcementOptions><enforced>1</enforced></clientRouteEnforcementOptions>
<disconnectOnSessionTimeout>TRUE</disconnectOnSessionTimeout>
<endpointIpAddressType>dual-stack</endpointIpAddressType><trafficIpAddressType>ipv4</trafficIpAddressType>
<transitGatewayConfiguration><transitGatewayId>tgw-1</transitGatewayId><transitGatewayAttachmentId>tgw-attach-1</transitGatewayAttachmentId>
  <availabilityZoneSet><item>us-east-1a</item></availabilityZoneSet><availabilityZoneIdSet><item>use1-az1</item></availabilityZoneIdSet></transitGatewayConfiguration>
<devicePostureOptions><trustProviderSet><item><trustProviderType>crowdstrike</trustProviderType><tenantId>t-1</tenantId><publicSigningKeyUrl>https://k</publicSigningKeyUrl></item></trustProviderSet></devicePostureOptions>`

// TestFastDecodeCoversEveryMember guards against a newer SDK: the SDK's
// decoding of fullConnection and fullEndpoint must leave no exported member
// of the output types unset (else the fast decoder may not know it), and
// the fast decoder must agree.
func TestFastDecodeCoversEveryMember(t *testing.T) {
	for _, c := range []struct{ op, body string }{
		{opConnections, conns(`<connections><item>` + fullConnection + `</item></connections><nextToken>t</nextToken>`)},
		{opEndpoints, endpointsOpen + `<clientVpnEndpoint><item>` + fullEndpoint + `</item></clientVpnEndpoint><nextToken>t</nextToken>` + endpointsEnd},
	} {
		sdk, err := sdkDecode(c.op, []byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range unset(reflect.ValueOf(sdk), "") {
			if path != ".ResultMetadata" {
				t.Errorf("%s: %s is not set by the test document: does fastdecode.go decode it?", c.op, path)
			}
		}
		if err := checkAgainstSDK(t, c.op, []byte(c.body)); err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
	}
}

// unset lists the exported fields under v that hold their zero value (a
// pointer to a zero scalar is set; a field of list items is unset if it is
// in every item).
func unset(v reflect.Value, path string) (paths []string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		if v.Elem().Kind() != reflect.Struct {
			return nil
		}
		return unset(v.Elem(), path)
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		count := map[string]int{}
		for i := range v.Len() {
			for _, p := range unset(v.Index(i), path+"[]") {
				count[p]++
			}
		}
		for p, n := range count {
			if n == v.Len() {
				paths = append(paths, p)
			}
		}
		return paths
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				paths = append(paths, unset(v.Field(i), path+"."+f.Name)...)
			}
		}
		return paths
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

// fastCases are documents the fast decoder must take (and decode as the
// SDK does); fallbackCases are ones it must leave to the SDK.
var fastCases = []struct{ name, op, body string }{
	{"full connection", opConnections, connItems(fullConnection)},
	{"full endpoint", opEndpoints, endpoints(fullEndpoint)},
	{"entities", opConnections, connItems(`<username>o&apos;neil &amp; &quot;sons&quot; &lt;ltd&gt; ]]&gt;</username>`,
		`<commonName>&#233;&#xE9;&#xe9;&#x1F600;&#128512;&#0065;&#x000041;</commonName>`)},
	{"reference to a surrogate", opConnections, connItems(`<username>&#xD800;</username>`)},
	{"references to CR LF TAB", opConnections, connItems(`<username>a&#13;&#10;b&#xD;c&#9;</username>`)},
	{"raw CR LF", opConnections, connItems("<username>a\r\nb\rc\r\r\nd\n</username>")},
	{"CDATA", opConnections, connItems(`<username><![CDATA[a<b>&amp;c]]]></username><commonName><![CDATA[]]></commonName>`,
		"<username><![CDATA[x\r\ny]]></username>")},
	{"CDATA between elements", opConnections, connItems(`<![CDATA[ignored]]><username>u</username>`)},
	{"unicode", opConnections, connItems(`<username>李雷</username><commonName>zoë.ångström 🙂 �</commonName>`)},
	{"empty lists", opConnections, connItems(`<postureComplianceStatusSet/>`, `<postureComplianceStatusSet></postureComplianceStatusSet>`)},
	{"empty connections", opConnections, conns(`<connections/>`)},
	{"no connections", opConnections, conns(`<nextToken>abc</nextToken>`)},
	{"empty root", opConnections, xmlHeader + `<DescribeClientVpnConnectionsResponse/>`},
	{"absent members", opConnections, connItems(`<connectionId>c-1</connectionId>`, ``, `<status/>`, `<status><code>active</code></status>`)},
	{"empty values", opConnections, connItems(`<username/><commonName></commonName><clientIp> </clientIp><status><code/></status>`)},
	{"unknown members", opConnections, conns(`<futureTop a="1"><x><y>z</y></x><w/></futureTop><connections><future/>` +
		`<item><clientIpv7Address>::1</clientIpv7Address><futureStruct><a><b>x</b></a><c/>text</futureStruct>` +
		`<status><code>active</code><reason>r</reason></status>` +
		`<postureComplianceStatusSet><item>a</item><other>b</other><item>c</item></postureComplianceStatusSet>` +
		`<connectionId>c-1</connectionId></item></connections><nextToken>n</nextToken>`)},
	{"indented", opConnections, connectionsOpen + "\n  <connections>\n    <item>\n      <connectionId>c-1</connectionId>\n" +
		"      <status>\n        <code>active</code>\n      </status>\n      <postureComplianceStatusSet>\n        <item>compliant</item>\n" +
		"      </postureComplianceStatusSet>\n    </item>\n  </connections>\n  <nextToken>t</nextToken>\n" + connectionsEnd + "\n"},
	{"CRLF and tabs", opConnections, strings.ReplaceAll(connectionsOpen+"\n\t<connections>\n\t\t<item>\n\t\t\t<connectionId>c-1</connectionId>\n\t\t</item>\n\t</connections>\n"+connectionsEnd, "\n", "\r\n")},
	{"no prolog", opConnections, `<DescribeClientVpnConnectionsResponse><connections><item><connectionId>c</connectionId></item></connections></DescribeClientVpnConnectionsResponse>`},
	{"other prologs", opConnections, `  <?xml version="1.0"?>` + "\n" + `<r><nextToken>x</nextToken></r>`},
	{"other root", opConnections, `<?xml version="1.0" encoding="utf-8"?><Other><connections><item><username>u</username></item></connections></Other>`},
	{"trailing bytes", opConnections, conns(`<nextToken>x</nextToken>`) + "<garbage & \x00"},
	{"next tokens", opConnections, conns(`<nextToken/>`)},
	{"next token escaped", opConnections, conns(`<nextToken>a&amp;b&#x2B;/=</nextToken>`)},
	{"empty next token", opConnections, conns(`<nextToken></nextToken>`)},
	{"case-insensitive names", opConnections, conns(`<CONNECTIONS><ITEM><CLIENTIP>1.2.3.4</CLIENTIP><Status><CODE>active</CODE></Status>` +
		`<PostureComplianceStatusSET><Item>x</Item></PostureComplianceStatusSET></ITEM></CONNECTIONS><NEXTTOKEN>t</NEXTTOKEN>`)},
	{"repeated members", opConnections, conns(`<connections><item><username>a</username><username>b</username>` +
		`<status><code>active</code></status><status><message>m</message></status>` +
		`<postureComplianceStatusSet><item>x</item></postureComplianceStatusSet><postureComplianceStatusSet/>` +
		`<postureComplianceStatusSet><item>y</item></postureComplianceStatusSet></item></connections>` +
		`<nextToken>1</nextToken><connections><item><connectionId>2</connectionId></item></connections><nextToken>2</nextToken>`)},
	{"attributes", opConnections, xmlHeader + `<R xmlns="urn:x" xmlns:xsi='urn:y' a = "1&amp;2" b="]]>"><connections x="y"><item  z='&quot;' >` +
		`<username q="">u</username ></item></connections ></R>`},
	{"text between elements", opConnections, connItems(`junk &amp; more<username>u</username>more`)},
	{"end tags with space", opConnections, connItems("<username>u</username\n\t>")},
	{"endpoint types", opEndpoints, endpoints(`<vpnPort>+443</vpnPort><sessionTimeoutHours>4294967297</sessionTimeoutHours><splitTunnel>F</splitTunnel>`,
		`<vpnPort>-1</vpnPort><sessionTimeoutHours>0</sessionTimeoutHours><splitTunnel>0</splitTunnel>`)},
	{"endpoint empty structures", opEndpoints, endpoints(`<status/><connectionLogOptions/><clientConnectOptions><status/></clientConnectOptions>`+
		`<tagSet/><dnsServer/><authenticationOptions><item/></authenticationOptions><transitGatewayConfiguration/>`,
		`<connectionLogOptions><enabled>true</enabled><cloudwatchloggroup>g</cloudwatchloggroup></connectionLogOptions>`)},
	{"no endpoints", opEndpoints, endpointsOpen + `<clientVpnEndpoint/>` + endpointsEnd},
}

var fallbackCases = []struct{ name, op, body string }{
	{"comment", opConnections, connItems(`<!-- c --><username>u</username>`)},
	{"comment before root", opConnections, `<!-- c -->` + conns(``)},
	{"processing instruction", opConnections, connItems(`<?pi x?><username>u</username>`)},
	{"doctype", opConnections, `<!DOCTYPE r>` + conns(``)},
	{"BOM", opConnections, "\ufeff" + conns(``)},
	{"namespace prefix", opConnections, connItems(`<ec2:username xmlns:ec2="urn:x">u</ec2:username>`)},
	{"non-ASCII name", opConnections, connItems(`<usernamé>u</usernamé>`)},
	{"unknown entity", opConnections, connItems(`<username>&nbsp;</username>`)},
	{"entity without semicolon", opConnections, connItems(`<username>&amp</username>`)},
	{"uppercase X reference", opConnections, connItems(`<username>&#X41;</username>`)},
	{"reference out of range", opConnections, connItems(`<username>&#x110000;</username>`)},
	{"reference to NUL", opConnections, connItems(`<username>&#0;</username>`)},
	{"control character", opConnections, connItems("<username>a\x01</username>")},
	{"invalid UTF-8", opConnections, connItems("<username>a\xff</username>")},
	{"U+FFFE", opConnections, connItems("<username>\uFFFE</username>")},
	{"]]> in text", opConnections, connItems(`<username>a]]>b</username>`)},
	{"mismatched end tag", opConnections, connItems(`<username>u</commonName>`)},
	{"truncated", opConnections, connItems(`<username>u</username>`)[:200]},
	{"empty body", opConnections, ``},
	{"value with a child", opConnections, connItems(`<username><b>u</b></username>`)},
	{"text and CDATA", opConnections, connItems(`<username>a<![CDATA[b]]></username>`)},
	{"two CDATA sections", opConnections, connItems(`<username><![CDATA[a]]><![CDATA[b]]></username>`)},
	{"other encoding", opConnections, `<?xml version="1.0" encoding="ISO-8859-1"?>` + conns(``)[len(xmlHeader):]},
	{"unquoted attribute", opConnections, connItems(`<username a=b>u</username>`)},
	{"not a boolean", opEndpoints, endpoints(`<splitTunnel>yes</splitTunnel>`)},
	{"empty boolean", opEndpoints, endpoints(`<splitTunnel/>`)},
	{"not an integer", opEndpoints, endpoints(`<vpnPort>443.0</vpnPort>`)},
}

// TestFastDecodeCases checks the hand-written documents: XML the fast
// decoder must read as the SDK does, and XML it must leave to the SDK.
func TestFastDecodeCases(t *testing.T) {
	for _, c := range fastCases {
		t.Run(c.name, func(t *testing.T) {
			if err := checkAgainstSDK(t, c.op, []byte(c.body)); err != nil {
				t.Fatalf("fast decoder gave up: %v", err)
			}
		})
	}
	for _, c := range fallbackCases {
		t.Run("fallback/"+c.name, func(t *testing.T) {
			if err := checkAgainstSDK(t, c.op, []byte(c.body)); err == nil {
				t.Fatal("fast decoder took it")
			}
		})
	}
}

// FuzzFastDecode: on any input the fast decoder must not panic, and
// whatever it takes it must decode as the SDK does (what it does not take
// goes to the SDK). The seed corpus is the fake's pages (the small ones),
// the hand-written cases and some random documents.
func FuzzFastDecode(f *testing.F) {
	for _, ds := range testDatasets() {
		for _, pages := range fakePages(f, ds) {
			for _, body := range pages {
				if len(body) < 64<<10 {
					f.Add(body)
				}
			}
		}
	}
	for _, c := range fastCases {
		f.Add([]byte(c.body))
	}
	for _, c := range fallbackCases {
		f.Add([]byte(c.body))
	}
	g := &docGen{r: mrand.New(mrand.NewPCG(3, 4))}
	for range 20 {
		f.Add([]byte(g.document("connections", connectionSchema)))
		f.Add([]byte(g.document("clientVpnEndpoint", endpointSchema)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range bothOps {
			checkAgainstSDK(t, op, body)
		}
	})
}

// canned answers every request with one response; read fails after the
// body's bytes if readErr is set.
type canned struct {
	status  int
	body    string
	readErr error
}

func (c canned) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	var body io.Reader = strings.NewReader(c.body)
	if c.readErr != nil {
		body = io.MultiReader(body, errReader{c.readErr})
	}
	return &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"text/xml;charset=UTF-8"}, "X-Amzn-Requestid": {"req-1"}},
		Body: io.NopCloser(body), ContentLength: -1, Request: r}, nil
}

// TestFastDeserializerAnswersAsSDK runs whole operations through clients
// with and without the fast decoders on canned answers: results, errors
// (their text included) and the request id must be the same, whether the
// fast decoder takes the answer or leaves it to the SDK.
func TestFastDeserializerAnswersAsSDK(t *testing.T) {
	type tc struct {
		name string
		op   string
		resp canned
	}
	cases := []tc{
		{"error answer", opConnections, canned{status: 400, body: `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidClientVpnEndpointId.NotFound</Code><Message>Endpoint cvpn-endpoint-1 does not exist</Message></Error></Errors><RequestID>req-2</RequestID></Response>`}},
		{"error answer of endpoints", opEndpoints, canned{status: 403, body: `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>req-2</RequestID></Response>`}},
		{"unparseable error answer", opConnections, canned{status: 500, body: `oops`}},
		{"read error", opConnections, canned{status: 200, body: conns(`<nextToken>x</nextToken>`)[:100], readErr: errors.New("connection reset")}},
		{"read error after the document", opConnections, canned{status: 200, body: conns(`<nextToken>x</nextToken>`), readErr: errors.New("connection reset")}},
		{"empty body", opConnections, canned{status: 200}},
		{"206", opConnections, canned{status: 206, body: conns(`<nextToken>x</nextToken>`)}},
	}
	for _, c := range fastCases {
		cases = append(cases, tc{"fast/" + c.name, c.op, canned{status: 200, body: c.body}})
	}
	for _, c := range fallbackCases {
		cases = append(cases, tc{"fallback/" + c.name, c.op, canned{status: 200, body: c.body}})
	}
	call := func(c tc, fast bool) (any, error) {
		opts := ec2.Options{Region: "us-east-1", Credentials: DummyCredentials(), HTTPClient: c.resp,
			BaseEndpoint: aws.String("http://127.0.0.1:1"), RetryMaxAttempts: 1}
		var optFns []func(*ec2.Options)
		if fast {
			optFns = append(optFns, UseFastDecoders)
		}
		client := ec2.New(opts, optFns...)
		ctx := context.Background()
		var out any
		var md middleware.Metadata
		var err error
		if c.op == opConnections {
			var o *ec2.DescribeClientVpnConnectionsOutput
			o, err = client.DescribeClientVpnConnections(ctx, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String("cvpn-endpoint-1")})
			if o != nil {
				md, o.ResultMetadata = o.ResultMetadata, middleware.Metadata{}
				out = o
			}
		} else {
			var o *ec2.DescribeClientVpnEndpointsOutput
			o, err = client.DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{})
			if o != nil {
				md, o.ResultMetadata = o.ResultMetadata, middleware.Metadata{}
				out = o
			}
		}
		if err == nil {
			if id, _ := awsmiddleware.GetRequestIDMetadata(md); id != "req-1" {
				return nil, fmt.Errorf("request id %q", id)
			}
		}
		return out, err
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sdk, sdkErr := call(c, false)
			fast, fastErr := call(c, true)
			if fmt.Sprint(sdkErr) != fmt.Sprint(fastErr) {
				t.Fatalf("errors differ:\nSDK:  %v\nfast: %v", sdkErr, fastErr)
			}
			if sdkErr == nil {
				if diff := sameOutput(fast, sdk); diff != "" {
					t.Fatal(diff)
				}
			} else if c.resp.status >= 300 {
				a, b := apiError("r", c.op, sdkErr).(*APIError), apiError("r", c.op, fastErr).(*APIError)
				if a.Code != b.Code || a.Message != b.Message || a.Status != b.Status || a.Status != c.resp.status {
					t.Fatalf("API errors differ: %+v, %+v", a, b)
				}
			}
		})
	}
}

// TestServiceUsesFastDecoders pages through the fake with the Service's own
// clients and with plain SDK clients, with throttling on: the same rows,
// the same errors, and the fast deserializer is the one in the stack.
func TestServiceUsesFastDecoders(t *testing.T) {
	ds := ec2fake.SampleDataset(testNow)
	run := startFake(t, ds)
	run.Server.SetThrottleEvery(4)
	s := New(Config{EndpointURL: run.URL, Credentials: DummyCredentials(), Settings: Settings{CacheTTL: -1}, MaxBackoff: time.Millisecond})
	ctx := context.Background()

	region := ds.Endpoints[0].Region
	c, err := s.client(ctx, region)
	if err != nil {
		t.Fatal(err)
	}
	deserializers := map[string]string{}
	inspect := func(o *ec2.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			m, _ := st.Deserialize.Get("OperationDeserializer")
			deserializers[st.ID()] = fmt.Sprintf("%T", m)
			return nil
		})
	}
	_, _ = c.DescribeClientVpnConnections(ctx, &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(ds.Endpoints[0].ID)}, inspect)
	_, _ = c.DescribeClientVpnEndpoints(ctx, &ec2.DescribeClientVpnEndpointsInput{}, inspect)
	_, _ = c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}, inspect)
	want := map[string]string{opConnections: "*clientvpn.fastDeserializer", opEndpoints: "*clientvpn.fastDeserializer",
		"DescribeRegions": "*ec2.awsEc2query_deserializeOpDescribeRegions"}
	if !reflect.DeepEqual(deserializers, want) {
		t.Fatalf("deserializers %v, want %v", deserializers, want)
	}

	for _, region := range ds.Regions {
		plain := plainClient(run, region, ec2fake.HTTPClient())
		var got, want []types.ClientVpnEndpoint
		if err := s.Endpoints(ctx, EndpointQuery{Region: region}, func(p []types.ClientVpnEndpoint) error {
			got = append(got, p...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p := ec2.NewDescribeClientVpnEndpointsPaginator(plain, &ec2.DescribeClientVpnEndpointsInput{MaxResults: aws.Int32(pageSize)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, out.ClientVpnEndpoints...)
		}
		if diff := sameOutput(got, want); diff != "" {
			t.Fatalf("%s endpoints: %s", region, diff)
		}
	}
	for _, e := range ds.Endpoints {
		plain := plainClient(run, e.Region, ec2fake.HTTPClient())
		var got, want []types.ClientVpnConnection
		if err := s.Connections(ctx, ConnectionQuery{Region: e.Region, EndpointID: e.ID}, func(p []types.ClientVpnConnection) error {
			got = append(got, p...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p := ec2.NewDescribeClientVpnConnectionsPaginator(plain, &ec2.DescribeClientVpnConnectionsInput{
			ClientVpnEndpointId: aws.String(e.ID), MaxResults: aws.Int32(pageSize)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, out.Connections...)
		}
		if len(got) != len(e.Connections) {
			t.Fatalf("%s: %d connections, want %d", e.ID, len(got), len(e.Connections))
		}
		if diff := sameOutput(got, want); diff != "" {
			t.Fatalf("%s connections: %s", e.ID, diff)
		}
	}

	// An error answer keeps the SDK's code and message.
	err = s.Connections(ctx, ConnectionQuery{Region: region, EndpointID: "cvpn-endpoint-00000000000000000"},
		func([]types.ClientVpnConnection) error { return nil })
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "InvalidClientVpnEndpointId.NotFound" || ae.Status != 400 ||
		!strings.Contains(ae.Message, "cvpn-endpoint-00000000000000000") {
		t.Fatalf("error %#v", err)
	}
	throttled := 0
	for _, r := range run.Server.Requests() {
		if r.ErrorCode == "RequestLimitExceeded" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("no request was throttled")
	}
}

// BenchmarkDecodeConnectionsPage: one page of 1000 connections from the
// fake, decoded by the SDK's deserializer and by the fast decoder.
func BenchmarkDecodeConnectionsPage(b *testing.B) {
	var page []byte
	for _, body := range fakePages(b, ec2fake.ScaledDataset(1, 1, 1000))[opConnections] {
		if len(body) > len(page) {
			page = body
		}
	}
	for _, dec := range []struct {
		name   string
		decode func(string, []byte) (any, error)
	}{{"sdk", sdkDecode}, {"fast", fastDecode}} {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := dec.decode(opConnections, page)
				if err != nil || len(out.(*ec2.DescribeClientVpnConnectionsOutput).Connections) != 1000 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
		})
	}
}

// A schema of the members the SDK decodes, for random documents.
type member struct {
	name string
	kind byte     // 's' string, 'b' bool, 'i' integer, 'S' structure, 'L' list of strings, 'l' list of structures
	of   []member // the members of a structure or of list items
}

var (
	statusSchema     = []member{{"code", 's', nil}, {"message", 's', nil}}
	connectionSchema = []member{{"authorizationPolicyLastEvaluatedTime", 's', nil}, {"clientIp", 's', nil},
		{"clientIpv6Address", 's', nil}, {"clientVpnEndpointId", 's', nil}, {"commonName", 's', nil},
		{"connectionEndTime", 's', nil}, {"connectionEstablishedTime", 's', nil}, {"connectionId", 's', nil},
		{"egressBytes", 's', nil}, {"egressPackets", 's', nil}, {"ingressBytes", 's', nil},
		{"ingressPackets", 's', nil}, {"postureComplianceStatusSet", 'L', nil}, {"status", 'S', statusSchema},
		{"timestamp", 's', nil}, {"username", 's', nil}}
	endpointSchema = []member{
		{"associatedTargetNetwork", 'l', []member{{"networkId", 's', nil}, {"networkType", 's', nil}}},
		{"authenticationOptions", 'l', []member{
			{"activeDirectory", 'S', []member{{"directoryId", 's', nil}}},
			{"federatedAuthentication", 'S', []member{{"samlProviderArn", 's', nil}, {"selfServiceSamlProviderArn", 's', nil}}},
			{"mutualAuthentication", 'S', []member{{"clientRootCertificateChain", 's', nil}}},
			{"type", 's', nil}}},
		{"clientCidrBlock", 's', nil},
		{"clientConnectOptions", 'S', []member{{"enabled", 'b', nil}, {"lambdaFunctionArn", 's', nil}, {"status", 'S', statusSchema}}},
		{"clientLoginBannerOptions", 'S', []member{{"bannerText", 's', nil}, {"enabled", 'b', nil}}},
		{"clientRouteEnforcementOptions", 'S', []member{{"enforced", 'b', nil}}},
		{"clientVpnEndpointId", 's', nil},
		{"connectionLogOptions", 'S', []member{{"CloudwatchLogGroup", 's', nil}, {"CloudwatchLogStream", 's', nil},
			{"Enabled", 'b', nil}, {"IncludeAuthorizationPolicyContext", 'b', nil}}},
		{"creationTime", 's', nil}, {"deletionTime", 's', nil}, {"description", 's', nil},
		{"devicePostureOptions", 'S', []member{{"trustProviderSet", 'l', []member{{"publicSigningKeyUrl", 's', nil},
			{"tenantId", 's', nil}, {"trustProviderType", 's', nil}}}}},
		{"disconnectOnSessionTimeout", 'b', nil}, {"dnsName", 's', nil}, {"dnsServer", 'L', nil},
		{"endpointIpAddressType", 's', nil}, {"securityGroupIdSet", 'L', nil}, {"selfServicePortalUrl", 's', nil},
		{"serverCertificateArn", 's', nil}, {"sessionTimeoutHours", 'i', nil}, {"splitTunnel", 'b', nil},
		{"status", 'S', statusSchema}, {"tagSet", 'l', []member{{"key", 's', nil}, {"value", 's', nil}}},
		{"trafficIpAddressType", 's', nil},
		{"transitGatewayConfiguration", 'S', []member{{"availabilityZoneIdSet", 'L', nil}, {"availabilityZoneSet", 'L', nil},
			{"transitGatewayAttachmentId", 's', nil}, {"transitGatewayId", 's', nil}}},
		{"transportProtocol", 's', nil}, {"vpcId", 's', nil}, {"vpnPort", 'i', nil}, {"vpnProtocol", 's', nil}}
)

// docGen writes random documents of a schema: members in any order,
// repeated, missing, in other letter cases, unknown ones, values with
// references, CDATA, unicode, white space and attributes; now and then an
// invalid one.
type docGen struct {
	r *mrand.Rand
	b strings.Builder
}

func (g *docGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *docGen) space() {
	if g.r.IntN(3) == 0 {
		g.b.WriteString(g.pick(" ", "\n", "\n  ", "\r\n\t", "\t\t"))
	}
}

func (g *docGen) name(n string) string {
	switch g.r.IntN(12) {
	case 0:
		return strings.ToUpper(n)
	case 1:
		return strings.ToLower(n)
	case 2:
		return strings.ToUpper(n[:1]) + n[1:]
	}
	return n
}

func (g *docGen) open(n string) {
	g.b.WriteString("<" + n)
	if g.r.IntN(15) == 0 {
		g.b.WriteString(g.pick(` a="1"`, ` xmlns="urn:x"`, ` b='&amp;' c = "x"`))
	}
	g.space()
	g.b.WriteString(">")
}

func (g *docGen) close(n string) { g.b.WriteString("</" + n + g.pick(">", ">", ">", " >")) }

func (g *docGen) text(kind byte) string {
	switch kind {
	case 'b':
		return g.pick("true", "false", "1", "0", "TRUE", "False", "t", "F", "yes", "")
	case 'i':
		return g.pick("443", "0", "-1", "+24", "4294967297", "-2147483649", "007", "1e3", "")
	}
	return g.pick("", " ", "x", "10.0.0.1", "cvpn-connection-0123456789abcdef0", "2025-03-14 15:09:26", "-",
		"o&apos;neil &amp; &quot;sons&quot; &lt;ltd&gt;", "&#233;&#x1F600;&#xD800;", "李雷 zoë", "a&#13;&#10;b",
		"line\r\nbreak\rs", "<![CDATA[a<b>&c]]>", "<![CDATA[]]>", "]]&gt;", "\t x \t", "&#0;", "&nbsp;", "a]]>b")
}

func (g *docGen) value(n string, kind byte) {
	n = g.name(n)
	if g.r.IntN(10) == 0 {
		g.b.WriteString("<" + n + "/>")
		return
	}
	g.open(n)
	g.b.WriteString(g.text(kind))
	g.close(n)
}

func (g *docGen) unknown(depth int) {
	n := g.pick("future", "clientIpv7Address", "item", "x.y-z", "_u")
	if depth > 2 || g.r.IntN(2) == 0 {
		g.value(n, 's')
		return
	}
	g.open(n)
	for range g.r.IntN(3) {
		g.space()
		g.unknown(depth + 1)
	}
	g.close(n)
}

func (g *docGen) members(schema []member, depth int) {
	for range g.r.IntN(len(schema) + 3) {
		g.space()
		if g.r.IntN(12) == 0 {
			g.unknown(depth)
			continue
		}
		m := schema[g.r.IntN(len(schema))]
		switch m.kind {
		case 's', 'b', 'i':
			g.value(m.name, m.kind)
		default:
			n := g.name(m.name)
			if g.r.IntN(8) == 0 {
				g.b.WriteString("<" + n + "/>")
				continue
			}
			g.open(n)
			if m.kind == 'S' {
				g.members(m.of, depth+1)
			} else {
				for range g.r.IntN(4) {
					g.space()
					switch {
					case g.r.IntN(10) == 0:
						g.unknown(depth)
					case m.kind == 'L':
						g.value("item", 's')
					default:
						item := g.name("item")
						g.open(item)
						g.members(m.of, depth+1)
						g.close(item)
					}
				}
			}
			g.space()
			g.close(n)
		}
	}
}

func (g *docGen) document(list string, item []member) string {
	g.b.Reset()
	g.b.WriteString(g.pick(xmlHeader, "", `<?xml version="1.0"?>`))
	root := g.pick("DescribeResponse", "R")
	g.open(root)
	g.value("requestId", 's')
	top := []member{{list, 'l', item}, {"nextToken", 's', nil}}
	g.members(top, 0)
	g.space()
	g.close(root)
	return g.b.String()
}

// TestFastDecodeRandomDocuments compares both decoders on random
// documents: most of them valid, all shapes the SDK reads.
func TestFastDecodeRandomDocuments(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	g := &docGen{r: mrand.New(mrand.NewPCG(1, 2))}
	for _, c := range []struct {
		op, list string
		item     []member
	}{{opConnections, "connections", connectionSchema}, {opEndpoints, "clientVpnEndpoint", endpointSchema}} {
		fast, sdkOnly := 0, 0
		for range n {
			body := []byte(g.document(c.list, c.item))
			if err := checkAgainstSDK(t, c.op, body); err == nil {
				fast++
			} else if _, err := sdkDecode(c.op, body); err == nil {
				sdkOnly++
			}
		}
		t.Logf("%s: %d of %d documents decoded by the fast decoder; of the rest, the SDK reads %d", c.op, fast, n, sdkOnly)
		if fast < n/10 {
			t.Errorf("%s: the fast decoder took only %d of %d documents", c.op, fast, n)
		}
	}
}
