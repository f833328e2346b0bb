package main

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

// BenchmarkDecodePage measures what contests 1 and 6 found to cost the CLI
// its CPU: turning one page of DescribeClientVpnConnections (1000
// connections, about 690 KB of XML, as the fake sends it) into
// types.ClientVpnConnection values.
//
//   - sdk: the aws-sdk-go-v2 operation vpnsql calls today, fed the page by
//     an HTTP client that answers from memory (no network), so it is the
//     SDK's middleware stack and its encoding/xml based deserializer.
//   - scanner: a sketch of the fix, scanConnections below: a byte scanner
//     for this one fixed-shape response filling the same types.
//
// go test -run '^$' -bench DecodePage ./bench/
func BenchmarkDecodePage(b *testing.B) {
	body, id := fakePage(b)
	b.Run("sdk", func(b *testing.B) {
		client := ec2.New(ec2.Options{
			Region:       "us-east-1",
			Credentials:  clientvpn.DummyCredentials(),
			HTTPClient:   canned{body},
			BaseEndpoint: aws.String("http://127.0.0.1:1"),
		})
		in := &ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(id), MaxResults: aws.Int32(1000)}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			out, err := client.DescribeClientVpnConnections(context.Background(), in)
			if err != nil || len(out.Connections) != 1000 {
				b.Fatalf("%d connections, %v", len(out.Connections), err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
	})
	b.Run("scanner", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			rows, _, err := scanConnections(body)
			if err != nil || len(rows) != 1000 {
				b.Fatalf("%d connections, %v", len(rows), err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
	})
}

// TestScanConnectionsMatchesSDK keeps the sketch honest: on a page from
// the fake it yields exactly what the SDK yields.
func TestScanConnectionsMatchesSDK(t *testing.T) {
	body, id := fakePage(t)
	client := ec2.New(ec2.Options{Region: "us-east-1", Credentials: clientvpn.DummyCredentials(),
		HTTPClient: canned{body}, BaseEndpoint: aws.String("http://127.0.0.1:1")})
	out, err := client.DescribeClientVpnConnections(context.Background(),
		&ec2.DescribeClientVpnConnectionsInput{ClientVpnEndpointId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	rows, next, err := scanConnections(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(out.Connections) || aws.ToString(out.NextToken) != next {
		t.Fatalf("scanner: %d rows, token %q; SDK: %d rows, token %q", len(rows), next, len(out.Connections), aws.ToString(out.NextToken))
	}
	for i := range rows {
		a, b := rows[i], out.Connections[i]
		for _, f := range [][2]*string{{a.ClientIp, b.ClientIp}, {a.ClientVpnEndpointId, b.ClientVpnEndpointId},
			{a.CommonName, b.CommonName}, {a.ConnectionEndTime, b.ConnectionEndTime},
			{a.ConnectionEstablishedTime, b.ConnectionEstablishedTime}, {a.ConnectionId, b.ConnectionId},
			{a.EgressBytes, b.EgressBytes}, {a.EgressPackets, b.EgressPackets}, {a.IngressBytes, b.IngressBytes},
			{a.IngressPackets, b.IngressPackets}, {a.Timestamp, b.Timestamp}, {a.Username, b.Username},
			{a.Status.Message, b.Status.Message}} {
			if (f[0] == nil) != (f[1] == nil) || aws.ToString(f[0]) != aws.ToString(f[1]) {
				t.Fatalf("row %d: scanner %q, SDK %q", i, aws.ToString(f[0]), aws.ToString(f[1]))
			}
		}
		if a.Status.Code != b.Status.Code || len(a.PostureComplianceStatuses) != len(b.PostureComplianceStatuses) {
			t.Fatalf("row %d: status or posture differ", i)
		}
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

// scanConnections decodes the connections and the next token of a
// DescribeClientVpnConnections response by scanning its bytes: the shape is
// fixed (a list of flat items, status and postureComplianceStatusSet the
// only nested members), so it needs no general XML tokenizer. A sketch for
// the notes, not product code: it ignores members vpnsql does not read.
func scanConnections(body []byte) (rows []types.ClientVpnConnection, next string, err error) {
	s := xmlScan{b: body}
	if !s.seek("<connections>") {
		if bytes.Contains(body, []byte("<connections/>")) {
			return nil, tokenOf(body), nil
		}
		return nil, "", errors.New("no <connections>")
	}
	rows = make([]types.ClientVpnConnection, 0, 1000)
	for {
		name, closing := s.tag()
		switch {
		case string(name) == "connections" && closing:
			return rows, tokenOf(s.b[s.p:]), nil
		case string(name) != "item" || closing:
			return nil, "", errors.New("unexpected <" + string(name) + ">")
		}
		var c types.ClientVpnConnection
		for {
			name, closing := s.tag()
			if closing || len(name) == 0 {
				break // </item>
			}
			switch string(name) {
			case "status":
				c.Status = &types.ClientVpnConnectionStatus{}
				for {
					n, cl := s.tag()
					if cl || len(n) == 0 {
						break
					}
					v := s.text(n)
					if string(n) == "code" {
						c.Status.Code = types.ClientVpnConnectionStatusCode(*v)
					} else if string(n) == "message" {
						c.Status.Message = v
					}
				}
			case "postureComplianceStatusSet":
				c.PostureComplianceStatuses = []string{}
				for {
					n, cl := s.tag()
					if cl || len(n) == 0 {
						break
					}
					c.PostureComplianceStatuses = append(c.PostureComplianceStatuses, *s.text(n))
				}
			case "postureComplianceStatusSet/":
				c.PostureComplianceStatuses = []string{}
			default:
				v := s.text(name)
				switch string(name) {
				case "clientIp":
					c.ClientIp = v
				case "clientVpnEndpointId":
					c.ClientVpnEndpointId = v
				case "commonName":
					c.CommonName = v
				case "connectionEndTime":
					c.ConnectionEndTime = v
				case "connectionEstablishedTime":
					c.ConnectionEstablishedTime = v
				case "connectionId":
					c.ConnectionId = v
				case "egressBytes":
					c.EgressBytes = v
				case "egressPackets":
					c.EgressPackets = v
				case "ingressBytes":
					c.IngressBytes = v
				case "ingressPackets":
					c.IngressPackets = v
				case "timestamp":
					c.Timestamp = v
				case "username":
					c.Username = v
				}
			}
		}
		rows = append(rows, c)
	}
}

func tokenOf(b []byte) string {
	_, rest, ok := bytes.Cut(b, []byte("<nextToken>"))
	if !ok {
		return ""
	}
	tok, _, _ := bytes.Cut(rest, []byte("<"))
	return html.UnescapeString(string(tok))
}

type xmlScan struct {
	b []byte
	p int
}

func (s *xmlScan) seek(tag string) bool {
	i := bytes.Index(s.b[s.p:], []byte(tag))
	if i < 0 {
		return false
	}
	s.p += i + len(tag)
	return true
}

// tag reads the next tag: its name ("x/" for an empty <x/>) and whether it
// closes an element. At the end of the input the name is empty.
func (s *xmlScan) tag() (name []byte, closing bool) {
	i := bytes.IndexByte(s.b[s.p:], '<')
	if i < 0 {
		s.p = len(s.b)
		return nil, true
	}
	start := s.p + i + 1
	end := bytes.IndexByte(s.b[start:], '>')
	if end < 0 {
		s.p = len(s.b)
		return nil, true
	}
	s.p = start + end + 1
	raw := s.b[start : start+end]
	if len(raw) > 0 && raw[0] == '/' {
		return raw[1:], true
	}
	return raw, false
}

// text reads the character data of element name up to its end tag.
func (s *xmlScan) text(name []byte) *string {
	if name[len(name)-1] == '/' {
		v := ""
		return &v
	}
	i := bytes.IndexByte(s.b[s.p:], '<')
	if i < 0 {
		i = len(s.b) - s.p
	}
	raw := s.b[s.p : s.p+i]
	s.p += i
	s.tag() // </name>
	v := string(raw)
	if bytes.IndexByte(raw, '&') >= 0 {
		v = html.UnescapeString(v)
	}
	return &v
}
