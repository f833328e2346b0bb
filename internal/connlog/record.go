package connlog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is how a record value is typed in SQL.
type Kind int

// Kinds of record values.
const (
	Text    Kind = iota // the record's string as is
	Integer             // a decimal counter, port or duration
	JSON                // a nested object or array, as JSON text
)

// Field is one key of the connection-log record.
type Field struct {
	Key  string // as in the record: connection-id
	Name string // camelCase, the column's name: connectionId
	Kind Kind
	Doc  string // one line, for the column's description
}

// Fields are the record's keys as AWS's Client VPN admin guide lists them
// ("Connection logging"), in the table's column order.
var Fields = [...]Field{
	{"connection-log-type", "connectionLogType", Text, "connection-attempt or connection-reset"},
	{"connection-attempt-status", "connectionAttemptStatus", Text, "successful, failed, waiting-for-assertion; NULL on resets"},
	{"connection-reset-status", "connectionResetStatus", Text, "assertion-received, or NULL"},
	{"connection-attempt-failure-reason", "connectionAttemptFailureReason", Text, "why an attempt failed, e.g. authorization-policy-deny"},
	{"connection-id", "connectionId", Text, "the Client VPN connection id"},
	{"client-vpn-endpoint-id", "clientVpnEndpointId", Text, "the endpoint the record is about (from the record itself)"},
	{"transport-protocol", "transportProtocol", Text, "udp or tcp"},
	{"connection-start-time", "connectionStartTime", Text, "when the connection started, UTC YYYY-MM-DD HH:MM:SS"},
	{"connection-last-update-time", "connectionLastUpdateTime", Text, "when the record's counters were last updated, UTC"},
	{"client-ip", "clientIp", Text, "the client's address in the client CIDR"},
	{"client-ip-v6", "clientIpv6", Text, "the client's IPv6 address, if any"},
	{"common-name", "commonName", Text, "the client certificate's common name"},
	{"device-type", "deviceType", Text, "the client device's type (mac, windows, ...)"},
	{"device-ip", "deviceIp", Text, "the client device's public IP address"},
	{"port", "port", Integer, "the client's source port"},
	{"ingress-bytes", "ingressBytes", Integer, "bytes sent by the client so far"},
	{"egress-bytes", "egressBytes", Integer, "bytes received by the client so far"},
	{"ingress-packets", "ingressPackets", Integer, "packets sent by the client so far"},
	{"egress-packets", "egressPackets", Integer, "packets received by the client so far"},
	{"connection-end-time", "connectionEndTime", Text, "when the connection ended, UTC; NULL while open or when the attempt failed"},
	{"posture-compliance-statuses", "postureComplianceStatuses", JSON, "the client-connect handler's posture statuses"},
	{"authorization-policy-evaluation", "authorizationPolicyEvaluation", JSON, "the authorization policy's evaluation, JSON (result, evaluation-type, reason, ...)"},
	{"username", "username", Text, "the directory or SAML user name"},
	{"connection-duration-seconds", "connectionDurationSeconds", Integer, "the session's duration in seconds"},
}

// Field indexes the table and tests refer to by name.
const (
	FieldConnectionID        = 4
	FieldClientVpnEndpointID = 5
	FieldConnectionStartTime = 7
	FieldUsername            = 22
)

var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(Fields))
	for i, f := range Fields {
		m[f.Key] = i
	}
	return m
}()

// Value is one parsed record value. The zero Value is absent: the key was
// missing, its value was "NA" or null, or the message was not a record.
type Value struct {
	Present bool
	IsInt   bool   // Int holds the value (an Integer field with a decimal value)
	Int     int64  //
	Text    string // the value otherwise: a string, or JSON text for nested values
}

// Record is one log event's message, parsed.
type Record struct {
	// Valid is false when the message is not one JSON object (truncated,
	// not JSON): every value is then absent and only the raw message tells.
	Valid  bool
	Values [len(Fields)]Value // indexed like Fields
}

// Parse reads one connection-log message. It never fails: a message that
// is not a JSON object gives a Record with Valid false. Keys it does not
// know are ignored here; the raw message keeps them.
//
// Records are flat objects of plain strings, so a scanner reads them
// without encoding/json's reflection; anything it is not sure about (an
// escape, invalid UTF-8, a syntax error) goes to encoding/json, which
// decides.
func Parse(message string) Record {
	if rec, ok := parseFast(message); ok {
		return rec
	}
	return parseJSON(message)
}

