package accounts

import "github.com/aws/aws-sdk-go-v2/aws"

// applyLimits installs the retryer and the request limits of one (account,
// region) on cfg. Config calls it once per (account, region). Placeholder:
// it keeps the base configuration's retryer (the SDK's standard retryer,
// with timed-out requests tried twice: timeoutBoundRetryer); the per
// account+region limiter replaces it.
func applyLimits(cfg *aws.Config, accountID, region string) {}
