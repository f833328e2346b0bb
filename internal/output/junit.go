package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
)

// JUnit writes the rows of `vpnsql check` as JUnit XML, the report format
// CI systems read natively: one <testsuite> per control, one <testcase>
// per row (a checked resource), alarm rows as <failure>, error rows as
// <error>, skip rows as <skipped>; ok and info rows pass, info with its
// reason in <system-out>. It is not one of Formats(): only result sets
// with the check's columns (control, title, region, resource, status,
// reason) fit it. The document is written when the result set ends, since
// its counts come first.
const JUnit Format = "junit"

// junitColumns are the columns a JUnit result set must have.
var junitColumns = []string{"control", "title", "region", "resource", "status", "reason"}

type junitWriter struct {
	w      io.Writer
	col    map[string]int
	suites []*junitSuite
}

type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Props    []junitProp `xml:"properties>property"`
	Cases    []junitCase `xml:"testcase"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitProblem `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Type    string `xml:"type,attr,omitempty"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func newJUnitWriter(w io.Writer) *junitWriter { return &junitWriter{w: w} }

func (j *junitWriter) Begin(columns []string) error {
	j.col = map[string]int{}
	for _, want := range junitColumns {
		i := slices.Index(columns, want)
		if i < 0 {
			return fmt.Errorf("junit output needs the columns %v (vpnsql check has them), got %v", junitColumns, columns)
		}
		j.col[want] = i
	}
	return nil
}

func (j *junitWriter) Row(values []any) error {
	get := func(name string) string { return displayText(formatText(values[j.col[name]])) }
	control, status, reason := get("control"), get("status"), get("reason")
	if len(j.suites) == 0 || j.suites[len(j.suites)-1].Name != control {
		j.suites = append(j.suites, &junitSuite{Name: control, Props: []junitProp{{"title", get("title")}}})
	}
	s := j.suites[len(j.suites)-1]
	name := strings.TrimSpace(get("region") + " " + get("resource"))
	if name == "" {
		name = control // a row about the whole control (skipped, failed)
	}
	tc := junitCase{Classname: "vpnsql.check." + control, Name: name}
	problem := &junitProblem{Type: status, Message: reason, Text: reason}
	switch status {
	case "alarm":
		tc.Failure = problem
		s.Failures++
	case "error":
		tc.Error = problem
		s.Errors++
	case "skip":
		tc.Skipped = &junitProblem{Message: reason}
		s.Skipped++
	default:
		tc.SystemOut = reason
	}
	s.Tests++
	s.Cases = append(s.Cases, tc)
	return nil
}

func (j *junitWriter) End() error {
	doc := junitSuites{Name: "vpnsql check", Suites: j.suites}
	for _, s := range j.suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	j.suites = nil
	if _, err := io.WriteString(j.w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(j.w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(j.w, "\n")
	return err
}

// Close has nothing left to write: End wrote the whole document.
func (j *junitWriter) Close() error { return nil }
