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
	"reflect"
	"slices"
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

var testNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// sdkDeserializer is the SDK's own OperationDeserializer middleware of
// DescribeClientVpnConnections, taken from the stack of a client that
// never sends.
var sdkDeserializer = sync.OnceValue(func() middleware.DeserializeMiddleware {
	var found middleware.DeserializeMiddleware
	errTaken := errors.New("taken")
	take := func(o *ec2.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			found, _ = s.Deserialize.Get("OperationDeserializer")
			return errTaken
		})
	}
	c := ec2.New(ec2.Options{Region: "us-east-1", Credentials: DummyCredentials(), BaseEndpoint: aws.String("http://127.0.0.1:1")})
	_, _ = c.DescribeClientVpnConnections(context.Background(), &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String("x")}, take)
	return found
})

// sdkDecode decodes a 200 answer of DescribeClientVpnConnections with the
// SDK's deserializer.
func sdkDecode(body []byte) (any, error) {
	m := sdkDeserializer()
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

// fastDecode decodes a 200 answer of DescribeClientVpnConnections with the
// fast decoder.
func fastDecode(body []byte) (any, error) {
	out, err := decodeConnectionsOutput(body)
	if err != nil {
		return nil, err
	}
	return out, nil
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

// checkedSDKDecode is the other path of the fast deserializer: the
// document check, then the SDK's deserializer.
func checkedSDKDecode(body []byte) (any, error) {
	if err := checkDocument(opConnections, body); err != nil {
		return nil, err
	}
	return sdkDecode(body)
}

// checkAgainstSDK decodes body with both decoders. If the fast one accepts
// it, the document check and the SDK's deserializer must too, with the
// same result (so what the check refuses, an incomplete document or one
// with another root, the fast decoder refuses too). It returns the fast
// decoder's error.
func checkAgainstSDK(t testing.TB, body []byte) error {
	t.Helper()
	fast, fastErr := fastDecode(body)
	if fastErr != nil {
		if !errors.Is(fastErr, errFallback) {
			t.Fatalf("fast decoder error is not a fallback: %v", fastErr)
		}
		return fastErr
	}
	sdk, sdkErr := checkedSDKDecode(body)
	if sdkErr != nil {
		t.Fatalf("the fast decoder accepts what the check or the SDK refuses (%v):\n%.2000q", sdkErr, body)
	}
	if diff := sameOutput(fast, sdk); diff != "" {
		t.Fatalf("fast decoder and SDK differ: %s\nbody: %.2000q", diff, body)
	}
	return nil
}

// recorder is an HTTP client that keeps the body of every 200 answer.
type recorder struct {
	next  aws.HTTPClient
	mu    sync.Mutex
	pages [][]byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
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
		r.pages = append(r.pages, body)
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

// fakePages returns every DescribeClientVpnConnections answer the fake
// gives for ds to the queries vpnsql makes (pages of 1000 and of 5,
// filters).
func fakePages(t testing.TB, ds *ec2fake.Dataset) [][]byte {
	t.Helper()
	run := startFake(t, ds)
	rec := &recorder{next: ReadOnlyBody(&http.Client{})}
	ctx := context.Background()
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
	}
	return rec.pages
}

func testDatasets() map[string]*ec2fake.Dataset {
	return map[string]*ec2fake.Dataset{
		"sample": ec2fake.SampleDataset(testNow),
		"scaled": ec2fake.ScaledDataset(2, 2, 1500),
	}
}

// TestFastDecodeFakePages decodes every page of connections the fake serves
// with both decoders: the fast one must take each of them and agree with
// the SDK.
func TestFastDecodeFakePages(t *testing.T) {
	for name, ds := range testDatasets() {
		t.Run(name, func(t *testing.T) {
			pages := fakePages(t, ds)
			if len(pages) == 0 {
				t.Fatal("no pages")
			}
			rows := 0
			for _, body := range pages {
				if err := checkAgainstSDK(t, body); err != nil {
					t.Fatalf("the fast decoder does not take a page of the fake: %v", err)
				}
				rows += bytes.Count(body, []byte("<item>"))
			}
			t.Logf("%d pages of connections, %d items", len(pages), rows)
		})
	}
}

const (
	xmlHeader       = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	connectionsOpen = xmlHeader + `<DescribeClientVpnConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>`
	connectionsEnd  = `</DescribeClientVpnConnectionsResponse>`
)

func conns(items string) string { return connectionsOpen + items + connectionsEnd }

func connItems(items ...string) string {
	return conns("<connections><item>" + strings.Join(items, "</item><item>") + "</item></connections>")
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

// TestFastDecodeCoversEveryMember guards against a newer SDK: the SDK's
// decoding of fullConnection must leave no exported member of the output
// type (types.ClientVpnConnection included) unset, else the fast decoder
// may not know it; and the fast decoder must agree.
func TestFastDecodeCoversEveryMember(t *testing.T) {
	body := []byte(conns(`<connections><item>` + fullConnection + `</item></connections><nextToken>t</nextToken>`))
	sdk, err := sdkDecode(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range unset(reflect.ValueOf(sdk), "") {
		if path != ".ResultMetadata" {
			t.Errorf("%s is not set by the test document: does fastdecode.go decode it?", path)
		}
	}
	if err := checkAgainstSDK(t, body); err != nil {
		t.Fatal(err)
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
var fastCases = []struct{ name, body string }{
	{"full connection", connItems(fullConnection)},
	{"entities", connItems(`<username>o&apos;neil &amp; &quot;sons&quot; &lt;ltd&gt; ]]&gt;</username>`,
		`<commonName>&#233;&#xE9;&#xe9;&#x1F600;&#128512;&#0065;&#x000041;</commonName>`)},
	{"reference to a surrogate", connItems(`<username>&#xD800;</username>`)},
	{"references to CR LF TAB", connItems(`<username>a&#13;&#10;b&#xD;c&#9;</username>`)},
	{"raw CR LF", connItems("<username>a\r\nb\rc\r\r\nd\n</username>")},
	{"CDATA", connItems(`<username><![CDATA[a<b>&amp;c]]]></username><commonName><![CDATA[]]></commonName>`,
		"<username><![CDATA[x\r\ny]]></username>")},
	{"CDATA between elements", connItems(`<![CDATA[ignored]]><username>u</username>`)},
	{"unicode", connItems(`<username>李雷</username><commonName>zoë.ångström 🙂 �</commonName>`)},
	{"empty lists", connItems(`<postureComplianceStatusSet/>`, `<postureComplianceStatusSet></postureComplianceStatusSet>`)},
	{"empty connections", conns(`<connections/>`)},
	{"no connections", conns(`<nextToken>abc</nextToken>`)},
	{"empty root", xmlHeader + `<DescribeClientVpnConnectionsResponse/>`},
	{"absent members", connItems(`<connectionId>c-1</connectionId>`, ``, `<status/>`, `<status><code>active</code></status>`)},
	{"empty values", connItems(`<username/><commonName></commonName><clientIp> </clientIp><status><code/></status>`)},
	{"unknown members", conns(`<futureTop a="1"><x><y>z</y></x><w/></futureTop><connections><future/>` +
		`<item><clientIpv7Address>::1</clientIpv7Address><futureStruct><a><b>x</b></a><c/>text</futureStruct>` +
		`<status><code>active</code><reason>r</reason></status>` +
		`<postureComplianceStatusSet><item>a</item><other>b</other><item>c</item></postureComplianceStatusSet>` +
		`<connectionId>c-1</connectionId></item></connections><nextToken>n</nextToken>`)},
	{"indented", connectionsOpen + "\n  <connections>\n    <item>\n      <connectionId>c-1</connectionId>\n" +
		"      <status>\n        <code>active</code>\n      </status>\n      <postureComplianceStatusSet>\n        <item>compliant</item>\n" +
		"      </postureComplianceStatusSet>\n    </item>\n  </connections>\n  <nextToken>t</nextToken>\n" + connectionsEnd + "\n"},
	{"CRLF and tabs", strings.ReplaceAll(connectionsOpen+"\n\t<connections>\n\t\t<item>\n\t\t\t<connectionId>c-1</connectionId>\n\t\t</item>\n\t</connections>\n"+connectionsEnd, "\n", "\r\n")},
	{"no prolog", `<DescribeClientVpnConnectionsResponse><connections><item><connectionId>c</connectionId></item></connections></DescribeClientVpnConnectionsResponse>`},
	{"other prologs", `  <?xml version="1.0"?>` + "\n" + `<DescribeClientVpnConnectionsResponse><nextToken>x</nextToken></DescribeClientVpnConnectionsResponse>`},
	{"trailing white space", conns(`<nextToken>x</nextToken>`) + "\r\n\t "},
	{"next tokens", conns(`<nextToken/>`)},
	{"next token escaped", conns(`<nextToken>a&amp;b&#x2B;/=</nextToken>`)},
	{"empty next token", conns(`<nextToken></nextToken>`)},
	{"case-insensitive names", conns(`<CONNECTIONS><ITEM><CLIENTIP>1.2.3.4</CLIENTIP><Status><CODE>active</CODE></Status>` +
		`<PostureComplianceStatusSET><Item>x</Item></PostureComplianceStatusSET></ITEM></CONNECTIONS><NEXTTOKEN>t</NEXTTOKEN>`)},
	{"repeated members", conns(`<connections><item><username>a</username><username>b</username>` +
		`<status><code>active</code></status><status><message>m</message></status>` +
		`<postureComplianceStatusSet><item>x</item></postureComplianceStatusSet><postureComplianceStatusSet/>` +
		`<postureComplianceStatusSet><item>y</item></postureComplianceStatusSet></item></connections>` +
		`<nextToken>1</nextToken><connections><item><connectionId>2</connectionId></item></connections><nextToken>2</nextToken>`)},
	{"attributes", xmlHeader + `<DescribeClientVpnConnectionsResponse xmlns="urn:x" xmlns:xsi='urn:y' a = "1&amp;2" b="]]>"><connections x="y"><item  z='&quot;' >` +
		`<username q="">u</username ></item></connections ></DescribeClientVpnConnectionsResponse>`},
	{"text between elements", connItems(`junk &amp; more<username>u</username>more`)},
	{"end tags with space", connItems("<username>u</username\n\t>")},
}

var fallbackCases = []struct{ name, body string }{
	{"comment", connItems(`<!-- c --><username>u</username>`)},
	{"comment before root", `<!-- c -->` + conns(``)},
	{"processing instruction", connItems(`<?pi x?><username>u</username>`)},
	{"doctype", `<!DOCTYPE r>` + conns(``)},
	{"BOM", "\ufeff" + conns(``)},
	{"namespace prefix", connItems(`<ec2:username xmlns:ec2="urn:x">u</ec2:username>`)},
	{"non-ASCII name", connItems(`<usernamé>u</usernamé>`)},
	{"unknown entity", connItems(`<username>&nbsp;</username>`)},
	{"entity without semicolon", connItems(`<username>&amp</username>`)},
	{"uppercase X reference", connItems(`<username>&#X41;</username>`)},
	{"reference out of range", connItems(`<username>&#x110000;</username>`)},
	{"reference to NUL", connItems(`<username>&#0;</username>`)},
	{"control character", connItems("<username>a\x01</username>")},
	{"invalid UTF-8", connItems("<username>a\xff</username>")},
	{"U+FFFE", connItems("<username>\uFFFE</username>")},
	{"]]> in text", connItems(`<username>a]]>b</username>`)},
	{"mismatched end tag", connItems(`<username>u</commonName>`)},
	{"value with a child", connItems(`<username><b>u</b></username>`)},
	{"text and CDATA", connItems(`<username>a<![CDATA[b]]></username>`)},
	{"two CDATA sections", connItems(`<username><![CDATA[a]]><![CDATA[b]]></username>`)},
	{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>` + conns(``)[len(xmlHeader):]},
	{"unquoted attribute", connItems(`<username a=b>u</username>`)},
	{"comment after the root", conns(`<nextToken>x</nextToken>`) + "<!-- c -->\n"},
	{"namespace prefix on the root", `<ec2:DescribeClientVpnConnectionsResponse xmlns:ec2="urn:x"><ec2:nextToken>x</ec2:nextToken></ec2:DescribeClientVpnConnectionsResponse>`},
}

// refusedCases are 2xx answers that are not a complete
// DescribeClientVpnConnectionsResponse document: the fast decoder and the
// document check must both refuse them (the SDK's deserializer alone reads
// most of them as an empty last page).
var refusedCases = []struct{ name, body string }{
	{"other root", `<?xml version="1.0" encoding="utf-8"?><Other><connections><item><username>u</username></item></connections></Other>`},
	{"error document", xmlHeader + `<Response><Errors><Error><Code>InternalError</Code><Message>oops</Message></Error></Errors><RequestID>r</RequestID></Response>`},
	{"root of another action", xmlHeader + `<DescribeClientVpnEndpointsResponse><nextToken>x</nextToken></DescribeClientVpnEndpointsResponse>`},
	{"trailing bytes", conns(`<nextToken>x</nextToken>`) + "<garbage & \x00"},
	{"second root", conns(``) + conns(``)[len(xmlHeader):]},
	{"text after the root", conns(``) + "x"},
	{"truncated", connItems(`<username>u</username>`)[:200]},
	{"truncated after a page", connItems(`<username>u</username>`)[:len(connItems(`<username>u</username>`))-len(connectionsEnd)]},
	{"empty body", ``},
	{"white space only", " \n"},
	{"prolog only", xmlHeader},
	{"HTML", `<html><body>502 Bad Gateway</body></html>`},
	{"not XML", `Service Unavailable`},
}

// TestFastDecodeCases checks the hand-written documents: XML the fast
// decoder must read as the SDK does, and XML it must leave to the SDK.
func TestFastDecodeCases(t *testing.T) {
	for _, c := range fastCases {
		t.Run(c.name, func(t *testing.T) {
			if err := checkAgainstSDK(t, []byte(c.body)); err != nil {
				t.Fatalf("fast decoder gave up: %v", err)
			}
		})
	}
	for _, c := range fallbackCases {
		t.Run("fallback/"+c.name, func(t *testing.T) {
			if err := checkAgainstSDK(t, []byte(c.body)); err == nil {
				t.Fatal("fast decoder took it")
			}
		})
	}
	for _, c := range refusedCases {
		t.Run("refused/"+c.name, func(t *testing.T) {
			if err := checkAgainstSDK(t, []byte(c.body)); err == nil {
				t.Fatal("fast decoder took it")
			}
			if _, err := checkedSDKDecode([]byte(c.body)); err == nil {
				t.Fatal("the document check took it")
			}
		})
	}
}

// TestRefuseTruncatedDocuments cuts documents at every offset: no cut
// leaving more than white space out is taken by either decoder path.
func TestRefuseTruncatedDocuments(t *testing.T) {
	for _, body := range truncationSeeds() {
		for n := range len(body) {
			cut := []byte(body[:n])
			if strings.TrimSpace(body[n:]) == "" {
				continue // only white space is missing: still complete
			}
			if err := checkAgainstSDK(t, cut); err == nil {
				t.Fatalf("the fast decoder takes %q cut at %d", body, n)
			}
			if _, err := checkedSDKDecode(cut); err == nil {
				t.Fatalf("the document check takes %q cut at %d", body, n)
			}
		}
	}
}

// truncationSeeds are documents with one of each construct (entities,
// CDATA, comments, prefixes, attributes) to cut anywhere.
func truncationSeeds() []string {
	return []string{
		connItems(fullConnection) + "\n",
		connItems(`<username>o&apos;neil &amp; <![CDATA[a<b>]]></username>`, `<!-- c --><ec2:x xmlns:ec2="urn:e">y</ec2:x>`),
		conns(`<connections/><nextToken>a&amp;b</nextToken>`),
	}
}

// FuzzFastDecode: on any input the fast decoder must not panic, and
// whatever it takes the document check must take and the SDK must decode
// the same way (what it does not take goes to the check and the SDK). The
// seed corpus is the fake's pages (the small ones), the hand-written cases
// (refused ones too), every truncation of a few documents, and some random
// documents. CI runs it for a few seconds (make fuzz-quick).
func FuzzFastDecode(f *testing.F) {
	for _, ds := range testDatasets() {
		for _, body := range fakePages(f, ds) {
			if len(body) < 64<<10 {
				f.Add(body)
			}
		}
	}
	for _, c := range fastCases {
		f.Add([]byte(c.body))
	}
	for _, c := range fallbackCases {
		f.Add([]byte(c.body))
	}
	for _, c := range refusedCases {
		f.Add([]byte(c.body))
	}
	// Every truncation of the shortest seed document, and every 17th of the
	// others: TestRefuseTruncatedDocuments tries every one of them anyway,
	// and a smaller corpus leaves the fuzzer's short run for fuzzing.
	seeds := truncationSeeds()
	slices.SortFunc(seeds, func(a, b string) int { return len(a) - len(b) })
	for i, body := range seeds {
		for n := 0; n < len(body); n++ {
			if i == 0 || n%17 == 0 {
				f.Add([]byte(body[:n]))
			}
		}
	}
	g := &docGen{r: mrand.New(mrand.NewPCG(3, 4))}
	for range 20 {
		f.Add([]byte(g.document()))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgainstSDK(t, body)
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

// TestFastDeserializerAnswersAsSDK runs whole DescribeClientVpnConnections
// operations through clients with the fast decoders and with the SDK's
// deserializer behind the document check, on canned answers: results,
// errors (their text included) and the request id must be the same,
// whether the fast decoder takes the answer or leaves it to the SDK.
func TestFastDeserializerAnswersAsSDK(t *testing.T) {
	type tc struct {
		name string
		resp canned
	}
	cases := []tc{
		{"error answer", canned{status: 400, body: `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidClientVpnEndpointId.NotFound</Code><Message>Endpoint cvpn-endpoint-1 does not exist</Message></Error></Errors><RequestID>req-2</RequestID></Response>`}},
		{"unparseable error answer", canned{status: 500, body: `oops`}},
		{"read error", canned{status: 200, body: conns(`<nextToken>x</nextToken>`)[:100], readErr: errors.New("connection reset")}},
		{"read error after the document", canned{status: 200, body: conns(`<nextToken>x</nextToken>`), readErr: errors.New("connection reset")}},
		{"206", canned{status: 206, body: conns(`<nextToken>x</nextToken>`)}},
	}
	for _, c := range fastCases {
		cases = append(cases, tc{"fast/" + c.name, canned{status: 200, body: c.body}})
	}
	for _, c := range fallbackCases {
		cases = append(cases, tc{"fallback/" + c.name, canned{status: 200, body: c.body}})
	}
	for _, c := range refusedCases {
		cases = append(cases, tc{"refused/" + c.name, canned{status: 200, body: c.body}})
	}
	// The reference: the SDK's deserializer behind the document check.
	checked := func(o *ec2.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Insert(documentCheck{op: st.ID()}, "OperationDeserializer", middleware.After)
		})
	}
	call := func(c tc, fast bool) (*ec2.DescribeClientVpnConnectionsOutput, error) {
		opts := ec2.Options{Region: "us-east-1", Credentials: DummyCredentials(), HTTPClient: c.resp,
			BaseEndpoint: aws.String("http://127.0.0.1:1"), RetryMaxAttempts: 1}
		optFns := []func(*ec2.Options){checked}
		if fast {
			optFns = []func(*ec2.Options){UseFastDecoders}
		}
		client := ec2.New(opts, optFns...)
		out, err := client.DescribeClientVpnConnections(context.Background(),
			&ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String("cvpn-endpoint-1")})
		if err != nil {
			return nil, err
		}
		var md middleware.Metadata
		md, out.ResultMetadata = out.ResultMetadata, middleware.Metadata{}
		if id, _ := awsmiddleware.GetRequestIDMetadata(md); id != "req-1" {
			return nil, fmt.Errorf("request id %q", id)
		}
		return out, nil
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
				a, b := apiError("r", opConnections, sdkErr).(*APIError), apiError("r", opConnections, fastErr).(*APIError)
				if a.Code != b.Code || a.Message != b.Message || a.Status != b.Status || a.Status != c.resp.status {
					t.Fatalf("API errors differ: %+v, %+v", a, b)
				}
			}
		})
	}
}

// TestServiceUsesFastDecoders pages through the fake with the Service's own
// clients and with plain SDK clients, with throttling on: the same rows,
// the same errors, and the fast deserializer is the one in the stack of
// DescribeClientVpnConnections (and only there).
func TestServiceUsesFastDecoders(t *testing.T) {
	ds := ec2fake.SampleDataset(testNow)
	run := startFake(t, ds)
	run.Server.SetThrottleEvery(4)
	s := New(Config{EndpointURL: run.URL, Credentials: DummyCredentials(), Settings: Settings{CacheTTL: -1}, MaxBackoff: time.Millisecond})
	ctx := context.Background()

	region := ds.Endpoints[0].Region
	c, err := s.client(ctx, "", region)
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
	want := map[string]string{opConnections: "*clientvpn.fastDeserializer",
		opEndpoints:       "*ec2.awsEc2query_deserializeOpDescribeClientVpnEndpoints",
		"DescribeRegions": "*ec2.awsEc2query_deserializeOpDescribeRegions"}
	if !reflect.DeepEqual(deserializers, want) {
		t.Fatalf("deserializers %v, want %v", deserializers, want)
	}

	for _, region := range ds.Regions {
		plain := plainClient(run, region, ReadOnlyBody(&http.Client{}))
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
		plain := plainClient(run, e.Region, ReadOnlyBody(&http.Client{}))
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

// TestEndpointsUseSDKDeserializer: UseFastDecoders leaves
// DescribeClientVpnEndpoints to the SDK. Through a client with it, the
// operation's stack holds the SDK's own deserializer, and every page of
// endpoints the fake serves (pages of 1000 and of 5, an error answer) is
// what a plain client gets.
func TestEndpointsUseSDKDeserializer(t *testing.T) {
	ds := ec2fake.SampleDataset(testNow)
	run := startFake(t, ds)
	ctx := context.Background()
	var deserializer string
	inspect := func(o *ec2.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			m, _ := st.Deserialize.Get("OperationDeserializer")
			deserializer = fmt.Sprintf("%T", m)
			return nil
		})
	}
	// pages lists the endpoints of region through a client made with
	// optFns, page by page, without the result metadata.
	pages := func(region string, size int32, optFns ...func(*ec2.Options)) (out []*ec2.DescribeClientVpnEndpointsOutput) {
		c := plainClient(run, region, ReadOnlyBody(&http.Client{}), optFns...)
		p := ec2.NewDescribeClientVpnEndpointsPaginator(c, &ec2.DescribeClientVpnEndpointsInput{MaxResults: aws.Int32(size)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx, inspect)
			if err != nil {
				t.Fatal(err)
			}
			if want := "*ec2.awsEc2query_deserializeOpDescribeClientVpnEndpoints"; deserializer != want {
				t.Fatalf("deserializer %s, want %s", deserializer, want)
			}
			page.ResultMetadata = middleware.Metadata{}
			out = append(out, page)
		}
		return out
	}
	endpoints := 0
	for _, region := range ds.Regions {
		for _, size := range []int32{1000, 5} {
			plain, fast := pages(region, size), pages(region, size, UseFastDecoders)
			if diff := sameOutput(fast, plain); diff != "" {
				t.Fatalf("%s, pages of %d: %s", region, size, diff)
			}
			if size == 5 {
				for _, p := range plain {
					endpoints += len(p.ClientVpnEndpoints)
				}
			}
		}
	}
	if endpoints != len(ds.Endpoints) {
		t.Fatalf("%d endpoints, want %d", endpoints, len(ds.Endpoints))
	}

	in := &ec2.DescribeClientVpnEndpointsInput{ClientVpnEndpointIds: []string{"cvpn-endpoint-00000000000000000"}}
	_, plainErr := plainClient(run, ds.Regions[0], ReadOnlyBody(&http.Client{})).DescribeClientVpnEndpoints(ctx, in)
	_, fastErr := plainClient(run, ds.Regions[0], ReadOnlyBody(&http.Client{}), UseFastDecoders).DescribeClientVpnEndpoints(ctx, in)
	if plainErr == nil || fastErr == nil {
		t.Fatalf("errors: %v, %v", plainErr, fastErr)
	}
	// The same error but for the request id.
	a, b := apiError("r", opEndpoints, plainErr).(*APIError), apiError("r", opEndpoints, fastErr).(*APIError)
	if a.Code != b.Code || a.Message != b.Message || a.Status != b.Status || a.Code != "InvalidClientVpnEndpointId.NotFound" {
		t.Fatalf("API errors differ: %+v, %+v", a, b)
	}
}

// BenchmarkDecodeConnectionsPage: one page of 1000 connections from the
// fake, decoded by the SDK's deserializer and by the fast decoder.
func BenchmarkDecodeConnectionsPage(b *testing.B) {
	var page []byte
	for _, body := range fakePages(b, ec2fake.ScaledDataset(1, 1, 1000)) {
		if len(body) > len(page) {
			page = body
		}
	}
	for _, dec := range []struct {
		name   string
		decode func([]byte) (any, error)
	}{{"sdk", sdkDecode}, {"fast", fastDecode}} {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := dec.decode(page)
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
	kind byte     // 's' string, 'S' structure, 'L' list of strings, 'l' list of structures
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

func (g *docGen) text() string {
	return g.pick("", " ", "x", "10.0.0.1", "cvpn-connection-0123456789abcdef0", "2025-03-14 15:09:26", "-",
		"o&apos;neil &amp; &quot;sons&quot; &lt;ltd&gt;", "&#233;&#x1F600;&#xD800;", "李雷 zoë", "a&#13;&#10;b",
		"line\r\nbreak\rs", "<![CDATA[a<b>&c]]>", "<![CDATA[]]>", "]]&gt;", "\t x \t", "&#0;", "&nbsp;", "a]]>b")
}

func (g *docGen) value(n string) {
	n = g.name(n)
	if g.r.IntN(10) == 0 {
		g.b.WriteString("<" + n + "/>")
		return
	}
	g.open(n)
	g.b.WriteString(g.text())
	g.close(n)
}

func (g *docGen) unknown(depth int) {
	n := g.pick("future", "clientIpv7Address", "item", "x.y-z", "_u")
	if depth > 2 || g.r.IntN(2) == 0 {
		g.value(n)
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
		case 's':
			g.value(m.name)
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
						g.value("item")
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

// document writes a DescribeClientVpnConnections answer.
func (g *docGen) document() string {
	g.b.Reset()
	g.b.WriteString(g.pick(xmlHeader, "", `<?xml version="1.0"?>`))
	root := g.pick("DescribeClientVpnConnectionsResponse", "DescribeClientVpnConnectionsResponse", "DescribeClientVpnConnectionsResponse", "R")
	g.open(root)
	g.value("requestId")
	top := []member{{"connections", 'l', connectionSchema}, {"nextToken", 's', nil}}
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
	fast, sdkOnly := 0, 0
	for range n {
		body := []byte(g.document())
		if err := checkAgainstSDK(t, body); err == nil {
			fast++
		} else if _, err := sdkDecode(body); err == nil {
			sdkOnly++
		}
	}
	t.Logf("%d of %d documents decoded by the fast decoder; of the rest, the SDK reads %d", fast, n, sdkOnly)
	if fast < n/10 {
		t.Errorf("the fast decoder took only %d of %d documents", fast, n)
	}
}