// parseJSON is Parse through encoding/json.
func parseJSON(message string) Record {
	var rec Record
	var raw map[string]json.RawMessage
	if json.Unmarshal([]byte(message), &raw) != nil || raw == nil {
		return rec
	}
	rec.Valid = true
	for key, v := range raw {
		i, ok := fieldIndex[key]
		if !ok {
			continue
		}
		rec.Values[i] = value(Fields[i].Kind, string(v))
	}
	return rec
}

// parseFast reads a JSON object whose keys and string values hold no
// escapes. ok false means "ask encoding/json", not "invalid".
func parseFast(m string) (rec Record, ok bool) {
	if !utf8.ValidString(m) {
		return rec, false
	}
	i := skipSpace(m, 0)
	if i >= len(m) || m[i] != '{' {
		return rec, false
	}
	i = skipSpace(m, i+1)
	if i < len(m) && m[i] == '}' {
		return Record{Valid: true}, skipSpace(m, i+1) == len(m)
	}
	for {
		key, next, ok := plainString(m, i)
		if !ok {
			return rec, false
		}
		i = skipSpace(m, next)
		if i >= len(m) || m[i] != ':' {
			return rec, false
		}
		i = skipSpace(m, i+1)
		if i >= len(m) {
			return rec, false
		}
		var raw string
		switch m[i] {
		case '"':
			_, next, ok := plainString(m, i)
			if !ok {
				return rec, false
			}
			raw, i = m[i:next], next
		case '{', '[':
			return rec, false // nested values: rare, and encoding/json compacts them
		default:
			end := i
			for end < len(m) && m[end] != ',' && m[end] != '}' && m[end] != ' ' && m[end] != '\t' && m[end] != '\n' && m[end] != '\r' {
				end++
			}
			if !json.Valid([]byte(m[i:end])) {
				return rec, false
			}
			raw, i = m[i:end], end
		}
		if f, known := fieldIndex[key]; known {
			rec.Values[f] = value(Fields[f].Kind, raw)
		}
		i = skipSpace(m, i)
		if i >= len(m) {
			return rec, false
		}
		switch m[i] {
		case ',':
			i = skipSpace(m, i+1)
		case '}':
			rec.Valid = true
			return rec, skipSpace(m, i+1) == len(m)
		default:
			return rec, false
		}
	}
}

// plainString reads a JSON string at m[i] with no escape or control
// character, returning its contents and the index after its closing quote.
func plainString(m string, i int) (s string, next int, ok bool) {
	if i >= len(m) || m[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(m); j++ {
		switch c := m[j]; {
		case c == '"':
			return m[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

func skipSpace(m string, i int) int {
	for i < len(m) && (m[i] == ' ' || m[i] == '\t' || m[i] == '\n' || m[i] == '\r') {
		i++
	}
	return i
}

// value converts one raw JSON value of a field of kind k.
func value(k Kind, raw string) Value {
	raw = strings.TrimSpace(raw)
	if len(raw) == 0 || raw == "null" {
		return Value{}
	}
	switch raw[0] {
	case '"':
		s, _, plain := plainString(raw, 0)
		if !plain && json.Unmarshal([]byte(raw), &s) != nil || s == "NA" {
			return Value{}
		}
		if k == Integer {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return Value{Present: true, IsInt: true, Int: n}
			}
		}
		// A counter that is not a decimal integer is kept as text rather
		// than lost.
		return Value{Present: true, Text: s}
	case '{', '[':
		var b bytes.Buffer
		if json.Compact(&b, []byte(raw)) != nil {
			return Value{}
		}
		return Value{Present: true, Text: b.String()}
	default: // a JSON number or boolean
		if k == Integer {
			if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
				return Value{Present: true, IsInt: true, Int: n}
			}
		}
		return Value{Present: true, Text: raw}
	}
}

// EventTimeLayout is how eventTime is shown: UTC with milliseconds, so
// that text order is time order and SQLite's date functions read it.
const EventTimeLayout = "2006-01-02 15:04:05.000"

// FormatEventTime formats a CloudWatch timestamp (ms since the epoch).
func FormatEventTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(EventTimeLayout)
}
