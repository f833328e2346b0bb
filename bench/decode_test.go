package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go/middleware"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

// BenchmarkDecodePage measures what contests 1 and 6 found to cost the CLI
// its CPU: turning one page of DescribeClientVpnConnections (1000
// connections, about 690 KB of XML, as the fake sends it) into
// types.ClientVpnConnection values. Both run the whole SDK operation, fed
// the page by an HTTP client that answers from memory (no network):
//
//   - sdk: the plain aws-sdk-go-v2 client, its encoding/xml based
//     deserializer;
//   - fast: the client as vpnsql makes it, with clientvpn.UseFastDecoders
//     (internal/clientvpn/fastdecode.go).
//
// go test -run '^$' -bench DecodePage ./bench/
func BenchmarkDecodePage(b *testing.B) {
	body, id := fakePage(b)
	in := &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(id), MaxResults: aws.Int32(1000)}
	var outputs []*ec2.DescribeClientVpnConnectionsOutput
	for _, c := range []struct {
		name string
		opts []func(*ec2.Options)
	}{{"sdk", nil}, {"fast", []func(*ec2.Options){clientvpn.UseFastDecoders}}} {
		client := ec2.New(ec2.Options{
			Region:       "us-east-1",
			Credentials:  clientvpn.DummyCredentials(),
			HTTPClient:   canned{body},
			BaseEndpoint: aws.String("http://127.0.0.1:1"),
		}, c.opts...)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			var out *ec2.DescribeClientVpnConnectionsOutput
			for b.Loop() {
				var err error
				out, err = client.DescribeClientVpnConnections(context.Background(), in)
				if err != nil || len(out.Connections) != 1000 {
					b.Fatalf("%v, %v", out, err)
				}
			}
			out.ResultMetadata = middleware.Metadata{}
			outputs = append(outputs, out)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
		})
	}
	// internal/clientvpn's tests check this thoroughly; here it keeps the
	// comparison honest.
	if len(outputs) == 2 && !reflect.DeepEqual(outputs[0], outputs[1]) {
		b.Fatal("the fast decoder's output differs from the SDK's")
	}
}

// fakePage fetches the first page of a 3000-connection endpoint from the fake.
func fakePage(tb testing.TB) (body []byte, endpointID string) {
	tb.Helper()
	f, err := startFake(fleet(1, 3000, false), false)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	id := endpointIDs(f.Dataset())[0]
	page, err := floorCall(context.Background(), http.DefaultClient, f.URL, "us-east-1", url.Values{
		"Action": {"DescribeClientVpnConnections"}, "ClientVpnEndpointId": {id}, "MaxResults": {"1000"}})
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(page), id
}

// canned is an HTTP client that answers every request with one body.
type canned struct{ body []byte }

func (c canned) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/xml;charset=UTF-8"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)), Request: r}, nil
}
