package vpnsql_test

import (
	"strings"
	"testing"

	"github.com/vpnsql/vpnsql"
)

// TestRegisterValidatesOptions: a bad setting in the Go door is Register's
// error, naming the value, as the CLI's flags and the extension's
// environment are.
func TestRegisterValidatesOptions(t *testing.T) {
	for _, tc := range []struct {
		opts vpnsql.Options
		want string
	}{
		{vpnsql.Options{OrgRole: "bad role"}, "'bad role' is not an IAM role name"},
		{vpnsql.Options{Regions: []string{"us-east1"}}, "'us-east1' is not an AWS region name"},
		{vpnsql.Options{Concurrency: 1000}, "Concurrency 1000"},
	} {
		err := vpnsql.Register(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Register(%+v) = %v, want an error containing %q", tc.opts, err, tc.want)
		}
	}
}
