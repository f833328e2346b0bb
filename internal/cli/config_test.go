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
