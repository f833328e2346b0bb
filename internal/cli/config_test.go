package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnsql/vpnsql/internal/output"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, c Config)
	}{
		{"defaults", []string{"SELECT 1"}, func(t *testing.T, c Config) {
			if c.Format != output.Table || c.DB != ":memory:" || c.Concurrency != DefaultConcurrency ||
				c.Timeout != 0 || c.Demo || c.NoHeader || len(c.Regions) != 0 || !slices.Equal(c.Args, []string{"SELECT 1"}) {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{"regions repeated and comma separated", []string{"--region", "us-east-1, eu-west-1", "--region=ap-southeast-2"}, func(t *testing.T, c Config) {
			if want := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}; !slices.Equal(c.Regions, want) {
				t.Errorf("regions %q, want %q", c.Regions, want)
			}
		}},
		{"all flags", []string{"-o", "jsonl", "--output-file", "x.json", "--no-header", "--profile", "p",
			"--endpoint-url", "http://127.0.0.1:9", "--db", "a.db", "--timeout", "90s", "--concurrency", "3", "q.sql"},
			func(t *testing.T, c Config) {
				if c.Format != output.JSONLines || c.OutputFile != "x.json" || !c.NoHeader || c.Profile != "p" ||
					c.EndpointURL != "http://127.0.0.1:9" || c.DB != "a.db" || c.Timeout != 90*time.Second ||
					c.Concurrency != 3 || !slices.Equal(c.Args, []string{"q.sql"}) {
					t.Errorf("parsed %+v", c)
				}
			}},
		{"flags after arguments", []string{"SELECT 1", "-o", "csv"}, func(t *testing.T, c Config) {
			if c.Format != output.CSV || !slices.Equal(c.Args, []string{"SELECT 1"}) {
				t.Errorf("parsed %+v", c)
			}
		}},
		{"double dash ends flags", []string{"--", "-1"}, func(t *testing.T, c Config) {
			if !slices.Equal(c.Args, []string{"-1"}) {
				t.Errorf("args %q", c.Args)
			}
		}},
		{"help skips validation", []string{"--help", "-o", "bogus"}, func(t *testing.T, c Config) {
			if !c.Help {
				t.Error("Help not set")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseArgs(tt.args)
			if err != nil {
				t.Fatalf("ParseArgs(%q): %v", tt.args, err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "unknown flag: --nope"},
		{[]string{"-o", "yaml"}, `--output: unknown output format "yaml"`},
		{[]string{"--timeout", "-5s"}, "--timeout: -5s is negative"},
		{[]string{"--timeout", "5"}, "--timeout"},
		{[]string{"--concurrency", "-1"}, "--concurrency: -1"},
		{[]string{"--concurrency", "many"}, "--concurrency"},
		{[]string{"--region-concurrency", "0"}, "--region-concurrency: 0 is not a number from 1 to 256"},
		{[]string{"--stall-timeout", "0s"}, "--stall-timeout: 0s is not a positive duration"},
		{[]string{"--region", ","}, "--region: no region given"},
		{[]string{"--endpoint-url", "ftp://x"}, "--endpoint-url"},
		{[]string{"--endpoint-url", "http://"}, "--endpoint-url"},
		{[]string{"--output-file", ""}, "--output-file: no path given"},
		{[]string{"--db", ""}, "--db: no path given"},
		{[]string{"--demo", "--profile", "x"}, "--demo and --profile"},
	}
	for _, tt := range tests {
		_, err := ParseArgs(tt.args)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseArgs(%q) = %v, want a *UsageError", tt.args, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseArgs(%q) = %q, want it to contain %q", tt.args, err, tt.want)
		}
		if exitStatus(err) != ExitUsage {
			t.Errorf("ParseArgs(%q): exit status %d, want %d", tt.args, exitStatus(err), ExitUsage)
		}
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"near \"x\": syntax error", "near \"x\": syntax error"},
		{"first\nsecond\r\n  third \n\n", "first second third"},
		{"  padded  ", "padded"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{":memory:", ":memory:"},
		{"audit.db", "file:audit.db"},
		{"/tmp/a #1?.db", "file:/tmp/a %231%3f.db"},
		{"100%.db", "file:100%25.db"},
		{"file:audit.db?mode=ro", "file:audit.db?mode=ro"},
	}
	for _, tt := range tests {
		if got := dsn(tt.in); got != tt.want {
			t.Errorf("dsn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUsageMentions(t *testing.T) {
	u := Usage()
	for _, want := range []string{"--output FORMAT", "--region REGION", "--demo", "--db PATH", "Pushdown", "vpnsql --demo"} {
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	for _, line := range strings.Split(u, "\n") {
		if len([]rune(line)) > 110 {
			t.Errorf("usage line too long (%d): %q", len([]rune(line)), line)
		}
	}
}

func TestParseArgsNewFlags(t *testing.T) {
	c, err := ParseArgs([]string{"SELECT 1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CacheTTL != DefaultCacheTTL || c.MaxAttempts != DefaultMaxAttempts || c.Strict || c.AllowTerminate ||
		c.AuditLog != "" || c.Queries {
		t.Errorf("defaults: %+v", c)
	}
	c, err = ParseArgs([]string{"--cache-ttl", "0", "--strict", "--max-attempts", "2", "--allow-terminate",
		"--audit-log", "a.jsonl", "SELECT 1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CacheTTL != 0 || !c.Strict || c.MaxAttempts != 2 || !c.AllowTerminate || c.AuditLog != "a.jsonl" {
		t.Errorf("parsed %+v", c)
	}
}

func TestParseArgsRateLimits(t *testing.T) {
	c, err := ParseArgs([]string{"SELECT 1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Concurrency != 64 || c.RegionConcurrency != 8 || c.StallTimeout != 5*time.Minute {
		t.Errorf("defaults: concurrency %d, region %d, stall %v", c.Concurrency, c.RegionConcurrency, c.StallTimeout)
	}
	c, err = ParseArgs([]string{"--concurrency", "200", "--region-concurrency", "4", "--stall-timeout", "90s", "SELECT 1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Concurrency != 200 || c.RegionConcurrency != 4 || c.StallTimeout != 90*time.Second {
		t.Errorf("parsed: concurrency %d, region %d, stall %v", c.Concurrency, c.RegionConcurrency, c.StallTimeout)
	}
}

func TestParseArgsQueries(t *testing.T) {
	tests := []struct {
		args   []string
		name   string
		params map[string]string
		show   bool
	}{
		{[]string{"queries"}, "", nil, false},
		{[]string{"-o", "csv", "queries"}, "", nil, false},
		{[]string{"queries", "top_talkers", "--param", "limit=5"}, "top_talkers", map[string]string{"limit": "5"}, false},
		{[]string{"--param", "now=2026-11-26 12:00:00", "queries", "long_sessions", "--param=hours=1"},
			"long_sessions", map[string]string{"now": "2026-11-26 12:00:00", "hours": "1"}, false},
		{[]string{"queries", "x", "--param", "v=a=b"}, "x", map[string]string{"v": "a=b"}, false},
		{[]string{"queries", "long_sessions", "--show"}, "long_sessions", nil, true},
	}
	for _, tt := range tests {
		c, err := ParseArgs(tt.args)
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		if !c.Queries || c.QueryName != tt.name || c.Show != tt.show || len(c.Args) != 0 ||
			len(c.Params) != len(tt.params) {
			t.Errorf("ParseArgs(%q) = %+v", tt.args, c)
		}
		for k, v := range tt.params {
			if c.Params[k] != v {
				t.Errorf("ParseArgs(%q): param %s = %q, want %q", tt.args, k, c.Params[k], v)
			}
		}
	}
}

func TestParseArgsNewFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--cache-ttl", "-1s"}, "-1s is negative"},
		{[]string{"--cache-ttl", "soon"}, "--cache-ttl"},
		{[]string{"--max-attempts", "0"}, "--max-attempts: 0 is not a positive number"},
		{[]string{"--audit-log", ""}, "--audit-log: no path given"},
		{[]string{"--param", "a=1", "SELECT 1"}, "--param goes with a saved query"},
		{[]string{"--show"}, "--show goes with a saved query"},
		{[]string{"queries", "a", "b"}, "one saved query at a time"},
		{[]string{"queries", "--show"}, "need a query name"},
		{[]string{"queries", "a", "--param", "=1"}, "want NAME=VALUE"},
		{[]string{"queries", "a", "--param", "x"}, "want NAME=VALUE"},
		{[]string{"queries", "a", "--param", "x=1", "--param", "x=2"}, "--param x given twice"},
	}
	for _, tt := range tests {
		_, err := ParseArgs(tt.args)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseArgs(%q) = %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

func TestUsageMentionsNewFlags(t *testing.T) {
	u := Usage()
	for _, want := range []string{"--allow-terminate", "--audit-log PATH", "--cache-ttl DURATION", "--strict",
		"--max-attempts N", "--param PARAM=VALUE", "--show", "vpnsql queries", "top_talkers", "dry run",
		"-o csv --output-file", "vpnsql: warning:", ".run NAME"} {
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}
