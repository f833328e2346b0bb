package connlog

import "testing"

// TestParseFastAgreesWithEncodingJSON: whenever the scanner answers, its
// answer is encoding/json's, for records, odd spellings and every
// truncation of them.
func TestParseFastAgreesWithEncodingJSON(t *testing.T) {
	records := []string{
		`{"connection-log-type":"connection-reset","connection-id":"cvpn-connection-0123","client-ip":"NA","port":"443","ingress-bytes":"12","username":"alice"}`,
		` { "port" : 443 , "egress-bytes":1.5, "username": null, "common-name": true, "x": "y" } `,
		`{"username":"al\"ice","common-name":"caf\u00e9","device-ip":"a\\b"}`,
		`{"authorization-policy-evaluation":{"result":"deny"},"posture-compliance-statuses":["a","b"],"port":"1"}`,
		`{"username":"é ünïcode","port":"-5","ingress-bytes":"99999999999999999999"}`,
		`{}`, `{"a":1}x`, `{"port":tru}`, `{"port":"1",}`, `{"port" "1"}`, "{\"username\":\"a\tb\"}",
		`{"username":"x","username":"y"}`, "{\"username\":\"\xff\"}", `[{"port":"1"}]`, `"NA"`,
	}
	for _, r := range records[:2] {
		if _, ok := parseFast(r); !ok {
			t.Errorf("the scanner gave up on an ordinary record: %s", r)
		}
	}
	for _, r := range records {
		for n := 0; n <= len(r); n++ {
			m := r[:n]
			fast, ok := parseFast(m)
			if !ok {
				continue
			}
			if slow := parseJSON(m); fast != slow {
				t.Errorf("%q:\nfast %+v\njson %+v", m, fast, slow)
			}
		}
	}
}
