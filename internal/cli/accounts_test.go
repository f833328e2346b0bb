package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the command in-process with args and returns its exit status
// and standard error.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cfg, err := ParseArgs(args)
	if err != nil {
		return exitStatus(err), "vpnsql: " + err.Error()
	}
	dir := t.TempDir()
	in, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, _ := os.Create(filepath.Join(dir, "out"))
	errf, _ := os.Create(filepath.Join(dir, "err"))
	defer out.Close()
	defer errf.Close()
	status := Run(cfg, Stdio{In: in, Out: out, Err: errf}, "test")
	stderr, _ := os.ReadFile(errf.Name())
	return status, string(stderr)
}

// isolateAWS points the SDK at empty config files and away from IMDS.
func isolateAWS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	if err := os.WriteFile(conf, []byte("[profile known]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", conf)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ORGANIZATIONS"} {
		t.Setenv(v, "")
	}
	return conf
}

func oneLineWith(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("stderr is not one line:\n%s", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
}

func TestMissingProfileIsAUsageError(t *testing.T) {
	conf := isolateAWS(t)
	status, stderr := runCLI(t, "--profile", "known,nosuch", "SELECT 1")
	if status != ExitUsage {
		t.Errorf("exit %d, want %d", status, ExitUsage)
	}
	oneLineWith(t, stderr, `"nosuch"`, conf)
}

func TestBadSettingsAreUsageErrors(t *testing.T) {
	isolateAWS(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--org-role", "bad role!"}, "'bad role!'"},
		{[]string{"--org-role", ""}, "not an IAM role name"},
		{[]string{"--region", "us-east1"}, "'us-east1'"},
		{[]string{"--region", "US-EAST-1"}, "'US-EAST-1'"},
		{[]string{"--concurrency", "1000"}, "1000 is not a number from 1 to 256"},
		{[]string{"--cache-ttl", "inf"}, "inf"},
		{[]string{"--cache-ttl", "1e300"}, "1e300"},
		{[]string{"--demo", "--region", "us-west-2"}, "sample data has no region us-west-2 (it has us-east-1"},
	} {
		status, stderr := runCLI(t, append(tc.args, "SELECT 1")...)
		if status != ExitUsage {
			t.Errorf("%q: exit %d, want %d (%s)", tc.args, status, ExitUsage, stderr)
		}
		oneLineWith(t, stderr, tc.want)
	}
	c, err := ParseArgs([]string{"--cache-ttl", "5"})
	if err != nil || c.CacheTTL != 5*time.Second {
		t.Errorf("--cache-ttl 5 = %v, %v; want 5s like VPNSQL_CACHE_TTL=5", c.CacheTTL, err)
	}
}

func TestDemoIgnoresAWSSettings(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_PROFILE", "nosuch")
	t.Setenv("AWS_REGION", "us-west-2")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")
	status, stderr := runCLI(t, "--demo", "--org-role", "OrganizationAccountAccessRole",
		"SELECT count(DISTINCT accountId) FROM client_vpn_connections")
	if status != ExitOK {
		t.Errorf("exit %d: %s", status, stderr)
	}
	if !strings.Contains(stderr, "regions us-east-1, eu-west-1") {
		t.Errorf("the demo should say which regions it has: %q", stderr)
	}
}

func TestSetupErrorsAreOneLine(t *testing.T) {
	isolateAWS(t)
	start := time.Now()
	status, stderr := runCLI(t, "--region", "us-east-1", "SELECT count(*) FROM client_vpn_endpoints")
	if status != ExitError {
		t.Errorf("no credentials: exit %d", status)
	}
	oneLineWith(t, stderr, "no AWS credentials found", "aws configure")

	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	status, stderr = runCLI(t, "--region", "us-east-1", "--max-attempts", "2", "--endpoint-url", "http://127.0.0.1:1",
		"SELECT count(*) FROM client_vpn_endpoints")
	if status != ExitError {
		t.Errorf("closed port: exit %d", status)
	}
	oneLineWith(t, stderr, "cannot connect to http://127.0.0.1:1 (set by --endpoint-url)")

	t.Setenv("AWS_ENDPOINT_URL", "127.0.0.1:1")
	status, stderr = runCLI(t, "--region", "us-east-1", "SELECT count(*) FROM client_vpn_endpoints")
	if status != ExitError {
		t.Errorf("no scheme: exit %d", status)
	}
	oneLineWith(t, stderr, "AWS_ENDPOINT_URL", "http://")
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("setup errors took %s", d)
	}
}
