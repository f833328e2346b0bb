package accounts

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestApplyLimits: the configurations this package builds get the
// process's limiter: a retryer and the throttling middleware.
func TestApplyLimits(t *testing.T) {
	var cfg aws.Config
	applyLimits(&cfg, "111122223333", "eu-west-1")
	if cfg.Retryer == nil || cfg.Retryer().MaxAttempts() != DefaultMaxAttempts || len(cfg.APIOptions) != 1 {
		t.Fatalf("retryer set: %t, %d API options", cfg.Retryer != nil, len(cfg.APIOptions))
	}
	first := processLimiter.region("111122223333", "eu-west-1")
	if again := processLimiter.region("111122223333", "eu-west-1"); again != first {
		t.Fatal("one account+region got two limiters")
	}
	if other := processLimiter.region("444455556666", "eu-west-1"); other == first {
		t.Fatal("two accounts share one limiter")
	}
}
