package accounts

import "github.com/aws/aws-sdk-go-v2/aws"

// applyLimits installs the retryer and the request limits of one (account,
// region) on cfg. Placeholder: it keeps the standard retryer the base
// configuration already has; the per account+region limiter replaces it.
func applyLimits(cfg *aws.Config, accountID, region string) {}
