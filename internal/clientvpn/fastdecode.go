package clientvpn

// Fast decoding of the response vpnsql reads in bulk.
//
// aws-sdk-go-v2 decodes EC2 Query responses with encoding/xml token by
// token; for DescribeClientVpnConnections that was 27 µs of CPU per row,
// most of the CLI's time (bench/RESULTS.md, contest 1). The decoder below
// scans the bytes of DescribeClientVpnConnections answers directly into
// the SDK's own output types, so everything above it (paginator, cache,
// virtual tables) is unchanged, and everything else stays the SDK's:
// signing, endpoint resolution, retries, error responses, and every other
// operation. DescribeClientVpnEndpoints keeps the SDK's deserializer: its
// answers are a few dozen endpoints per region, too few to be worth a
// decoder of their own.
//
// It replaces the operation's "OperationDeserializer" middleware with one
// that, for 2xx answers only, reads the body and decodes it here. It follows
// the generated deserializers (deserializers.go of service/ec2) rule for
// rule: element names match case-insensitively, unknown elements are
// skipped, repeated elements merge as they do there, a value is one piece
// of character data or one CDATA section, empty elements give "" and empty
// lists, absent ones leave nil. It accepts only a strict subset of XML,
// one that encoding/xml also accepts and reads the same way: ASCII element
// names without namespace prefixes, the five predefined and numeric
// character references, no comments, processing instructions or DOCTYPE
// after the prolog. Unlike the SDK's, it takes only a complete document
// whose root is DescribeClientVpnConnectionsResponse. Anything else, or
// anything it cannot read, goes to the document check (document.go) and
// then the SDK's own deserializer with the same bytes, so an unusual answer
// costs time, never a different result (fastdecode_test.go checks both
// paths agree on every page of the fake, on every truncation of a few
// documents, and under fuzzing).

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// UseFastDecoders makes the client decode DescribeClientVpnConnections
// answers with the fast decoder, and refuse (retryably) a 2xx answer of any
// operation that is not the complete document it asked for (document.go).
// It is an ec2.Options function, for ec2.New and ec2.NewFromConfig. Every
// other operation, DescribeClientVpnEndpoints included, keeps the SDK's
// deserializer.
func UseFastDecoders(o *ec2.Options) {
	// Clip first: the slice may share its array with aws.Config.APIOptions.
	o.APIOptions = append(o.APIOptions[:len(o.APIOptions):len(o.APIOptions)], addFastDeserializer, addDocumentCheck)
}

// fastOperation is the operation the fast decoder decodes.
const fastOperation = "DescribeClientVpnConnections"

// addFastDeserializer swaps the deserializer of DescribeClientVpnConnections;
// the stack of every other operation is left as it is.
func addFastDeserializer(stack *middleware.Stack) error {
	if stack.ID() != fastOperation {
		return nil
	}
	const id = "OperationDeserializer"
	sdk, ok := stack.Deserialize.Get(id)
	if !ok {
		return nil
	}
	_, err := stack.Deserialize.Swap(id, &fastDeserializer{sdk: sdk})
	return err
}

// fastDeserializer decodes 2xx answers itself and hands everything else,
// with the bytes it read, to the SDK's deserializer sdk.
type fastDeserializer struct {
	sdk middleware.DeserializeMiddleware
}

func (*fastDeserializer) ID() string { return "OperationDeserializer" }

