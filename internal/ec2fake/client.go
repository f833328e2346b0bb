package ec2fake

import (
	"io"
	"net/http"
)

// HTTPClient returns the HTTP client SDK clients of the fake should use
// (aws.Config.HTTPClient). It is a plain client whose transport works around
// a client-side race that a fast plain-HTTP server exposes:
//
// For a request body net/http does not recognise as in-memory, the
// Transport flushes the headers first and then hands the body straight to
// the TCP socket (TCPConn.ReadFrom), so the server has the whole request
// while the Transport's write loop still has one step left: reading the
// body once more to confirm EOF. The fake answers within microseconds, the
// SDK (smithy-go) closes the request body as soon as Do returns, and its
// closed body's WriteTo reports io.EOF as an error. The Transport takes that
// for a failed write and closes the connection under the response being
// read: "deserialization failed … use of closed network connection" on a
// 200. The default SDK retryer retries it (net.ErrClosed), which still
// shows up as an extra request in the log. Against real AWS it does not
// happen: over TLS the body is buffered and only flushed after that check.
//
// The transport hides the body's WriteTo, so the final check reads through
// Read, where a closed body is a clean EOF. Nothing else changes.
func HTTPClient() *http.Client {
	return &http.Client{Transport: Transport(http.DefaultTransport.(*http.Transport).Clone())}
}

// Transport wraps base with the request-body fix described at HTTPClient,
// for callers that bring their own transport.
func Transport(base http.RoundTripper) http.RoundTripper {
	return bodyReadOnly{base}
}

type bodyReadOnly struct{ base http.RoundTripper }

func (t bodyReadOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		r := req.Clone(req.Context())
		r.Body = readCloser{req.Body}
		req = r
	}
	return t.base.RoundTrip(req)
}

// readCloser exposes only Read and Close, never WriteTo.
type readCloser struct{ io.ReadCloser }
