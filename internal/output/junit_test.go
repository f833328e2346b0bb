package output

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

// TestJUnitEscapesAndCounts: text from AWS (descriptions) with XML
// specials and control characters still gives a well-formed document whose
// counts match its cases.
func TestJUnitEscapesAndCounts(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, JUnit, Options{})
	if err := w.Begin([]string{"control", "title", "severity", "accountId", "region", "resource", "status", "reason"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{
		{"c1", "T <1>", "low", nil, "us-east-1", "cvpn-endpoint-1", "alarm", `"Ops" & <dev>` + "\x1b[31m"},
		{"c1", "T <1>", "low", nil, "us-east-1", "cvpn-endpoint-2", "ok", "fine"},
		{"c2", "T2", "high", nil, nil, nil, "error", "AccessDenied"},
		{"c2", "T2", "high", nil, "eu-west-1", "x", "skip", "deleted"},
	} {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if !strings.Contains(b.String(), `tests="4" failures="1" errors="1" skipped="1"`) || len(doc.Suites) != 2 {
		t.Fatalf("counts:\n%s", b.String())
	}
	c := doc.Suites[0].Cases[0]
	if c.Name != "us-east-1 cvpn-endpoint-1" || c.Failure == nil || c.Failure.Message != `"Ops" & <dev>`+"\ufffd[31m" {
		t.Errorf("case %+v", c)
	}
	if doc.Suites[1].Cases[0].Name != "c2" {
		t.Errorf("a row without region or resource is named after its control: %+v", doc.Suites[1].Cases[0])
	}
	if err := New(&b, JUnit, Options{}).Begin([]string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "junit output needs the columns") {
		t.Errorf("other columns: %v", err)
	}
}
