package clientvpn

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ReadOnlyBody wraps an SDK HTTP client so that net/http sees request
// bodies only through Read and Close. Every EC2 client of the Service uses
// it; tests that drive the SDK against the fake endpoint should too.
//
// Why: for a body net/http does not recognise as in-memory, the Transport
// flushes the headers, hands the body to the socket (TCPConn.ReadFrom), and
// then reads it once more to confirm EOF. A fast server has answered by
// then, the SDK closes the request body as soon as Do returns, and the
// closed body's WriteTo reports io.EOF as an error. The Transport takes that
// for a failed write and closes the keep-alive connection, sometimes under
// the next request already queued on it, which is then sent again.
// Measured against the fake over 3,000 sequential calls: ~120 new
// connections and a few requests sent twice; with the body read-only, one
// connection and exactly 3,000 requests. Over TLS (real AWS) the body is
// buffered and the race is rarer, but it costs nothing to avoid.
func ReadOnlyBody(next aws.HTTPClient) aws.HTTPClient {
	return readOnlyBodyClient{next}
}

type readOnlyBodyClient struct{ next aws.HTTPClient }

func (c readOnlyBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		r := req.Clone(req.Context())
		r.Body = readCloser{req.Body}
		req = r
	}
	return c.next.Do(req)
}

// readCloser exposes only Read and Close, never WriteTo.
type readCloser struct{ io.ReadCloser }
