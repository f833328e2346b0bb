package clientvpn

// Checking that a 2xx answer is the document asked for.
//
// The SDK's EC2 deserializers read whatever XML a 2xx answer holds: they
// never look at the root element's name, skip elements they do not know,
// and stop reading once the members they want are behind them. So an error
// document sent with status 200 (<Response><Errors>…), a body cut short by
// a proxy, or an HTML page from one, decodes as an empty page without a
// nextToken: a listing silently ends early. vpnsql refuses such an answer
// for every operation it calls and makes the refusal retryable, so the
// SDK's retryer asks again (with backoff, as for a 5xx) before the call
// fails.

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// badDocumentError is a 2xx answer that is not the complete document of its
// operation.
type badDocumentError struct {
	op  string
	why string
}

func (e *badDocumentError) Error() string {
	return "the answer (HTTP 200) is not a complete " + e.op + "Response document: " + e.why
}

// RetryableError marks the error retryable for the SDK's retryer
// (retry.RetryableError in its IsErrorRetryables).
func (*badDocumentError) RetryableError() bool { return true }

// checkDocument reports, as a *badDocumentError, whether body is not one
// complete, well-formed XML document whose root element is op+"Response"
// (in any namespace), with nothing but white space, comments and
// processing instructions after it.
func checkDocument(op string, body []byte) error {
	want := op + "Response"
	d := xml.NewDecoder(bytes.NewReader(body))
	depth, roots := 0, 0
	var errorDoc errorDocument
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if roots == 0 || depth != 0 {
				return &badDocumentError{op, "the document ends early"}
			}
			return nil
		}
		if err != nil {
			if roots == 0 {
				return &badDocumentError{op, "not XML (" + shorten(err.Error()) + ")"}
			}
			return &badDocumentError{op, "the document ends early or is broken (" + shorten(err.Error()) + ")"}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return &badDocumentError{op, "a second root element <" + t.Name.Local + "> follows it"}
				}
				if t.Name.Local != want {
					return &badDocumentError{op, errorDoc.describe(d, t)}
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return &badDocumentError{op, "text outside the root element"}
			}
		}
	}
}

// errorDocument reads EC2's error document, to say which error a 2xx
// answer carried.
type errorDocument struct {
	Errors []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
}

// describe names the unexpected root element start, and the error it
// carries if it is an error document.
func (e *errorDocument) describe(d *xml.Decoder, start xml.StartElement) string {
	why := "the root element is <" + start.Name.Local + ">"
	if start.Name.Local == "Response" && d.DecodeElement(e, &start) == nil && len(e.Errors) > 0 {
		why += ", an error document: " + e.Errors[0].Code + ": " + e.Errors[0].Message
	}
	return shorten(why)
}

// addDocumentCheck makes every operation of a client check its 2xx
// answers with checkDocument, before its deserializer reads them. The fast
// decoder of DescribeClientVpnConnections checks its answers itself
// (fastdecode.go), so that operation is left alone here.
func addDocumentCheck(stack *middleware.Stack) error {
	if stack.ID() == fastOperation {
		return nil
	}
	// After the deserializer in the Deserialize step is nearer the wire:
	// the check sees the answer first.
	return stack.Deserialize.Insert(documentCheck{op: stack.ID()}, "OperationDeserializer", middleware.After)
}

type documentCheck struct{ op string }

func (documentCheck) ID() string { return "vpnsqlDocumentCheck" }

func (m documentCheck) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, metadata, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 || resp.Body == nil {
		return out, metadata, err
	}
	body, readErr := io.ReadAll(resp.Body)
	if readErr == nil {
		if err := checkDocument(m.op, body); err != nil {
			smithyhttp.CloseResponseBody(ctx, resp, false, nil)
			return out, metadata, err
		}
	}
	// The deserializer reads the same bytes (then the read error, if any).
	var r io.Reader = bytes.NewReader(body)
	if readErr != nil {
		r = io.MultiReader(r, errReader{readErr})
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{r, resp.Body}
	return out, metadata, nil
}

// maxMessage bounds every message vpnsql takes from a server or an error:
// what a user sees on one line, and what the warnings table keeps.
const maxMessage = 300

// shorten makes s one line of at most maxMessage bytes: runs of white
// space and control characters become one space, and a longer text is cut
// at a character boundary and ends with "…".
func shorten(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == ' ' || r == 0x85 || r == 0x2028 || r == 0x2029 {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		if b.Len() > maxMessage {
			break
		}
	}
	out := b.String()
	if len(out) <= maxMessage {
		return out
	}
	cut := maxMessage - len("…")
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + "…"
}
