package connlog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
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
}

// Fields are the record's keys as AWS's Client VPN admin guide lists them
// ("Connection logging"), in the table's column order.
var Fields = [...]Field{
	{"connection-log-type", "connectionLogType", Text},
	{"connection-attempt-status", "connectionAttemptStatus", Text},
	{"connection-reset-status", "connectionResetStatus", Text},
	{"connection-attempt-failure-reason", "connectionAttemptFailureReason", Text},
	{"connection-id", "connectionId", Text},
	{"client-vpn-endpoint-id", "clientVpnEndpointId", Text},
	{"transport-protocol", "transportProtocol", Text},
	{"connection-start-time", "connectionStartTime", Text},
	{"connection-last-update-time", "connectionLastUpdateTime", Text},
	{"client-ip", "clientIp", Text},
	{"client-ip-v6", "clientIpv6", Text},
	{"common-name", "commonName", Text},
	{"device-type", "deviceType", Text},
	{"device-ip", "deviceIp", Text},
	{"port", "port", Integer},
	{"ingress-bytes", "ingressBytes", Integer},
	{"egress-bytes", "egressBytes", Integer},
	{"ingress-packets", "ingressPackets", Integer},
	{"egress-packets", "egressPackets", Integer},
	{"connection-end-time", "connectionEndTime", Text},
	{"posture-compliance-statuses", "postureComplianceStatuses", JSON},
	{"authorization-policy-evaluation", "authorizationPolicyEvaluation", JSON},
	{"username", "username", Text},
	{"connection-duration-seconds", "connectionDurationSeconds", Integer},
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
func Parse(message string) Record {
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
		rec.Values[i] = value(Fields[i].Kind, v)
	}
	return rec
}

// value converts one raw JSON value of a field of kind k.
func value(k Kind, raw json.RawMessage) Value {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Value{}
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "NA" {
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
		if json.Compact(&b, raw) != nil {
			return Value{}
		}
		return Value{Present: true, Text: b.String()}
	default: // a JSON number or boolean
		if k == Integer {
			if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return Value{Present: true, IsInt: true, Int: n}
			}
		}
		return Value{Present: true, Text: string(raw)}
	}
}

// EventTimeLayout is how eventTime is shown: UTC with milliseconds, so
// that text order is time order and SQLite's date functions read it.
const EventTimeLayout = "2006-01-02 15:04:05.000"

// FormatEventTime formats a CloudWatch timestamp (ms since the epoch).
func FormatEventTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(EventTimeLayout)
}
