package functions

import (
	"slices"
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql/internal/clientvpn"
)

func TestApplyEnvValidates(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"VPNSQL_REGION", "us-east1", "'us-east1' is not an AWS region name"},
		{"VPNSQL_REGION", "US-EAST-1", "'US-EAST-1'"},
		{"VPNSQL_CACHE_TTL", "inf", "inf"},
		{"VPNSQL_CACHE_TTL", "1e300", "1e300"},
		{"VPNSQL_CACHE_TTL", "NaN", "NaN"},
		{"VPNSQL_ORG_ROLE", "bad role", "'bad role' is not an IAM role name"},
		{"VPNSQL_PROFILE", "a b", "'a b' is not a profile name"},
		{"VPNSQL_CONCURRENCY", "257", "257"},
	} {
		var s clientvpn.Settings
		err := ApplyEnv(&s, func(k string) string {
			if k == tc.name {
				return tc.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want an error naming %s and containing %q", tc.name, tc.value, err, tc.name, tc.want)
		}
	}
	var s clientvpn.Settings
	env := map[string]string{"VPNSQL_PROFILE": "prod, acquired", "VPNSQL_ORG_ROLE": "AuditRole", "VPNSQL_REGION": "*", "VPNSQL_CACHE_TTL": "5"}
	if err := ApplyEnv(&s, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Profiles, []string{"prod", "acquired"}) || s.OrgRole != "AuditRole" || s.CacheTTL.Seconds() != 5 {
		t.Errorf("settings %+v", s)
	}
}
