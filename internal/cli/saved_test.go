package cli

import (
	"maps"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/queries"
)

func TestParseRunArgs(t *testing.T) {
	tests := []struct {
		line   string
		name   string
		params map[string]string
		err    string
	}{
		{"top_talkers", "top_talkers", nil, ""},
		{"  top_talkers   limit=5 ", "top_talkers", map[string]string{"limit": "5"}, ""},
		{`long_sessions hours=1 now='2026-11-26 12:00:00'`, "long_sessions", map[string]string{"hours": "1", "now": "2026-11-26 12:00:00"}, ""},
		{`x v="it's" w=`, "x", map[string]string{"v": "it's", "w": ""}, ""},
		{"", "", nil, "usage: .run NAME"},
		{"x limit", "", nil, `"limit": want PARAM=VALUE`},
		{"x a=1 a=2", "", nil, "parameter a given twice"},
		{"x v='open", "", nil, "unterminated ' quote"},
	}
	for _, tt := range tests {
		name, params, err := parseRunArgs(tt.line)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseRunArgs(%q) error %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil || name != tt.name || !maps.Equal(params, tt.params) {
			t.Errorf("parseRunArgs(%q) = %q, %q, %v", tt.line, name, params, err)
		}
	}
}

func TestPrepareSaved(t *testing.T) {
	r, err := prepareSaved("top_talkers", map[string]string{"limit": "3"})
	if err != nil || r.name != "top_talkers" || len(r.args) != 1 || !strings.Contains(r.sql, ":limit") {
		t.Fatalf("prepareSaved = %+v, %v", r, err)
	}
	if _, err := prepareSaved("top-talkers", nil); err == nil || !strings.Contains(err.Error(), "did you mean top_talkers") {
		t.Errorf("misspelt name: %v", err)
	}
	if _, err := prepareSaved("top_talkers", map[string]string{"max": "1"}); err == nil ||
		!strings.Contains(err.Error(), "its parameters are limit") {
		t.Errorf("unknown parameter: %v", err)
	}
}

// TestShowQueryParses: --show's text is a valid query file for every saved
// query, with the same header and statement.
func TestShowQueryParses(t *testing.T) {
	for _, q := range queries.All() {
		got, err := queries.Parse(q.Name, showQuery(q))
		if err != nil {
			t.Errorf("%s: %v", q.Name, err)
			continue
		}
		if got.Title != q.Title || got.Answers != q.Answers || len(got.Params) != len(q.Params) ||
			strings.TrimSpace(got.SQL) != strings.TrimSpace(q.SQL) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v", q.Name, got, q)
		}
		header, _, _ := strings.Cut(showQuery(q), "\n\n")
		for _, l := range strings.Split(header, "\n") {
			if !strings.HasPrefix(l, "-- param:") && len([]rune(l)) > 80 {
				t.Errorf("%s: header line longer than 80: %q", q.Name, l)
			}
		}
	}
}