func (m *fastDeserializer) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, metadata, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 || resp.Body == nil {
		// Transport failures and error answers: the SDK's, unchanged.
		return m.sdk.HandleDeserialize(ctx, in, replay(out, metadata, err))
	}

	_, span := tracing.StartSpan(ctx, "OperationDeserializer")
	defer span.End()
	buf := bodyBuffer(resp.ContentLength)
	body, readErr := readAll(resp.Body, buf)
	if readErr == nil {
		if result, err := decodeConnectionsOutput(body); err == nil {
			smithyhttp.CloseResponseBody(ctx, resp, false, nil)
			// Nothing refers to body any more: every string was copied.
			releaseBodyBuffer(body)
			out.Result = result
			return out, metadata, nil
		}
	}
	// What the fast decoder did not take must still be the complete
	// document of the operation (document.go); then the SDK's deserializer
	// gets the same bytes (and, if reading failed, the same read error after
	// them), so it fails or succeeds exactly as it would have on its own. It
	// closes the real body.
	if readErr == nil {
		if err := checkDocument(fastOperation, body); err != nil {
			smithyhttp.CloseResponseBody(ctx, resp, false, nil)
			return out, metadata, err
		}
	}
	var r io.Reader = bytes.NewReader(body)
	if readErr != nil {
		r = io.MultiReader(r, errReader{readErr})
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{r, resp.Body}
	return m.sdk.HandleDeserialize(ctx, in, replay(out, metadata, nil))
}

// replay is a next handler that returns what the real one returned.
func replay(out middleware.DeserializeOutput, metadata middleware.Metadata, err error) middleware.DeserializeHandler {
	return middleware.DeserializeHandlerFunc(func(context.Context, middleware.DeserializeInput) (
		middleware.DeserializeOutput, middleware.Metadata, error,
	) {
		return out, metadata, err
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Response bodies are read into pooled buffers: a page of 1000 connections
// is about 700 KB, and the decoder copies out every string it keeps.
var bodyPool sync.Pool // of *[]byte

const maxPooledBody = 8 << 20

func bodyBuffer(contentLength int64) []byte {
	var b []byte
	if p, _ := bodyPool.Get().(*[]byte); p != nil {
		b = (*p)[:0]
	}
	// One byte more than announced, so that reading to EOF needs no growth.
	if contentLength > 0 && contentLength < maxPooledBody && int64(cap(b)) <= contentLength {
		b = make([]byte, 0, contentLength+1)
	}
	return b
}

func releaseBodyBuffer(b []byte) {
	if cap(b) <= maxPooledBody {
		b = b[:0]
		bodyPool.Put(&b)
	}
}

// readAll is io.ReadAll into b.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
	}
}

// errFallback: the fast decoder does not take this body; the SDK's decides.
var errFallback = errors.New("clientvpn: response left to the SDK's decoder")

// decodeError says where and why the fast decoder gave up (for tests and
// debugging; the middleware only needs to know that it did).
type decodeError struct {
	offset int
	why    string
}

func (e *decodeError) Error() string {
	return errFallback.Error() + ": " + e.why + " at byte " + strconv.Itoa(e.offset)
}

func (e *decodeError) Unwrap() error { return errFallback }

// decodeConnectionsOutput decodes a DescribeClientVpnConnections answer as
// awsEc2query_deserializeOpDocumentDescribeClientVpnConnectionsOutput does.
func decodeConnectionsOutput(body []byte) (*ec2.DescribeClientVpnConnectionsOutput, error) {
	d := &xmlDecoder{b: body}
	root, empty, err := d.root()
	if err != nil {
		return nil, err
	}
	if string(root) != fastOperation+"Response" {
		return nil, d.fail("unexpected root element")
	}
	out := &ec2.DescribeClientVpnConnectionsOutput{}
	for !empty {
		name, e, err := d.child(root)
		if err != nil {
			return nil, err
		}
		if name == nil {
			break
		}
		switch fold(name, connectionsOutputFields) {
		case "connections":
			err = d.connectionSet(&out.Connections, name, e)
		case "nextToken":
			out.NextToken, err = d.stringPtr(name, e)
		default:
			err = d.skip(name, e)
		}
		if err != nil {
			return nil, err
		}
	}
	// The document must end here; anything but white space after the root
	// (a comment, a second root, garbage) is checkDocument's to judge.
	d.space()
	if d.p != len(d.b) {
		return nil, d.fail("content after the root element")
	}
	return out, nil
}

var connectionsOutputFields = []string{"connections", "nextToken"}

func (d *xmlDecoder) connectionSet(dst *[]types.ClientVpnConnection, parent []byte, empty bool) error {
	rows := *dst
	if rows == nil {
		rows = make([]types.ClientVpnConnection, 0)
	}
	for !empty {
		name, e, err := d.child(parent)
		if err != nil {
			return err
		}
		if name == nil {
			break
		}
		if fold(name, itemField) == "" {
			err = d.skip(name, e)
		} else {
			rows = append(rows, types.ClientVpnConnection{})
			err = d.connection(&rows[len(rows)-1], name, e)
		}
		if err != nil {
			return err
		}
	}
	*dst = rows
	return nil
}

var itemField = []string{"item"}

var connectionFields = []string{
	"authorizationPolicyLastEvaluatedTime", "clientIp", "clientIpv6Address", "clientVpnEndpointId",
	"commonName", "connectionEndTime", "connectionEstablishedTime", "connectionId", "egressBytes",
	"egressPackets", "ingressBytes", "ingressPackets", "postureComplianceStatusSet", "status",
	"timestamp", "username",
}

// connection decodes one item as awsEc2query_deserializeDocumentClientVpnConnection.
func (d *xmlDecoder) connection(c *types.ClientVpnConnection, parent []byte, empty bool) error {
	for !empty {
		name, e, err := d.child(parent)
		if err != nil {
			return err
		}
		if name == nil {
			break
		}
		switch fold(name, connectionFields) {
		case "authorizationPolicyLastEvaluatedTime":
			c.AuthorizationPolicyLastEvaluatedTime, err = d.stringPtr(name, e)
		case "clientIp":
			c.ClientIp, err = d.stringPtr(name, e)
		case "clientIpv6Address":
			c.ClientIpv6Address, err = d.stringPtr(name, e)
		case "clientVpnEndpointId":
			c.ClientVpnEndpointId, err = d.stringPtr(name, e)
		case "commonName":
			c.CommonName, err = d.stringPtr(name, e)
		case "connectionEndTime":
			c.ConnectionEndTime, err = d.stringPtr(name, e)
		case "connectionEstablishedTime":
			c.ConnectionEstablishedTime, err = d.stringPtr(name, e)
		case "connectionId":
			c.ConnectionId, err = d.stringPtr(name, e)
		case "egressBytes":
			c.EgressBytes, err = d.stringPtr(name, e)
		case "egressPackets":
			c.EgressPackets, err = d.stringPtr(name, e)
		case "ingressBytes":
			c.IngressBytes, err = d.stringPtr(name, e)
		case "ingressPackets":
			c.IngressPackets, err = d.stringPtr(name, e)
		case "postureComplianceStatusSet":
			err = d.stringList(&c.PostureComplianceStatuses, name, e)
		case "status":
			if c.Status == nil {
				c.Status = d.connStatuses.new()
			}
			err = d.connectionStatus(c.Status, name, e)
		case "timestamp":
			c.Timestamp, err = d.stringPtr(name, e)
		case "username":
			c.Username, err = d.stringPtr(name, e)
		default:
			err = d.skip(name, e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var statusFields = []string{"code", "message"}

func (d *xmlDecoder) connectionStatus(s *types.ClientVpnConnectionStatus, parent []byte, empty bool) error {
	return d.fields(parent, empty, statusFields, func(field string, name []byte, e bool) (err error) {
		switch field {
		case "code":
			var v string
			v, err = d.stringValue(name, e)
			s.Code = types.ClientVpnConnectionStatusCode(v)
		case "message":
			s.Message, err = d.stringPtr(name, e)
		default:
			err = d.skip(name, e)
		}
		return err
	})
}

// fields calls field for each child element of parent with the child's
// member name (the entry of names it matches, "" for none) and its element
// name and emptiness.
func (d *xmlDecoder) fields(parent []byte, empty bool, names []string, field func(field string, name []byte, empty bool) error) error {
	for !empty {
		name, e, err := d.child(parent)
		if err != nil {
			return err
		}
		if name == nil {
			return nil
		}
		if err := field(fold(name, names), name, e); err != nil {
			return err
		}
	}
	return nil
}

// stringList decodes a list of strings, appending to *dst; an empty list is
// empty, not nil.
func (d *xmlDecoder) stringList(dst *[]string, parent []byte, empty bool) error {
	items := d.list[:0]
	for !empty {
		name, e, err := d.child(parent)
		if err != nil {
			return err
		}
		if name == nil {
			break
		}
		if fold(name, itemField) == "" {
			err = d.skip(name, e)
		} else {
			var v []byte
			v, err = d.value(name, e)
			items = append(items, d.str(v))
		}
		if err != nil {
			return err
		}
	}
	d.list = items[:0]
	if *dst != nil {
		*dst = append(*dst, items...)
		return nil
	}
	if len(items) == 0 {
		*dst = make([]string, 0)
		return nil
	}
	*dst = d.stringSlice(items)
	return nil
}

func (d *xmlDecoder) stringValue(name []byte, empty bool) (string, error) {
	v, err := d.value(name, empty)
	return d.str(v), err
}

func (d *xmlDecoder) stringPtr(name []byte, empty bool) (*string, error) {
	v, err := d.value(name, empty)
	if err != nil {
		return nil, err
	}
	p := d.strings.new()
	*p = d.str(v)
	return p, nil
}

// fold returns the entry of names that name matches as the SDK matches
// member names (strings.EqualFold; names here are ASCII, see nameChar), or
// "" for none.
func fold(name []byte, names []string) string {
	for _, n := range names {
		if string(name) == n {
			return n
		}
	}
	for _, n := range names {
		if asciiEqualFold(name, n) {
			return n
		}
	}
	return ""
}

func asciiEqualFold(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// xmlDecoder scans one XML document in b. Its grammar is a strict subset of
// what encoding/xml accepts; where a document leaves it, a method returns
// a *decodeError and the caller gives the document to the SDK.
type xmlDecoder struct {
	b []byte
	p int // the next byte to read

	buf  []byte   // decoded character data when it differs from the raw bytes
	open [][]byte // skip's stack of open elements
	list []string // stringList's items

	// Allocation in bulk: the bytes of the decoded strings, and the
	// pointers and small structures that the SDK types hold.
	arena        []byte
	strings      slab[string]
	stringSlices []string
	connStatuses slab[types.ClientVpnConnectionStatus]
}

func (d *xmlDecoder) fail(why string) error { return &decodeError{offset: d.p, why: why} }

// slab hands out pointers to elements of larger arrays: one allocation for
// many values instead of one each.
type slab[T any] []T

func (s *slab[T]) new() *T {
	if len(*s) == 0 {
		*s = make([]T, 128)
	}
	p := &(*s)[0]
	*s = (*s)[1:]
	return p
}

// str returns v as a string whose bytes are in d.arena. The arena's bytes
// are written once, by this append, and never changed after: each string
// made with unsafe.String covers only bytes already written, and later
// appends only write past them (or into a new array).
func (d *xmlDecoder) str(v []byte) string {
	const chunk = 32 << 10
	if len(v) == 0 {
		return ""
	}
	if len(v) > chunk/8 {
		return string(v)
	}
	if cap(d.arena)-len(d.arena) < len(v) {
		d.arena = make([]byte, 0, chunk)
	}
	start := len(d.arena)
	d.arena = append(d.arena, v...)
	return unsafe.String(&d.arena[start], len(v))
}

// stringSlice copies items into a slice of its own length and capacity,
// cut from a larger array.
func (d *xmlDecoder) stringSlice(items []string) []string {
	n := len(items)
	if len(d.stringSlices) < n {
		d.stringSlices = make([]string, max(256, n))
	}
	s := d.stringSlices[:n:n]
	d.stringSlices = d.stringSlices[n:]
	copy(s, items)
	return s
}

// root reads the prolog and the root element's start tag, as
// smithyxml.FetchRootElement does (which does not check the root's name;
// decodeConnectionsOutput does).
func (d *xmlDecoder) root() (name []byte, empty bool, err error) {
	d.space()
	for _, prolog := range [...]string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<?xml version="1.0" encoding="utf-8"?>`,
		`<?xml version="1.0"?>`,
	} {
		if bytes.HasPrefix(d.b[d.p:], []byte(prolog)) {
			d.p += len(prolog)
			d.space()
			break
		}
	}
	if d.p+1 >= len(d.b) || d.b[d.p] != '<' {
		return nil, false, d.fail("no root element")
	}
	d.p++
	return d.startTag()
}

// child moves to the next child element of the open element parent,
// skipping character data as the SDK's NodeDecoder.Token does. It returns
// the child's name and whether it is empty (<name/>), or a nil name after
// reading parent's end tag.
func (d *xmlDecoder) child(parent []byte) (name []byte, empty bool, err error) {
	for {
		if err := d.charData(); err != nil {
			return nil, false, err
		}
		if d.p+1 >= len(d.b) {
			return nil, false, d.fail("unexpected end")
		}
		switch d.b[d.p+1] {
		case '/':
			d.p += 2
			return nil, false, d.endTag(parent)
		case '!':
			if err := d.cdata(nil); err != nil {
				return nil, false, err
			}
		case '?':
			return nil, false, d.fail("processing instruction")
		default:
			d.p++
			return d.startTag()
		}
	}
}

// skip reads past the rest of element name, as xml.Decoder.Skip does.
func (d *xmlDecoder) skip(name []byte, empty bool) error {
	if empty {
		return nil
	}
	open := append(d.open[:0], name)
	for len(open) > 0 {
		if err := d.charData(); err != nil {
			return err
		}
		if d.p+1 >= len(d.b) {
			return d.fail("unexpected end")
		}
		switch d.b[d.p+1] {
		case '/':
			d.p += 2
			if err := d.endTag(open[len(open)-1]); err != nil {
				return err
			}
			open = open[:len(open)-1]
		case '!':
			if err := d.cdata(nil); err != nil {
				return err
			}
		case '?':
			return d.fail("processing instruction")
		default:
			d.p++
			n, e, err := d.startTag()
			if err != nil {
				return err
			}
			if !e {
				open = append(open, n)
			}
		}
	}
	d.open = open[:0]
	return nil
}

// value reads the rest of element name as a value, as NodeDecoder.Value
// does: nothing (""), one piece of character data or one CDATA section, then
// the end tag. The result is valid until the next call.
func (d *xmlDecoder) value(name []byte, empty bool) ([]byte, error) {
	if empty {
		return nil, nil
	}
	var v []byte
	i := bytes.IndexByte(d.b[d.p:], '<')
	switch {
	case i < 0:
		return nil, d.fail("unexpected end")
	case i > 0:
		var err error
		if v, err = d.text(d.b[d.p:d.p+i], true); err != nil {
			return nil, err
		}
		d.p += i
	case d.p+1 < len(d.b) && d.b[d.p+1] == '!':
		var err error
		if v, err = d.cdataValue(); err != nil {
			return nil, err
		}
	}
	if d.p+1 >= len(d.b) || d.b[d.p] != '<' || d.b[d.p+1] != '/' {
		return nil, d.fail("not a value")
	}
	d.p += 2
	return v, d.endTag(name)
}

// charData skips character data up to the next '<', checking it as
// encoding/xml does.
func (d *xmlDecoder) charData() error {
	i := bytes.IndexByte(d.b[d.p:], '<')
	if i < 0 {
		return d.fail("unexpected end")
	}
	raw := d.b[d.p : d.p+i]
	for _, c := range raw {
		if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
			if _, err := d.text(raw, true); err != nil {
				return err
			}
			break
		}
	}
	d.p += i
	return nil
}

const cdataStart, cdataEnd = "<![CDATA[", "]]>"

// cdataValue reads a CDATA section at d.p and returns its text, valid
// until the next call.
func (d *xmlDecoder) cdataValue() ([]byte, error) {
	var v []byte
	err := d.cdata(&v)
	return v, err
}

// cdata reads a CDATA section at d.p (anything else after "<!", a comment
// or a DOCTYPE, is left to the SDK), storing its text in *v if v is not
// nil.
func (d *xmlDecoder) cdata(v *[]byte) error {
	if !bytes.HasPrefix(d.b[d.p:], []byte(cdataStart)) {
		return d.fail("comment or directive")
	}
	start := d.p + len(cdataStart)
	n := bytes.Index(d.b[start:], []byte(cdataEnd))
	if n < 0 {
		return d.fail("unterminated CDATA section")
	}
	raw := d.b[start : start+n]
	d.p = start + n + len(cdataEnd)
	// In CDATA only line ends are rewritten; the characters are checked.
	out := raw
	if bytes.IndexByte(raw, '\r') >= 0 {
		out = d.buf[:0]
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if c == '\r' {
				c = '\n'
				if i+1 < len(raw) && raw[i+1] == '\n' {
					i++
				}
			}
			out = append(out, c)
		}
		d.buf = out
	}
	if !validChars(out) {
		return d.fail("character outside XML's range")
	}
	if v != nil {
		*v = out
	}
	return nil
}

// text decodes character data (no '<' in raw) as xml.Decoder.text does:
// character references and the five predefined entities replaced, \r\n and
// \r made \n, "]]>" refused outside attribute values (inText), the result
// checked for invalid UTF-8 and characters outside XML's range. The result
// is raw itself or d.buf.
func (d *xmlDecoder) text(raw []byte, inText bool) ([]byte, error) {
	plain := true
	for i, c := range raw {
		if c < 0x20 || c >= 0x80 || c == '&' || c == '>' {
			if c == '\t' || c == '\n' {
				continue
			}
			if c == '>' {
				if inText && i >= 2 && raw[i-1] == ']' && raw[i-2] == ']' {
					return nil, d.fail("]]> in text")
				}
				continue
			}
			plain = false
			break
		}
	}
	if plain {
		return raw, nil
	}
	if inText && bytes.Contains(raw, []byte(cdataEnd)) {
		return nil, d.fail("]]> in text")
	}
	out := d.buf[:0]
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case '&':
			r, n := entity(raw[i+1:])
			if n == 0 {
				return nil, d.fail("invalid character reference")
			}
			out = utf8.AppendRune(out, r)
			i += 1 + n
		case '\r':
			out = append(out, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		default:
			out = append(out, c)
			i++
		}
	}
	d.buf = out
	if !validChars(out) {
		return nil, d.fail("invalid UTF-8 or character outside XML's range")
	}
	return out, nil
}

// entity decodes the reference after an '&' at the start of b and returns
// the character and the bytes it took (up to and including ';'), or 0 bytes
// if encoding/xml would refuse it. As there, a numeric reference to a
// surrogate gives U+FFFD, and the range check is left to validChars.
func entity(b []byte) (rune, int) {
	if len(b) > 0 && b[0] == '#' {
		i, base := 1, 10
		if len(b) > 1 && b[1] == 'x' {
			i, base = 2, 16
		}
		start := i
		for i < len(b) && (b[i] >= '0' && b[i] <= '9' || base == 16 && (b[i]|0x20 >= 'a' && b[i]|0x20 <= 'f')) {
			i++
		}
		if i >= len(b) || b[i] != ';' {
			return 0, 0
		}
		n, err := strconv.ParseUint(string(b[start:i]), base, 64)
		if err != nil || n > utf8.MaxRune {
			return 0, 0
		}
		return rune(n), i + 1
	}
	for _, e := range [...]struct {
		name string
		r    rune
	}{{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"apos;", '\''}, {"quot;", '"'}} {
		if bytes.HasPrefix(b, []byte(e.name)) {
			return e.r, len(e.name)
		}
	}
	return 0, 0
}

// validChars reports whether b is UTF-8 of characters in XML's Char range,
// the check encoding/xml makes of all character data.
func validChars(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if !(r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
		i += n
	}
	return true
}

// nameChar classifies ASCII bytes for names: 1 may start one, 2 may only
// continue one. Names here are ASCII, start with a letter or '_', and have
// no ':' (encoding/xml would split a namespace prefix off); any other name
// makes the decoder give up.
var nameChar = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = 1, 1
	}
	t['_'] = 1
	for c := '0'; c <= '9'; c++ {
		t[c] = 2
	}
	t['-'], t['.'] = 2, 2
	return t
}()

// name reads a name at d.p; nil if there is none.
func (d *xmlDecoder) name() []byte {
	start := d.p
	if d.p >= len(d.b) || nameChar[d.b[d.p]] != 1 {
		return nil
	}
	d.p++
	for d.p < len(d.b) && nameChar[d.b[d.p]] != 0 {
		d.p++
	}
	return d.b[start:d.p]
}

// space skips white space and reports whether there was any.
func (d *xmlDecoder) space() bool {
	start := d.p
	for d.p < len(d.b) {
		switch d.b[d.p] {
		case ' ', '\t', '\n', '\r':
			d.p++
			continue
		}
		break
	}
	return d.p > start
}

// startTag reads a start tag after its '<': the name, attributes (checked,
// then ignored, as the SDK ignores them), and '>' or "/>".
func (d *xmlDecoder) startTag() (name []byte, empty bool, err error) {
	name = d.name()
	if name == nil {
		return nil, false, d.fail("invalid element name")
	}
	for {
		spaced := d.space()
		if d.p >= len(d.b) {
			return nil, false, d.fail("unexpected end")
		}
		switch d.b[d.p] {
		case '>':
			d.p++
			return name, false, nil
		case '/':
			if d.p+1 < len(d.b) && d.b[d.p+1] == '>' {
				d.p += 2
				return name, true, nil
			}
			return nil, false, d.fail("invalid start tag")
		}
		if !spaced {
			return nil, false, d.fail("invalid start tag")
		}
		if err := d.attribute(); err != nil {
			return nil, false, err
		}
	}
}

// attribute reads name="value" or name='value'. The name may have one
// prefix (xmlns:ec2).
func (d *xmlDecoder) attribute() error {
	if d.name() == nil {
		return d.fail("invalid attribute name")
	}
	if d.p < len(d.b) && d.b[d.p] == ':' {
		d.p++
		if d.name() == nil {
			return d.fail("invalid attribute name")
		}
	}
	d.space()
	if d.p >= len(d.b) || d.b[d.p] != '=' {
		return d.fail("attribute without value")
	}
	d.p++
	d.space()
	if d.p >= len(d.b) || d.b[d.p] != '"' && d.b[d.p] != '\'' {
		return d.fail("unquoted attribute value")
	}
	quote := d.b[d.p]
	d.p++
	n := bytes.IndexByte(d.b[d.p:], quote)
	if n < 0 {
		return d.fail("unterminated attribute value")
	}
	raw := d.b[d.p : d.p+n]
	if bytes.IndexByte(raw, '<') >= 0 {
		return d.fail("< in attribute value")
	}
	if _, err := d.text(raw, false); err != nil {
		return err
	}
	d.p += n + 1
	return nil
}

// endTag reads an end tag after its "</"; it must close element name.
func (d *xmlDecoder) endTag(name []byte) error {
	if !bytes.HasPrefix(d.b[d.p:], name) {
		return d.fail("mismatched end tag")
	}
	d.p += len(name)
	d.space()
	if d.p >= len(d.b) || d.b[d.p] != '>' {
		return d.fail("mismatched end tag")
	}
	d.p++
	return nil
}
